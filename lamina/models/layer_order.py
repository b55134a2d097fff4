"""The order of a functional model's layers, as Keras orders them.

``model.layers``, ``get_weights()``, the config's layer list and the weight slots of
``.keras`` / ``.weights.h5`` files (``layers/dense``, ``layers/dense_1``...) all follow
it, so it must be Keras's exactly: two Dense layers of one shape listed in another order
would load each other's weights without any error. Keras walks the graph depth first
from the outputs, gives each node a depth (the longest path to an output), and sorts the
layers deepest first, ties in the order the walk first met them.
"""

from lamina.errors import ConfigurationError
from lamina.layers.input_layer import InputLayer


def keras_layer_order(inputs, outputs, model_name):
    """The layers between ``inputs`` and ``outputs`` (symbolic tensors) in Keras's order,
    ``Input`` layers included."""
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    walked = []  # nodes, each after the nodes it reads
    first_met = {}  # id(layer) -> (index, layer)

    def walk(tensor):
        node = tensor.node
        if id(node) in finished:
            return
        is_input = isinstance(node.layer, InputLayer)
        if not is_input and id(tensor) in input_ids:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ConfigurationError(f"Model '{model_name}': the layer graph has a cycle.")
        first_met.setdefault(id(node.layer), (len(first_met), node.layer))
        in_progress.add(id(node))
        if not is_input:
            for parent_tensor in node.input_tensors:
                walk(parent_tensor)
        finished.add(id(node))
        in_progress.discard(id(node))
        walked.append(node)

    for tensor in outputs:
        walk(tensor)
    in_graph = {id(node) for node in walked}
    node_depth, layer_depth = {}, {}
    for node in reversed(walked):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in node.parents:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in inputs:  # inputs no output depends on still count, first
        layer = tensor.node.layer
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            first_met[id(layer)] = (-1, layer)
    ranked = sorted(first_met.items(), key=lambda item: (-layer_depth[item[0]], item[1][0]))
    return [layer for _, (_, layer) in ranked]
