"""Model configs of legacy Keras ``.h5`` files, brought to the Keras 3 form lamina reads.

tf.keras 2 wrote functional models as class ``Model`` (or ``Functional``) whose layers'
``inbound_nodes`` are lists of ``[layer name, node index, tensor index, kwargs]``, and
input layers with ``batch_input_shape``. Keras 3 writes ``Functional`` with nodes as
``{"args": [...], "kwargs": {...}}`` of ``__keras_tensor__`` entries and ``batch_shape``.
``upgrade_config`` rewrites the first into the second (nested models included) and
leaves a config already in Keras 3's form as it is. Sequential configs need no change:
their first layer's ``batch_input_shape`` is read as Keras 2 wrote it.
"""

import copy

FUNCTIONAL_NAMES = ("Model", "Functional")


def upgrade_config(entry):
    """A copy of the layer/model config ``entry`` in Keras 3's form (see the module docstring)."""
    return _upgrade(copy.deepcopy(entry))


def _upgrade(entry):
    if not isinstance(entry, dict):
        return entry
    config = entry.get("config")
    if not isinstance(config, dict):
        return entry
    name = entry.get("class_name")
    if name == "InputLayer" and "batch_input_shape" in config and "batch_shape" not in config:
        config["batch_shape"] = config.pop("batch_input_shape")
        for old in ("ragged",):
            config.pop(old, None)
    if name in FUNCTIONAL_NAMES or name == "Sequential":
        layers = config.get("layers")
        if isinstance(layers, list):
            config["layers"] = [_upgrade(layer) for layer in layers]
    if name in FUNCTIONAL_NAMES and isinstance(config.get("layers"), list):
        entry["class_name"] = "Functional"
        legacy = False
        for layer in config["layers"]:
            if isinstance(layer, dict) and isinstance(layer.get("inbound_nodes"), list):
                legacy = legacy or any(_is_legacy_node(node) for node in layer["inbound_nodes"])
                layer["inbound_nodes"] = [_node(node) for node in layer["inbound_nodes"]]
        if legacy:
            # tf.keras 2 always wrote a list of inputs/outputs; one of them meant a single tensor.
            for key in ("input_layers", "output_layers"):
                value = config.get(key)
                if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
                    config[key] = value[0]
    return entry


def _is_legacy_node(node):
    return isinstance(node, list) and bool(node) and all(isinstance(item, list) for item in node)


def _node(node):
    """One legacy node ``[[name, node_index, tensor_index, kwargs], ...]`` as Keras 3's node."""
    if not _is_legacy_node(node):
        return node  # already {"args": ..., "kwargs": ...}
    tensors, kwargs = [], {}
    for item in node:
        tensors.append(_tensor(item))
        if len(item) > 3 and isinstance(item[3], dict):
            kwargs = {key: _argument(value) for key, value in item[3].items()}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}


def _tensor(item):
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [item[0], item[1], item[2]]}}


def _argument(value):
    # tf.keras 2 wrote tensor keyword arguments (a mask) as [name, node, tensor] lists.
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and all(isinstance(v, int) for v in value[1:]):
        return _tensor(value)
    return value
