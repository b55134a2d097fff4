"""Functional models: a graph of layer calls recorded on symbolic tensors."""

from lamina.errors import ConfigurationError, describe
from lamina.layers.input_layer import InputLayer
from lamina.layers.keras_operations import KerasOperation
from lamina.layers.symbolic import KerasTensor
from lamina.layers.training_mode import adopt_mode
from lamina.models.functional_config import functional_config, functional_from_config
from lamina.models.graph_walk import nodes_between
from lamina.models.layer_order import keras_layer_order
from lamina.models.model import Model
from lamina.models.passes import optimize_graph
from lamina.models.plan import graph_plan, run_graph_plan
from lamina.tree.nested import flatten, map_structure, pack_like


class Functional(Model):
    """``Model(inputs, outputs)``: runs the recorded layer calls from inputs to outputs.

    ``inputs`` / ``outputs`` may be one tensor, a list or a dict. Shared layers (one
    layer called several times) reuse their weights; a model is itself a layer and can
    be called inside another model.
    """

    _keras_module = "keras.src.models.functional"
    _keras_registered_name = "Functional"

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for tensor in flatten(inputs) + flatten(outputs):
            if not isinstance(tensor, KerasTensor):
                raise ConfigurationError(
                    f"Model '{self.name}': inputs and outputs must be symbolic tensors from "
                    f"lamina.Input(...) and layer calls on them. Received: {describe(tensor)}."
                )
        for tensor in flatten(inputs):
            if not isinstance(tensor.node.layer, InputLayer):
                raise ConfigurationError(
                    f"Model '{self.name}': every input must come straight from lamina.Input(...). "
                    f"Received {tensor} made by layer '{tensor.node.layer.name}'."
                )
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        self._nodes, met = nodes_between(self.inputs, self.outputs, f"Model '{self.name}'")
        self._layer_order = keras_layer_order(self._nodes, met, self.inputs)
        for layer in self._layer_order:
            if not isinstance(layer, InputLayer):
                self._track_layer(layer)
                adopt_mode(layer, self)
        self._plan = optimize_graph(graph_plan(self._nodes), self.outputs)  # what call runs
        self.built = True
        self._build_shapes = map_structure(lambda t: t.shape, inputs)

    @property
    def layers(self):
        """The model's layers in Keras's order (``layer_order``). Keras operation
        nodes loaded from a Keras file (``NotEqual``, ``x + 1``...) are not layers, as in
        Keras: they are in ``_operations``."""
        return [layer for layer in self._layer_order if not isinstance(layer, KerasOperation)]

    def _saved_sublayers(self):
        """``(attribute, layers)`` Keras's weights files name by class under
        ``<attribute>/<snake_case class name>[_N]`` (see ``saving.weights_file``)."""
        return "layers", list(self.layers)

    def _integer_inputs(self):
        """Per ``Input``: integer arrays stay integers where the ``Input`` is an integer."""
        kinds = [not tensor.dtype.is_floating_point for tensor in self.inputs]
        if len(set(kinds)) == 1:
            return kinds[0]
        return self._integer_leaves

    def _integer_leaves(self, x):
        try:
            flat = _match_inputs(self._inputs_struct, x, self.name, self.input_names)
        except ConfigurationError:
            return {}  # the model call reports the mismatch
        return {id(leaf): not tensor.dtype.is_floating_point for leaf, tensor in zip(flat, self.inputs)}

    @property
    def _operations(self):
        """Every graph node's layer or operation in Keras's order (what the config lists)."""
        return list(self._layer_order)

    @property
    def input(self):
        """The model's symbolic input(s), as given to ``Model(inputs, ...)``."""
        return self._inputs_struct

    @property
    def output(self):
        """The model's symbolic output(s), as given to ``Model(..., outputs)``."""
        return self._outputs_struct

    @property
    def output_shape(self):
        """Shape (or structure of shapes) of the model's outputs, batch first."""
        return map_structure(lambda t: t.shape, self._outputs_struct)

    @property
    def input_names(self):
        """Names of the model's inputs (their ``Input`` layers), in order."""
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self):
        """Names of the model's outputs: the keys of a dict output, else the names of the layers that produce them."""
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        return [t.node.layer.name for t in self.outputs]

    def call(self, inputs, training=None):
        flat_inputs = _match_inputs(self._inputs_struct, inputs, self.name, self.input_names)
        values = run_graph_plan(self._plan, self.inputs, flat_inputs, training)
        return pack_like(self._outputs_struct, [values[id(t)] for t in self.outputs])

    def compute_output_shape(self, input_shape):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    def get_config(self):
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        return functional_from_config(cls, config, custom_objects)


Model._functional_class = Functional


def _match_inputs(structure, inputs, model_name, input_names=None):
    if isinstance(structure, dict):
        if not isinstance(inputs, dict):
            raise ConfigurationError(
                f"Model '{model_name}' takes a dict of inputs with keys {sorted(structure)}. "
                f"Received: {describe(inputs)}."
            )
        missing = sorted(set(structure) - set(inputs))
        if missing:
            raise ConfigurationError(f"Model '{model_name}': inputs {missing} are missing.")
        return flatten({key: inputs[key] for key in structure})
    if isinstance(inputs, dict) and input_names is not None:
        missing = sorted(set(input_names) - set(inputs))
        if missing:
            raise ConfigurationError(
                f"Model '{model_name}': inputs {missing} are missing. Received keys {sorted(inputs)}; "
                f"the model's inputs are {input_names}."
            )
        return [inputs[name] for name in input_names]
    flat = flatten(inputs)
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ConfigurationError(
            f"Model '{model_name}' expects {expected} input(s) but received {len(flat)}."
        )
    return flat
