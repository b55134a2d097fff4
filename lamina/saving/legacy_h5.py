"""Legacy Keras ``.h5`` files: the weights format of ``keras.applications`` and tf.keras 2's
``save_weights("x.h5")``, and full-model files (``model.save("x.h5")``).

The weights format keeps one group per layer of the model (``model.layers``), named by
the layer's name and listed in the root's ``layer_names`` attribute; each group lists its
arrays in a ``weight_names`` attribute, in Keras's legacy order: the layer's trainable
weights, then its non-trainable ones (a nested model: all its trainable weights, then all
the rest), in Keras's layout. A full-model file adds the JSON attributes ``model_config``
and (when compiled) ``training_config``, and keeps the weights under ``model_weights``.

lamina reads both. Weights go through ``lamina.layouts`` with the layout each layer
declared; every array is checked (shape in Keras's layout, dtype kind, declared size,
and its name against the weight it lands in) before anything is written, and every
mismatch is reported at once, as for ``.weights.h5`` files. Each file first passes the
HDF5 safety walk (no external links, external storage or virtual datasets).

Loading is by position (the file's layers with weights, in order, into the model's
layers with weights), or with ``by_name=True`` by layer name: layers the file does not
name keep their weights and are listed in the returned report.
"""

import json
import warnings

import torch

from lamina import layouts
from lamina.errors import SavingError
from lamina.layers import deferred_init
from lamina.layers.layer import Layer, _module_entries
from lamina.saving.h5_safety import open_h5_safely
from lamina.saving.h5_writing import read_text
from lamina.saving.keras_archive import _rebuild
from lamina.saving.legacy_config import upgrade_config
from lamina.saving.legacy_optimizer_weights import GROUP as OPTIMIZER_GROUP
from lamina.saving.legacy_optimizer_weights import prepare_legacy_optimizer
from lamina.saving.restore_checks import kind_of, read_array

LEGACY_SUFFIXES = (".h5", ".hdf5")


def is_legacy_h5(filepath):
    """True for a path Keras treats as a legacy HDF5 file (``.h5`` / ``.hdf5``, not ``.weights.h5``)."""
    name = str(filepath)
    return name.endswith(LEGACY_SUFFIXES) and not name.endswith(".weights.h5")


def read_name_list(group, name):
    """The list of names in attribute ``name`` of ``group`` (or its chunks ``name0``,
    ``name1``, ... that Keras writes when the list outgrows an HDF5 object header)."""
    attrs = group.attrs
    if name in attrs:
        chunks = [attrs[name]]
    else:
        chunks, index = [], 0
        while f"{name}{index}" in attrs:
            chunks.append(attrs[f"{name}{index}"])
            index += 1
    names = []
    for chunk in chunks:
        values = chunk.tolist() if hasattr(chunk, "tolist") else chunk
        names.extend(read_text(v) for v in (values if isinstance(values, list) else [values]))
    return names


def legacy_entries(layer):
    """``[(tensor, layout, weight name), ...]`` of ``layer`` in Keras's legacy h5 order:
    every trainable weight (own first, then sublayers'), then every non-trainable one.

    The order is the one Keras writes for a trainable layer whatever ``layer.trainable``
    is now, so a frozen model still reads the files of its unfrozen original.
    """
    entries = _created_entries(layer)
    return [e[:3] for e in entries if e[3]] + [e[:3] for e in entries if not e[3]]


def _created_entries(layer):
    entries = [(getattr(layer, name), layout, name, trainable) for name, layout, trainable in layer._own_weights]
    for child in layer.children():
        if isinstance(child, Layer):
            entries.extend(_created_entries(child))
        else:
            entries.extend((tensor, layout, name, t) for tensor, layout, t, name in _module_entries(child, True))
    return entries


def _base_name(weight_name):
    """``"conv1/kernel:0"`` -> ``"kernel"``: the weight's own name inside a file path."""
    return str(weight_name).rsplit("/", 1)[-1].split(":", 1)[0]


class _Plan:
    """What a load found: problems by kind, and the checked arrays to copy."""

    def __init__(self, source):
        self.source = source
        self.missing, self.unexpected, self.mis_shaped, self.skipped_layers = [], [], [], []
        self.copies = []

    def report(self):
        groups = (
            ("missing", self.missing),
            ("unexpected", self.unexpected),
            ("mis-shaped", self.mis_shaped),
        )
        if not any(items for _, items in groups):
            return ""
        lines = [f"The weights in {self.source} do not match the model:"]
        for title, items in groups:
            if items:
                lines.append(f"  {title} ({len(items)}):")
                lines.extend(f"    {item}" for item in items[:50])
        return "\n".join(lines)


def _weights_group(handle):
    """The group holding ``layer_names``: the root of a weights file, ``model_weights`` of a model file."""
    import h5py

    if "layer_names" not in handle.attrs and "layer_names0" not in handle.attrs:
        inner = handle.get("model_weights")
        if isinstance(inner, h5py.Group):
            return inner
    return handle


def _layer_arrays(group, layer_name, plan):
    """``[(weight name, dataset), ...]`` the file lists for ``layer_name``; problems go to ``plan``."""
    import h5py

    layer_group = group.get(layer_name) if layer_name and not layer_name.startswith("/") else None
    if not isinstance(layer_group, h5py.Group):
        plan.mis_shaped.append(f"layer '{layer_name}': the file lists it in layer_names but has no group for it")
        return None
    arrays = []
    for weight_name in read_name_list(layer_group, "weight_names"):
        dataset = layer_group.get(weight_name) if not weight_name.startswith("/") else None
        if not isinstance(dataset, h5py.Dataset):
            plan.mis_shaped.append(f"{layer_name}/{weight_name}: listed in weight_names but not an array in the file")
            return None
        arrays.append((weight_name, dataset))
    return arrays


def _match_layer(layer, layer_name, arrays, plan, skip_mismatch):
    """Check ``arrays`` against ``layer``'s legacy entries; plan the copies if all fit."""
    entries = legacy_entries(layer)
    if len(arrays) != len(entries):
        plan.mis_shaped.append(
            f"layer '{layer.name}' (file layer '{layer_name}'): the model has {len(entries)} weights "
            f"{[name for _, _, name in entries]}, the file {len(arrays)} {[w for w, _ in arrays]}"
        )
        return
    own_names = {name for _, _, name in entries}
    for (tensor, layout, name), (weight_name, dataset) in zip(entries, arrays):
        label = f"{layer.name}/{name} (file: {layer_name}/{weight_name})"
        expected = layouts.keras_shape(layout, tuple(tensor.shape))
        stored = _base_name(weight_name)
        if stored != name and stored in own_names:
            # Same shapes, other order (the BatchNormalization pitfall): never load it silently.
            plan.mis_shaped.append(f"{label}: the file's weight in this place is '{stored}', not '{name}'")
        elif tuple(dataset.shape or ()) != expected:
            plan.mis_shaped.append(f"{label}: model expects shape {expected} (Keras layout), file has {dataset.shape}")
        elif kind_of(dataset.dtype) != kind_of(tensor.dtype):
            plan.mis_shaped.append(f"{label}: model expects a {kind_of(tensor.dtype)} array, file has dtype {dataset.dtype}")
        else:
            plan.copies.append((tensor, layout, dataset, f"{layer_name}/{weight_name}"))
            continue
        if skip_mismatch:
            plan.skipped_layers.append(layer.name)


def _layers_with_weights(model):
    layers = getattr(model, "layers", None)
    if layers is None:
        raise SavingError(
            f"Legacy .h5 weights are stored per layer of a model; '{model.name}' is a "
            f"{type(model).__name__} without layers. Received: a {type(model).__name__}. "
            "Load the file into a Sequential or functional model."
        )
    return [layer for layer in layers if legacy_entries(layer)]


def prepare_legacy_weights(group, model, by_name=False, skip_mismatch=False, source="the file"):
    """Check and read what ``model`` would take from an open legacy h5 file, writing nothing.

    Returns ``(report, apply)`` as ``weights_file.prepare_weights`` does. Raises
    ``SavingError`` on a mismatch unless ``skip_mismatch`` (with ``by_name``, layers the
    file does not name are only listed in the report).
    """
    group = _weights_group(group)
    plan = _Plan(source)
    file_layers = [name for name in read_name_list(group, "layer_names")]
    if not file_layers:
        raise SavingError(
            f"{source} is not a legacy Keras weights file: it has no 'layer_names' attribute. "
            "Keras 3 weights files end in '.weights.h5'; rename the file if it is one."
        )
    listed = {name: _layer_arrays(group, name, plan) for name in file_layers}
    listed = {name: arrays for name, arrays in listed.items() if arrays}
    model_layers = _layers_with_weights(model)
    if by_name:
        by_layer_name = {}
        for layer in model_layers:
            by_layer_name.setdefault(layer.name, []).append(layer)
        for name, arrays in listed.items():
            for layer in by_layer_name.pop(name, []):
                _match_layer(layer, name, arrays, plan, skip_mismatch)
        plan.missing.extend(f"layer '{layer.name}' (not in the file; it keeps its weights)" for layers in by_layer_name.values() for layer in layers)
        blocking = plan.mis_shaped
    else:
        names = list(listed)
        if len(names) != len(model_layers):
            raise SavingError(
                f"The weights in {source} do not match the model: the file has {len(names)} layers with "
                f"weights {names[:20]}, the model {len(model_layers)} {[layer.name for layer in model_layers][:20]}. "
                "Nothing was loaded. Load by layer name with load_weights(path, by_name=True, skip_mismatch=True)."
            )
        for layer, name in zip(model_layers, names):
            _match_layer(layer, name, listed[name], plan, skip_mismatch)
        blocking = plan.mis_shaped + plan.missing
    report = plan.report()
    if blocking and not skip_mismatch:
        raise SavingError(report + "\nNothing was loaded. Pass skip_mismatch=True to load the weights that fit.")
    skipped = set(plan.skipped_layers)
    values = [
        (tensor, layouts.from_keras(layout, torch.from_numpy(read_array(dataset, where, source=source))))
        for tensor, layout, dataset, where in plan.copies
        if not any(where.startswith(f"{name}/") for name in skipped)
    ]
    if blocking:
        warnings.warn(f"Skipped loading some weights:\n{report}", stacklevel=3)

    def apply():
        with torch.no_grad():
            for tensor, value in values:
                tensor.copy_(value.to(dtype=tensor.dtype, device=tensor.device))

    return report, apply


def load_legacy_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load a legacy Keras ``.h5`` weights file (or a full-model file's weights) into ``model``.

    Returns the mismatch report (empty when everything loaded). See the module docstring.
    """
    source = repr(str(filepath))
    with open_h5_safely(filepath) as handle:
        report, apply = prepare_legacy_weights(handle, model, by_name, skip_mismatch, source=source)
        apply()
    return report


def read_json_attribute(handle, name, source):
    """The JSON value of a file attribute, or None; damaged JSON raises ``SavingError``."""
    raw = handle.attrs.get(name)
    if raw is None:
        return None
    try:
        return json.loads(read_text(raw))
    except (ValueError, TypeError, RecursionError) as err:
        raise SavingError(f"{source} is damaged: its '{name}' attribute is not valid JSON ({err}).") from err


def load_legacy_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a legacy Keras full-model ``.h5`` file: config, weights and compile settings.

    ``safe_mode`` refuses ``Lambda`` bytecode as for ``.keras`` files. With ``compile``, the
    optimizer state the file keeps (``optimizer_weights``) is restored after the same checks
    as every other array (``legacy_optimizer_weights``).
    """
    source = repr(str(filepath))
    with open_h5_safely(filepath) as handle:
        config = read_json_attribute(handle, "model_config", source)
        if not isinstance(config, dict):
            raise SavingError(
                f"{source} holds no model config (attribute 'model_config'): it is a weights-only "
                "file. Build the model in code and call model.load_weights(path)."
            )
        entry = upgrade_config(config)
        training = read_json_attribute(handle, "training_config", source) if compile else None
        if isinstance(training, dict):
            entry["compile_config"] = {
                "optimizer": training.get("optimizer_config"),
                "loss": training.get("loss"),
                "metrics": training.get("metrics"),
                "weighted_metrics": training.get("weighted_metrics"),
                "loss_weights": training.get("loss_weights"),
            }
        with deferred_init.skip_initializers() as skipped:
            model = _rebuild(entry, filepath, custom_objects, compile, safe_mode)
        report, apply = prepare_legacy_weights(handle, model, source=source)
        restore_optimizer = _prepare_optimizer(handle, model, source) if compile else (lambda: None)
        apply()
        written = {id(tensor) for layer in model.layers for tensor, _, _ in legacy_entries(layer)}
        deferred_init.initialize_left_out(skipped, written)
        restore_optimizer()
    return model


def _prepare_optimizer(handle, model, source):
    import h5py

    group = handle.get(OPTIMIZER_GROUP)
    names = read_name_list(group, "weight_names") if isinstance(group, h5py.Group) else []
    return prepare_legacy_optimizer(group, names, model, source)
