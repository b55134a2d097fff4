"""The order of a functional model's layers, as Keras orders them.

``model.layers``, ``get_weights()``, the config's layer list and the weight slots of
``.keras`` / ``.weights.h5`` files (``layers/dense``, ``layers/dense_1``...) all follow
it, so it must be Keras's exactly: two Dense layers of one shape listed in another order
would load each other's weights without any error. Keras walks the graph depth first
from the outputs, gives each node a depth (the longest path to an output), and sorts the
layers deepest first, ties in the order the walk first met them.
"""


def keras_layer_order(nodes, met, inputs):
    """The graph's layers in Keras's order, ``Input`` layers included.

    Args:
        nodes: The graph's nodes, each after the nodes it reads (``Input`` nodes aside),
            from the walk from the outputs (``functional._nodes_between``).
        met: The layers in the order that walk first met them.
        inputs: The model's input tensors; inputs no output depends on come first.
    """
    in_graph = {id(node) for node in nodes} | {id(tensor.node) for tensor in inputs}
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in node.parents:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in inputs:  # an Input's depth is its node's (0 when no output depends on it)
        layer_depth[id(tensor.node.layer)] = node_depth.get(id(tensor.node), 0)
    position = {id(layer): index for index, layer in enumerate(met)}
    unused = [t.node.layer for t in inputs if id(t.node.layer) not in position]
    return sorted(met + unused, key=lambda layer: (-layer_depth[id(layer)], position.get(id(layer), -1)))
