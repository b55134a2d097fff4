"""``Sequential``: a plain stack of layers, one input, one output."""

from collections.abc import Iterable

from torch import nn

from lamina.errors import ConfigurationError, describe
from lamina.layers.core.torch_module import TorchModule
from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import MISSING_SUPER_INIT, Layer
from lamina.layers.symbolic import KerasTensor
from lamina.layers.training_mode import adopt_mode
from lamina.models.functional_config import sequential_config, sequential_from_config
from lamina.models.model import Model
from lamina.models.passes import optimize_stack
from lamina.models.plan import stack_plan


class Sequential(Model):
    """A linear stack of layers.

    Example:
        >>> import lamina
        >>> model = lamina.Sequential([
        ...     lamina.layers.Flatten(input_shape=(28, 28)),
        ...     lamina.layers.Dense(10, activation="softmax"),
        ... ])
        >>> model.output_shape
        (None, 10)
    """

    _keras_module = "keras"

    def __init__(
        self,
        layers: Iterable[Layer | nn.Module | KerasTensor] | None = None,
        trainable: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(trainable=trainable, name=name)
        self._stack = []
        self._plan = None  # what call runs, built at the first call (lamina.models.plan)
        self._input_batch_shape = None
        self._symbolic_input = None
        self._symbolic_output = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Layer | nn.Module | KerasTensor) -> None:
        """Append ``layer`` (a lamina layer, an ``nn.Module``, or an ``Input`` tensor)."""
        if isinstance(layer, KerasTensor):
            layer = layer.node.layer
        if isinstance(layer, nn.Module) and not isinstance(layer, Layer):
            layer = TorchModule(layer)
        if not isinstance(layer, Layer):
            raise ConfigurationError(
                f"Sequential '{self.name}'.add expects a layer or a torch.nn.Module. Received: {describe(layer)}."
            )
        if "_lamina_initialized" not in layer.__dict__:
            raise ConfigurationError(MISSING_SUPER_INIT.format(cls=type(layer).__name__))
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ConfigurationError(f"Sequential '{self.name}': an Input can only come first.")
            self._input_batch_shape = layer.batch_shape
            return
        if not self._stack and layer._batch_input_shape is not None:
            self._input_batch_shape = layer._batch_input_shape
        self._track_layer(layer)
        self._stack.append(layer)
        self._plan = None
        adopt_mode(layer, self)
        if self._input_batch_shape is not None:
            self._extend_graph(layer)

    def pop(self) -> Layer:
        """Remove the last layer."""
        if not self._stack:
            raise ConfigurationError(f"Sequential '{self.name}' has no layers to pop.")
        layer = self._stack.pop()
        self._plan = None
        del self._modules[next(k for k, v in self._modules.items() if v is layer)]
        self.built = False
        self._symbolic_input = self._symbolic_output = None
        return layer

    def _extend_graph(self, layer):
        if self._symbolic_output is None:
            self._symbolic_input = InputLayer(batch_shape=self._input_batch_shape).output
            self._symbolic_output = self._symbolic_input
            for previous in self._stack[:-1]:
                self._symbolic_output = previous(self._symbolic_output)
        self._symbolic_output = layer(self._symbolic_output)
        self.built = True
        self._build_shapes = self._input_batch_shape

    def build(self, input_shape):
        if not self._stack:
            raise ConfigurationError(f"Sequential '{self.name}' has no layers; add some before using it.")
        if self._input_batch_shape is None:
            self._input_batch_shape = (None,) + tuple(input_shape[1:])
        if self._symbolic_output is None:
            self._extend_graph(self._stack[-1])

    def call(self, inputs, training=None):
        if self._plan is None:
            self._plan = optimize_stack(stack_plan(self._stack))
        for step in self._plan:
            inputs = step(inputs, training=training)
        return inputs

    def compute_output_shape(self, input_shape):
        if self._symbolic_output is None:
            self.build(input_shape)
        return self._symbolic_output.shape

    @property
    def output_shape(self):
        """Shape of the model's output (batch first), or None until the input shape is known."""
        return None if self._symbolic_output is None else self._symbolic_output.shape

    @property
    def inputs(self):
        """``[input]``: the symbolic input of the model's graph, once the input shape is known
        (``Input`` first, ``input_shape=`` on the first layer, ``build`` or a first call)."""
        return [self._graph_end("inputs", self._symbolic_input)]

    @property
    def outputs(self):
        """``[output]``: the symbolic output of the model's graph (see ``inputs``)."""
        return [self._graph_end("outputs", self._symbolic_output)]

    @property
    def input(self):
        """The symbolic input of the model's graph (see ``inputs``)."""
        return self._graph_end("input", self._symbolic_input)

    @property
    def output(self):
        """The symbolic output of the model's graph (see ``inputs``)."""
        return self._graph_end("output", self._symbolic_output)

    def _graph_end(self, what, tensor):
        if tensor is None:
            raise AttributeError(
                f"Sequential '{self.name}' has no {what} yet: its input shape is unknown. Start it "
                f"with lamina.Input(shape=...), or build it (model.build((None, ...)) or call it on data)."
            )
        return tensor

    @property
    def layers(self):
        return list(self._stack)

    def _saved_sublayers(self):
        """``(attribute, layers)`` Keras's weights files name by class under
        ``<attribute>/<snake_case class name>[_N]`` (see ``saving.weights_file``)."""
        return "layers", list(self.layers)

    def get_config(self):
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        return sequential_from_config(cls, config, custom_objects)
