"""``lamina.Function``: a callable graph of operations and layers between symbolic tensors.

The stateless core of a functional model, as Keras's ``keras.Function``: it records
nothing new and tracks no weights (the layers it calls keep theirs); calling it replays
the graph's nodes (``plan.run_graph_plan``, the executor ``Model(inputs, outputs)`` uses).
"""

import torch

from lamina.errors import ConfigurationError, describe
from lamina.layers.input_layer import InputLayer
from lamina.layers.symbolic import KerasTensor
from lamina.models.graph_walk import nodes_between
from lamina.models.layer_order import keras_layer_order
from lamina.models.passes import optimize_graph
from lamina.models.plan import graph_plan, run_graph_plan
from lamina.ops.convert import convert_to_tensor
from lamina.ops.operation import Operation
from lamina.tree.nested import flatten, flatten_shapes, map_structure, pack_like


class Function(Operation):
    """The computation from symbolic ``inputs`` to ``outputs``, callable on real tensors.

    Args:
        inputs: A symbolic tensor or a structure (list, dict) of them: ``lamina.Input``
            tensors, free ``lamina.KerasTensor(shape)`` placeholders or intermediate tensors.
        outputs: A symbolic tensor or a structure of them, computable from ``inputs`` alone.
        name: The function's name.

    Example:
        ```python
        a, b = lamina.KerasTensor((None, 3)), lamina.KerasTensor((None, 3))
        fn = lamina.Function([a, b], lamina.ops.sigmoid(a + b))
        fn([np.ones((2, 3)), np.zeros((2, 3))])
        ```

    Raises:
        ConfigurationError: empty ``inputs`` / ``outputs``, a value that is not a symbolic
            tensor, or an output that does not depend on ``inputs`` alone.
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs, self._outputs = flatten(inputs), flatten(outputs)
        for role, flat in (("inputs", self._inputs), ("outputs", self._outputs)):
            if not flat:
                raise ConfigurationError(f"Function '{self.name}': `{role}` cannot be empty. Received: {role}={flat!r}.")
            for tensor in flat:
                if not isinstance(tensor, KerasTensor):
                    raise ConfigurationError(
                        f"Function '{self.name}': {role} must be symbolic tensors (lamina.Input(...), "
                        f"lamina.KerasTensor(shape) and calls on them). Received: {describe(tensor)}."
                    )
        nodes, met = nodes_between(self._inputs, self._outputs, f"Function '{self.name}'")
        graph_inputs = [t for t in self._inputs if t.node is not None and isinstance(t.node.layer, InputLayer)]
        in_graph = {id(node.layer) for node in nodes} | {id(t.node.layer) for t in graph_inputs}
        met = [layer for layer in met if id(layer) in in_graph]  # not the makers of intermediate inputs
        self._operations = keras_layer_order(nodes, met, graph_inputs)
        self._plan = optimize_graph(graph_plan(nodes), self._outputs)

    @property
    def inputs(self):
        """The flat list of the symbolic inputs."""
        return self._inputs

    @property
    def outputs(self):
        """The flat list of the symbolic outputs."""
        return self._outputs

    @property
    def operations(self):
        """The layers and operations of the graph, in Keras's order (``Input`` layers included)."""
        return list(self._operations)

    def call(self, inputs):
        """The outputs (in ``outputs``' structure) for real ``inputs`` (tensors, NumPy arrays)
        in ``inputs``' structure."""
        flat = self._check_inputs(inputs)
        values = [v if isinstance(v, KerasTensor) else convert_to_tensor(v) for v in flat]
        computed = run_graph_plan(self._plan, self._inputs, values)
        return pack_like(self._outputs_struct, [computed[id(t)] for t in self._outputs])

    def compute_output_spec(self, inputs):
        """Symbolic outputs for symbolic ``inputs``: the recorded ones where the shapes are
        the recorded inputs' shapes, else found by running the graph on zeros."""
        flat = self._check_inputs(inputs)
        if all(tuple(x.shape) == tuple(ref.shape) for x, ref in zip(flat, self._inputs)):
            return map_structure(lambda t: KerasTensor(t.shape, dtype=t.dtype), self._outputs_struct)
        runs = [flatten(self._run_on_zeros(flat, size)) for size in (2, 3)]
        outputs = [
            KerasTensor(tuple(d if d == e else None for d, e in zip(a.shape, b.shape)), dtype=a.dtype)
            for a, b in zip(*runs)
        ]
        return pack_like(self._outputs_struct, outputs)

    def _run_on_zeros(self, flat, size):
        """The outputs for zeros standing in for the symbolic ``flat`` inputs (``size`` for
        unknown axes)."""
        zeros = [torch.zeros([size if d is None else d for d in x.shape], dtype=x.dtype) for x in flat]
        with torch.no_grad():
            computed = run_graph_plan(self._plan, self._inputs, zeros)
        return [computed[id(t)] for t in self._outputs]

    def compute_output_shape(self, input_shape):
        """The output shape(s) for ``input_shape`` (a shape or a structure of shapes)."""
        shapes = flatten_shapes(input_shape)
        placeholders = [KerasTensor(shape, dtype=ref.dtype) for shape, ref in zip(shapes, self._inputs)]
        spec = self.compute_output_spec(pack_like(self._inputs_struct, placeholders))
        return map_structure(lambda t: t.shape, spec)

    def _check_inputs(self, inputs):
        flat = flatten(inputs)
        keys_differ = isinstance(self._inputs_struct, dict) and (
            not isinstance(inputs, dict) or set(inputs) != set(self._inputs_struct)
        )
        if keys_differ or len(flat) != len(self._inputs):
            raise ConfigurationError(
                f"Function '{self.name}' was called with inputs of another structure. Expected "
                f"{_structure(self._inputs_struct)}; received {_structure(inputs)}."
            )
        for value, ref in zip(flat, self._inputs):
            shape = tuple(getattr(value, "shape", ()))
            compatible = len(shape) == len(ref.shape) and all(
                a is None or b is None or a == b for a, b in zip(shape, ref.shape)
            )
            if not compatible:
                raise ConfigurationError(
                    f"Function '{self.name}': input '{ref.name}' expects shape {ref.shape} "
                    f"(None: any size). Received shape {shape}."
                )
        return flat


def _structure(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_structure(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return "tensor"
