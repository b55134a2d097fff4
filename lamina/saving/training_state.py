"""Everything needed to continue a ``fit`` exactly where it stopped, in one HDF5 file.

Written by ``BackupAndRestore``: weights, optimizer state, every random generator fit uses
(Python, NumPy, torch CPU and CUDA), the epoch, the next batch, this epoch's shuffle
order, the metric accumulators, the history so far and each callback's
``state_dict()``. No pickle: arrays are datasets, small values JSON attributes.
"""

import json
import random

import numpy as np
import torch

from lamina.saving.h5_safety import open_h5_safely
from lamina.saving.h5_writing import fixed_string, read_text, write_h5
from lamina.saving.optimizer_state import read_optimizer, write_optimizer
from lamina.saving.weights_file import read_weights, write_weights


def write_training_state(path, model, epoch, batch, order, callbacks, before_rename=None):
    """Atomically replace ``path`` with the current training state.

    ``before_rename`` (for tests) runs after the data is written but before the rename.
    """

    def fill(handle):
        write_weights(handle.require_group("model"), model)
        write_optimizer(handle.require_group("model"), model)
        progress = handle.require_group("progress")
        progress.attrs["epoch"] = int(epoch)
        progress.attrs["batch"] = int(batch)
        if order is not None:
            progress.create_dataset("order", data=order.cpu().numpy())
        _write_rng(handle.require_group("rng"))
        metrics = handle.require_group("metrics")
        for index, metric in enumerate(model.metrics):
            group = metrics.require_group(str(index))
            group.attrs["name"] = fixed_string(metric.name)
            for key, value in metric.state_dict().items():
                group.create_dataset(key, data=value.detach().cpu().numpy())
        history = getattr(model, "history", None)
        handle.attrs["history"] = fixed_string(json.dumps(getattr(history, "history", {})))
        handle.attrs["history_epochs"] = fixed_string(json.dumps(getattr(history, "epoch", [])))
        states = handle.require_group("callbacks")
        for index, callback in enumerate(callbacks):
            _write_state(states.require_group(str(index)), type(callback).__name__, callback.state_dict())

    write_h5(path, fill, before_rename)


def read_training_state(path, model, callbacks):
    """Restore a state written by ``write_training_state``; returns the resume point."""
    with open_h5_safely(path) as handle:
        read_weights(handle["model"], model, source=str(path))
        read_optimizer(handle["model"], model)
        progress = handle["progress"]
        order = torch.from_numpy(np.asarray(progress["order"][()])) if "order" in progress else None
        _read_rng(handle["rng"])
        stored = handle["metrics"]
        for index, metric in enumerate(model.metrics):
            group = stored.get(str(index))
            if group is not None and read_text(group.attrs.get("name", "")) == metric.name:
                metric.load_state_dict({k: torch.from_numpy(np.asarray(group[k][()])) for k in group.keys()})
        history = getattr(model, "history", None)
        if history is not None:
            history.history = json.loads(read_text(handle.attrs["history"]))
            history.epoch = json.loads(read_text(handle.attrs["history_epochs"]))
        states = handle["callbacks"]
        for index, callback in enumerate(callbacks):
            group = states.get(str(index))
            if group is not None and read_text(group.attrs.get("class", "")) == type(callback).__name__:
                callback.load_state_dict(_read_state(group))
        return {"epoch": int(progress.attrs["epoch"]), "batch": int(progress.attrs["batch"]), "order": order}


def _write_rng(group):
    group.create_dataset("torch_cpu", data=torch.get_rng_state().numpy())
    if torch.cuda.is_available():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            group.create_dataset(f"torch_cuda_{index}", data=state.numpy())
    kind, keys, position, has_gauss, cached = np.random.get_state()
    group.create_dataset("numpy_keys", data=keys)
    group.attrs["numpy"] = fixed_string(json.dumps([kind, int(position), int(has_gauss), float(cached)]))
    version, internal, gauss = random.getstate()
    group.create_dataset("python_internal", data=np.asarray(internal, dtype=np.uint64))
    group.attrs["python"] = fixed_string(json.dumps([version, gauss]))


def _read_rng(group):
    torch.set_rng_state(torch.from_numpy(np.asarray(group["torch_cpu"][()])))
    cuda = sorted(k for k in group.keys() if k.startswith("torch_cuda_"))
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([torch.from_numpy(np.asarray(group[k][()])) for k in cuda])
    kind, position, has_gauss, cached = json.loads(read_text(group.attrs["numpy"]))
    np.random.set_state((kind, np.asarray(group["numpy_keys"][()]), position, has_gauss, cached))
    version, gauss = json.loads(read_text(group.attrs["python"]))
    internal = tuple(int(v) for v in np.asarray(group["python_internal"][()]))
    random.setstate((version, internal, gauss))


def _write_state(group, class_name, state):
    group.attrs["class"] = fixed_string(class_name)
    plain = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        if isinstance(value, np.ndarray):
            group.create_dataset(key, data=value)
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], (np.ndarray, torch.Tensor)):
            arrays = group.require_group(key)
            for index, item in enumerate(value):
                arrays.create_dataset(str(index), data=np.asarray(item))
        else:
            plain[key] = value
    group.attrs["plain"] = fixed_string(json.dumps(plain))


def _read_state(group):
    state = json.loads(read_text(group.attrs["plain"]))
    for key in group.keys():
        item = group[key]
        if hasattr(item, "keys"):
            state[key] = [np.asarray(item[str(i)][()]) for i in range(len(item))]
        else:
            state[key] = np.asarray(item[()])
    return state
