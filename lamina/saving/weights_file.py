"""``.weights.h5`` files in Keras 3's layout: save, load, and the mismatch report.

Keras 3 stores each layer's weights under a path made from the model structure, not from
layer names (which differ between two instances of one model): a Sequential or
functional model's layers (Keras operation nodes aside: they have no weights and Keras
leaves them out) sit under ``layers/<snake_case class name>[_N]``, a layer's own
weights in ``<path>/vars/0, 1, ...`` in Keras's order and layout, and sublayers under their
attribute name. lamina writes and reads exactly that, so the two libraries exchange
files. It also records each layer's name and each weight's name as HDF5 attributes, and
uses them to explain a mismatch: the loader lists missing, unexpected and mis-shaped
weights instead of loading them in the wrong place (the BatchNormalization pitfall).
"""

import torch

from lamina import layouts
from lamina.backend.naming import to_snake_case
from lamina.errors import SavingError
from lamina.layers.input_layer import InputLayer
from lamina.layers.keras_operations import KerasOperation
from lamina.layers.layer import Layer
from lamina.saving.h5_safety import open_h5_safely
from lamina.saving.h5_writing import fixed_string, read_text, write_h5
from lamina.saving.restore_checks import kind_of, read_array


def weight_slots(model):
    """``{path: [(tensor, layout, weight name, layer name), ...]}`` in Keras's walk order."""
    slots = {}
    _walk(model, "", slots, set())
    return slots


def layer_paths(model):
    """``{path: layer}`` for ``model`` and every layer under it, with the paths Keras
    uses (the weights sit under ``<path>/vars``, the assets under ``assets/<path>``)."""
    owners = {}
    _walk(model, "", {}, set(), owners)
    return owners


def _walk(layer, path, slots, visited, owners=None):
    if id(layer) in visited:
        return
    visited.add(id(layer))
    if owners is not None:
        owners[path] = layer
    slots[_join(path, "vars")] = [
        (tensor, layout, name, layer.name) for tensor, layout, name in _own_weights(layer)
    ]
    attribute, container = _container_layers(layer)  # models' ``layers`` leave operation nodes out
    used = {}
    for child in container:
        base = to_snake_case(type(child).__name__)
        count = used.get(base, 0)
        used[base] = count + 1
        _walk(child, _join(path, attribute, base if count == 0 else f"{base}_{count}"), slots, visited, owners)
    children = [
        (name, module) for name, module in layer.named_children()
        if isinstance(module, Layer) and module not in container and not isinstance(module, KerasOperation)
    ]
    for name, child in sorted(children, key=lambda item: ("~" + item[0]) if item[0].startswith("_") else item[0]):
        _walk(child, _join(path, name), slots, visited, owners)


def _container_layers(layer):
    """``(attribute, layers)``: the list of sublayers Keras saves by class name under
    ``<attribute>/<snake_case class name>[_N]`` (a model's ``layers``, a
    ``StackedRNNCells``' ``cells``), or ``(None, [])``: containers say so through their
    ``_saved_sublayers()``."""
    saved_sublayers = getattr(layer, "_saved_sublayers", None)
    return saved_sublayers() if saved_sublayers is not None else (None, [])


def _own_weights(layer):
    if not isinstance(layer, Layer) or isinstance(layer, InputLayer):
        return []
    keras_saved = getattr(layer, "_keras_saved_weights", None)
    if keras_saved is not None:  # a layer whose own ``vars`` in Keras's files differ from its weights
        return keras_saved()
    own = [(n, lay, t) for n, lay, t in layer._own_weights if t] + [
        (n, lay, t) for n, lay, t in layer._own_weights if not t
    ]
    entries = [(getattr(layer, name), layout, name) for name, layout, _ in own]
    for _, child in layer.named_children():
        if not isinstance(child, Layer):
            entries += [(p, "identity", n) for n, p in child.named_parameters()]
            entries += [(b, "identity", n) for n, b in child.named_buffers()]
    return entries


def _join(*parts):
    return "/".join(p for p in parts if p)


def write_weights(group_root, model):
    """Write every weight of ``model`` into an open h5py file/group."""
    for path, entries in weight_slots(model).items():
        group = group_root.require_group(path)
        if entries:
            group.attrs["name"] = fixed_string(entries[0][3])
        for index, (tensor, layout, name, _) in enumerate(entries):
            value = layouts.to_keras(layout, tensor.detach().cpu()).contiguous().numpy()
            dataset = group.create_dataset(str(index), data=value)
            dataset.attrs["name"] = fixed_string(name)
    for path, layer in layer_paths(model).items():
        # State Keras keeps by key, not index (a lookup layer's ``idf_weights``).
        for key, value in getattr(layer, "save_extra_variables", dict)().items():
            group_root.require_group(_join(path, "vars")).create_dataset(key, data=value)



def read_weights(group_root, model, skip_mismatch=False, source="the file"):
    """Load weights from an open h5py file/group; report every mismatch at once."""
    report, apply = prepare_weights(group_root, model, skip_mismatch, source)
    apply()
    return report


def prepare_weights(group_root, model, skip_mismatch=False, source="the file"):
    """Check and read every weight ``model`` would take from the file, writing nothing.

    Returns ``(report, apply)``: the mismatch report (empty when all fits) and a function
    that copies the values read into the model. Raises ``SavingError`` on a mismatch
    unless ``skip_mismatch``.
    """
    import h5py

    slots = weight_slots(model)
    extra_owners = {_join(p, "vars"): layer for p, layer in layer_paths(model).items() if hasattr(layer, "load_extra_variables")}
    missing, mis_shaped, unexpected, plan, extras = [], [], [], [], []
    for path, entries in slots.items():
        group = group_root.get(path)
        stored = {key: group[key] for key in group.keys()} if isinstance(group, h5py.Group) else {}
        if path in extra_owners:
            named = {key: stored.pop(key) for key in list(stored) if not key.isdigit()}
            named = {key: read_array(d, f"{path}/{key}", source=source) for key, d in named.items() if isinstance(d, h5py.Dataset)}
            extras.append((extra_owners[path], named))
        for index, (tensor, layout, name, layer_name) in enumerate(entries):
            dataset = stored.pop(str(index), None)
            label = f"{layer_name}/{name} ({path}/{index})"
            if dataset is None:
                missing.append(label)
                continue
            if not isinstance(dataset, h5py.Dataset):
                mis_shaped.append(f"{label}: file has an HDF5 {type(dataset).__name__} there, not an array")
                continue
            saved_name = dataset.attrs.get("name")
            if saved_name is not None:
                saved_name = read_text(saved_name)
            expected = layouts.keras_shape(layout, tuple(tensor.shape))
            if tuple(dataset.shape or ()) != expected or (saved_name is not None and saved_name != name):
                what = f"file has shape {dataset.shape}" + (f" named '{saved_name}'" if saved_name else "")
                mis_shaped.append(f"{label}: model expects {expected} '{name}', {what}")
                continue
            if kind_of(dataset.dtype) not in _accepted_kinds(tensor):
                mis_shaped.append(f"{label}: model expects a {kind_of(tensor.dtype)} array, file has dtype {dataset.dtype}")
                continue
            plan.append((tensor, layout, dataset, f"{path}/{index}"))
        unexpected.extend(f"{path}/{key}" for key in sorted(stored))
    unexpected.extend(_unclaimed_groups(group_root, slots))
    report = _mismatch_report(missing, unexpected, mis_shaped, source)
    if report and not skip_mismatch:
        raise SavingError(report + "\nNothing was loaded. Pass skip_mismatch=True to load the weights that fit.")
    # Read everything before writing anything: a file that fails half way loads nothing.
    values = [
        (tensor, layouts.from_keras(layout, torch.from_numpy(read_array(dataset, where, source=source))))
        for tensor, layout, dataset, where in plan
    ]

    def apply():
        with torch.no_grad():
            for tensor, value in values:
                tensor.copy_(value.to(dtype=tensor.dtype, device=tensor.device))
        for layer, named in extras:
            layer.load_extra_variables(named)

    return report, apply


def _accepted_kinds(tensor):
    """The dtype kinds a stored array may have to be loaded into ``tensor``."""
    kind = kind_of(tensor.dtype)
    return ("integer", "bool") if kind in ("integer", "bool") else (kind,)


def _unclaimed_groups(root, slots):
    import h5py

    known = set(slots)
    unclaimed = []

    def visit(name, obj):
        if name.endswith("/vars") or name == "vars":
            unknown = name not in known and not name.startswith("optimizer")
            if unknown and isinstance(obj, h5py.Group) and len(obj):
                unclaimed.append(name)

    root.visititems(visit)
    return unclaimed


def _mismatch_report(missing, unexpected, mis_shaped, source):
    if not (missing or unexpected or mis_shaped):
        return ""
    lines = [f"The weights in {source} do not match the model:"]
    for title, items in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", mis_shaped)):
        if items:
            lines.append(f"  {title} ({len(items)}):")
            lines.extend(f"    {item}" for item in items[:50])
    return "\n".join(lines)


def save_weights(model, filepath):
    """Write ``model``'s weights to a Keras 3 ``.weights.h5`` file, atomically.

    Args:
        model: A built lamina model or layer.
        filepath: Path ending in ``.weights.h5``.

    Raises:
        SavingError: the path does not end in ``.weights.h5``.
    """
    _check_suffix(filepath)
    write_h5(filepath, lambda handle: write_weights(handle, model))


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights from a ``.weights.h5`` file written by lamina or Keras 3.

    Weights are matched by their place in the model, checked against its shapes (Keras
    layout) before anything is written.

    Args:
        model: A built model of the same architecture.
        filepath: Path ending in ``.weights.h5``.
        skip_mismatch: Load what fits and return the report of the rest, instead of raising.

    Raises:
        SavingError: the file does not match the model; the message lists missing,
            unexpected and mis-shaped weights, and nothing is loaded.
    """
    _check_suffix(filepath)
    with open_h5_safely(filepath) as handle:
        return read_weights(handle, model, skip_mismatch, source=str(filepath))


def _check_suffix(filepath):
    if not str(filepath).endswith(".weights.h5"):
        raise SavingError(
            f"Weights files end in '.weights.h5' (Keras 3's convention; legacy Keras '.h5' / '.hdf5' "
            f"files and '.keras' archives load too). Received: filepath={str(filepath)!r}. "
            f"For a whole model (config, weights, optimizer) use model.save('name.keras')."
        )
