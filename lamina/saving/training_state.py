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

from lamina.errors import SavingError
from lamina.saving.h5_safety import CORRUPT_H5_ERRORS, open_h5_safely
from lamina.saving.h5_writing import fixed_string, read_text, write_h5
from lamina.saving.optimizer_state import prepare_optimizer, write_optimizer
from lamina.saving.restore_checks import check_number, kind_of, read_array
from lamina.saving.weights_file import prepare_weights, write_weights


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
    """Restore a state written by ``write_training_state``; returns the resume point.

    Every array is checked against what it replaces and read before anything is restored,
    so a refused file leaves the model, optimizer, metrics and random generators as they were.
    """
    import h5py

    source = repr(str(path))
    with open_h5_safely(path) as handle:
        _, restore_weights = prepare_weights(_group(handle, "model", source), model, source=source)
        restore_optimizer = prepare_optimizer(handle["model"], model, source)
        progress = _group(handle, "progress", source)
        order = progress.get("order")
        if order is not None:
            order = torch.from_numpy(read_array(order, "progress/order", kinds=("integer",), source=source))
            if order.ndim != 1:
                raise SavingError(f"Refusing to load {source}: 'progress/order' must be 1-D. Received: shape {tuple(order.shape)}.")
        resume = {
            "epoch": check_number(progress.attrs.get("epoch"), "progress@epoch", low=0, source=source),
            "batch": check_number(progress.attrs.get("batch"), "progress@batch", low=0, source=source),
            "order": order,
        }
        rng = _prepare_rng(_group(handle, "rng", source), source)
        metric_states = _prepare_metrics(_group(handle, "metrics", source), model, source)
        history = _prepare_history(handle, source)
        states = _group(handle, "callbacks", source)
        callback_states = []
        for index, callback in enumerate(callbacks):
            group = states.get(str(index))
            if isinstance(group, h5py.Group) and read_text(group.attrs.get("class", "")) == type(callback).__name__:
                callback_states.append((callback, _read_state(group, f"callbacks/{index}", source)))
    restore_weights()
    restore_optimizer()
    rng()
    for metric, state in metric_states:
        metric.load_state_dict(state)
    model_history = getattr(model, "history", None)
    if model_history is not None:
        model_history.history, model_history.epoch = history
    for callback, state in callback_states:
        callback.load_state_dict(state)
    return resume


def _group(handle, name, source):
    import h5py

    group = handle.get(name)
    if not isinstance(group, h5py.Group):
        raise SavingError(f"Refusing to load {source}: it has no '{name}' group, so it is not a training state lamina wrote.")
    return group


def _prepare_metrics(stored, model, source):
    """``[(metric, state)]`` for the metrics whose saved state fits them exactly."""
    import h5py

    found = []
    for index, metric in enumerate(model.metrics):
        group = stored.get(str(index))
        if not isinstance(group, h5py.Group) or read_text(group.attrs.get("name", "")) != metric.name:
            continue
        expected = metric.state_dict()
        where = f"metrics/{index}"
        if set(group.keys()) != set(expected):
            raise SavingError(
                f"Refusing to load {source}: '{where}' holds state {sorted(group.keys())} for metric "
                f"{metric.name!r}, which keeps {sorted(expected)}."
            )
        found.append((metric, {
            key: torch.from_numpy(read_array(group[key], f"{where}/{key}", tuple(value.shape), _kinds(value), source))
            for key, value in expected.items()
        }))
    return found


def _kinds(tensor):
    kind = kind_of(tensor.dtype)
    return ("float", "integer") if kind == "float" else ("integer", "bool")


def _prepare_history(handle, source):
    try:
        history = json.loads(read_text(handle.attrs["history"]))
        epochs = json.loads(read_text(handle.attrs["history_epochs"]))
    except (KeyError, ValueError, RecursionError, *CORRUPT_H5_ERRORS) as err:
        raise SavingError(f"Refusing to load {source}: its history cannot be read ({type(err).__name__}).") from err
    if not isinstance(history, dict) or not isinstance(epochs, list):
        raise SavingError(f"Refusing to load {source}: its history is not a dict of lists and a list of epochs.")
    return history, epochs


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


def _prepare_rng(group, source):
    """Read and check every generator's state (each is tried on a throwaway generator of its
    kind); return the function that sets them."""
    torch_cpu = torch.from_numpy(read_array(group.get("torch_cpu"), "rng/torch_cpu", tuple(torch.get_rng_state().shape), ("integer",), source))
    cuda = sorted(k for k in group.keys() if k.startswith("torch_cuda_"))
    cuda_states = None
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        shape = tuple(torch.cuda.get_rng_state().shape)
        cuda_states = [torch.from_numpy(read_array(group.get(k), f"rng/{k}", shape, ("integer",), source)) for k in cuda]
    keys = read_array(group.get("numpy_keys"), "rng/numpy_keys", np.random.get_state()[1].shape, ("integer",), source)
    python_internal = read_array(group.get("python_internal"), "rng/python_internal", (625,), ("integer",), source)
    try:
        kind, position, has_gauss, cached = json.loads(read_text(group.attrs["numpy"]))
        version, gauss = json.loads(read_text(group.attrs["python"]))
        numpy_state = (kind, keys.astype(np.uint32), position, has_gauss, cached)
        python_state = (version, tuple(int(v) for v in python_internal), gauss)
        torch.Generator().set_state(torch_cpu.to(torch.uint8))
        np.random.RandomState().set_state(numpy_state)
        random.Random().setstate(python_state)
    except (KeyError, TypeError, ValueError, OverflowError, RuntimeError, *CORRUPT_H5_ERRORS) as err:
        raise SavingError(
            f"Refusing to load {source}: its random generator state in 'rng' is not valid ({type(err).__name__}: {err})."
        ) from err

    def apply():
        torch.set_rng_state(torch_cpu.to(torch.uint8))
        if cuda_states is not None:
            torch.cuda.set_rng_state_all([state.to(torch.uint8) for state in cuda_states])
        np.random.set_state(numpy_state)
        random.setstate(python_state)

    return apply


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


def _read_state(group, where, source):
    """A callback's state: JSON values, arrays and lists of arrays (each size-checked)."""
    import h5py

    try:
        state = json.loads(read_text(group.attrs["plain"]))
    except (KeyError, ValueError, RecursionError, *CORRUPT_H5_ERRORS) as err:
        raise SavingError(f"Refusing to load {source}: '{where}' has no readable state ({type(err).__name__}).") from err
    if not isinstance(state, dict):
        raise SavingError(f"Refusing to load {source}: '{where}' holds {type(state).__name__}, not a state dict.")
    for key in group.keys():
        item = group[key]
        if isinstance(item, h5py.Group):
            state[key] = [read_array(item.get(str(i)), f"{where}/{key}/{i}", source=source) for i in range(len(item))]
        else:
            state[key] = read_array(item, f"{where}/{key}", source=source)
    return state
