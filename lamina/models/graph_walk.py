"""The walk from a graph's outputs back to its inputs: which nodes run, in which order.

Functional models and ``lamina.Function`` both build their plan from it.
"""

from lamina.errors import ConfigurationError
from lamina.layers.input_layer import InputLayer


def nodes_between(inputs, outputs, owner):
    """``(nodes, met)``: the graph's nodes from ``inputs`` to ``outputs``, each after the
    nodes it reads (``Input`` nodes aside), and its layers in the order this depth-first
    walk from the outputs first meets them, ``Input`` layers included (Keras's tie-break
    for the layer order, ``layer_order``).

    ``inputs`` may be any symbolic tensors of the graph (``lamina.Input`` tensors,
    intermediate ones, or free ``lamina.KerasTensor(shape)`` placeholders); ``owner`` names
    the model or function in errors (``"Model 'm'"``).

    Raises:
        ConfigurationError: an output depends on a placeholder that is not in ``inputs``,
            or the graph has a cycle.
    """
    order, visiting, done = [], set(), set()
    met = {}  # id(layer) -> layer, in first-met order
    input_ids = {id(t) for t in inputs}

    def meet_input(tensor):
        if tensor.node is not None:
            met.setdefault(id(tensor.node.layer), tensor.node.layer)

    def visit(node):
        if id(node) in done:
            return
        if id(node) in visiting:
            raise ConfigurationError(f"{owner}: the layer graph has a cycle.")
        met.setdefault(id(node.layer), node.layer)
        visiting.add(id(node))
        for tensor in node.input_tensors:
            if id(tensor) in input_ids:
                meet_input(tensor)
                continue
            _check_reachable(tensor, owner)
            visit(tensor.node)
        visiting.discard(id(node))
        done.add(id(node))
        order.append(node)

    for tensor in outputs:
        if id(tensor) in input_ids:
            meet_input(tensor)
        else:
            _check_reachable(tensor, owner)
            visit(tensor.node)
    return order, list(met.values())


def _check_reachable(tensor, owner):
    if tensor.node is None:
        raise ConfigurationError(
            f"{owner}: an output depends on the placeholder {tensor}, which is not in the inputs. "
            "Add it to the inputs."
        )
    if isinstance(tensor.node.layer, InputLayer):
        raise ConfigurationError(
            f"{owner}: output depends on input '{tensor.node.layer.name}', which is not in the "
            f"model's inputs. Add it to the inputs (Model(inputs=[...]) / Function(inputs=[...]))."
        )
