"""Functional and Sequential model configs in Keras 3's format, and rebuilding from them.

A functional config lists every layer with its ``inbound_nodes``: the arguments of each
call, where a symbolic tensor is written ``{"class_name": "__keras_tensor__", "config":
{"shape", "dtype", "keras_history": [layer_name, node_index, tensor_index]}}``.
Rebuilding creates the layers and replays those calls on ``Input`` placeholders.
"""

from lamina.errors import SavingError
from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import node_call_arguments
from lamina.layers.symbolic import KerasTensor
from lamina.models.call_values import from_saved, to_saved
from lamina.serialization import deserialize_layer, serialize_layer
from lamina.tree.nested import flatten

_TENSOR = "__keras_tensor__"


def functional_config(model):
    numbering = _node_numbering(model)

    def tensor_ref(tensor):
        layer = tensor.node.layer
        return {
            "class_name": _TENSOR,
            "config": {
                "shape": list(tensor.shape),
                "dtype": str(tensor.dtype).replace("torch.", ""),
                "keras_history": [layer.name, numbering.get(id(tensor.node), 0), tensor.index],
            },
        }

    layers = []
    for layer in model._operations:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            _node_entry(node, tensor_ref)
            for node in model._nodes
            if node.layer is layer and not isinstance(layer, InputLayer)
        ]
        layers.append(entry)

    def endpoints(structure):
        if isinstance(structure, dict):
            return {key: endpoints(value) for key, value in structure.items()}
        if isinstance(structure, (list, tuple)):
            return [endpoints(value) for value in structure]
        history = tensor_ref(structure)["config"]["keras_history"]
        return history

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": endpoints(model._inputs_struct),
        "output_layers": endpoints(model._outputs_struct),
    }


def _node_entry(node, tensor_ref):
    """Keras's form of one call: ``args = [inputs, *extra positional]`` and the keywords."""
    inputs, args, kwargs = node_call_arguments(node)
    kwargs = {k: v for k, v in kwargs.items() if k != "training"}
    return {
        "args": [_map_tensors(inputs, tensor_ref), *(_map_tensors(a, tensor_ref) for a in args)],
        "kwargs": _map_tensors(kwargs, tensor_ref),
    }


def _node_numbering(model):
    numbering, counts = {}, {}
    for node in model._nodes:
        key = id(node.layer)
        numbering[id(node)] = counts.get(key, 0)
        counts[key] = counts.get(key, 0) + 1
    return numbering


def _map_tensors(structure, fn):
    if isinstance(structure, KerasTensor):
        return fn(structure)
    if isinstance(structure, (list, tuple)):
        return [_map_tensors(v, fn) for v in structure]
    if isinstance(structure, dict):
        return {k: _map_tensors(v, fn) for k, v in structure.items()}
    return to_saved(structure)


def functional_from_config(cls, config, custom_objects=None):
    """Recreate a functional model: layers first, then their calls in dependency order."""
    created, outputs_of = {}, {}
    pending = []
    for entry in config.get("layers", []):
        name = entry.get("name") or entry.get("config", {}).get("name")
        layer = deserialize_layer(entry, custom_objects)
        created[name] = layer
        if isinstance(layer, InputLayer):
            outputs_of[name] = [[layer.output]]
        else:
            outputs_of[name] = []
            pending.extend((name, node) for node in entry.get("inbound_nodes", []))

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == _TENSOR:
            layer_name, node_index, tensor_index = value["config"]["keras_history"]
            try:
                return outputs_of[layer_name][node_index][tensor_index]
            except (KeyError, IndexError):
                raise LookupError from None
        if isinstance(value, list):
            return [resolve(v) for v in value]
        special = from_saved(value)
        if special is not value:
            return special
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    while pending:
        progressed = False
        for item in list(pending):
            name, node = item
            try:
                args = [resolve(a) for a in node.get("args", [])]
                kwargs = resolve(node.get("kwargs", {}))
            except LookupError:
                continue
            if not args:
                raise SavingError(f"Layer '{name}': a saved call has no input argument.")
            result = created[name](*args, **kwargs)
            outputs_of[name].append(flatten(result))  # keras_history's tensor index counts in it
            pending.remove(item)
            progressed = True
        if not progressed:
            missing = sorted({name for name, _ in pending})
            raise SavingError(f"The saved graph cannot be rebuilt: layers {missing} wait on inputs never produced.")

    def endpoint(value):
        if isinstance(value, dict):
            return {k: endpoint(v) for k, v in value.items()}
        if value and isinstance(value[0], list):
            return [endpoint(v) for v in value]
        layer_name, node_index, tensor_index = value
        return outputs_of[layer_name][node_index][tensor_index]

    inputs, outputs = endpoint(config["input_layers"]), endpoint(config["output_layers"])
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def sequential_config(model):
    layers = []
    if model._input_batch_shape is not None:
        layers.append(
            {
                "module": "keras.layers",
                "class_name": "InputLayer",
                "config": {"batch_shape": list(model._input_batch_shape), "dtype": "float32", "name": f"{model.name}_input"},
                "registered_name": None,
            }
        )
    for layer in model.layers:
        entry = serialize_layer(layer)
        entry["config"].pop("batch_input_shape", None)
        layers.append(entry)
    config = {"name": model.name, "trainable": model.trainable, "layers": layers}
    if model._input_batch_shape is not None:
        config["build_input_shape"] = list(model._input_batch_shape)
    return config


def sequential_from_config(cls, config, custom_objects=None):
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    for entry in config.get("layers", []):
        if entry.get("class_name") == "InputLayer":
            layer_config = entry.get("config", {})
            shape = layer_config.get("batch_shape") or layer_config.get("batch_input_shape")
            model.add(InputLayer(batch_shape=tuple(shape), dtype=_dtype_name(layer_config.get("dtype"))))
            continue
        model.add(deserialize_layer(entry, custom_objects))
    shape = config.get("build_input_shape")
    if shape is not None and not model.built:
        model.build_from_shapes(tuple(shape))
    return model


def _dtype_name(dtype):
    if isinstance(dtype, dict):
        return (dtype.get("config") or {}).get("name", "float32")
    return dtype or "float32"
