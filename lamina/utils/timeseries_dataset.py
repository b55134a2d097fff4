"""``timeseries_dataset_from_array``: sliding windows over an array, as Keras's function."""

import numpy as np
import torch

from lamina.errors import ConfigurationError, InputError, describe
from lamina.utils.sample_dataset import SampleDataset, check_batch_size, draw_seed


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length,
    sequence_stride=1,
    sampling_rate=1,
    batch_size=128,
    shuffle=False,
    seed=None,
    start_index=None,
    end_index=None,
    format="tf",
):
    """A dataset of sliding windows over ``data`` (time along axis 0), as
    ``keras.utils.timeseries_dataset_from_array``.

    Window ``k`` starts at ``start_index + k * sequence_stride`` and takes
    ``sequence_length`` steps ``sampling_rate`` apart; its target is
    ``targets[start_index + k * sequence_stride]``. Windows that would run past
    ``end_index`` (or past ``targets``) are dropped.

    Args:
        data: array or tensor of time steps (axis 0 is time).
        targets: ``targets[i]`` is the target of the window starting at ``data[i]``, or
            ``None`` to yield windows only.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of successive windows (default 1).
        sampling_rate: steps between successive elements of a window (default 1).
        batch_size: windows per batch (default 128), or ``None`` for single windows.
        shuffle: shuffle the windows (else in time order).
        seed: int seed for the shuffle.
        start_index: first step used (default 0).
        end_index: steps from here on are not used (default ``len(data)``).
        format: ``"tf"`` or ``"grain"``, accepted for Keras code; both give the same dataset.

    Returns:
        A ``SampleDataset`` of ``(windows, targets)`` batches (``windows`` alone without
        targets): torch tensors of shape ``(batch, sequence_length, *data.shape[1:])``,
        with ``data``'s dtype. With ``shuffle`` the first epoch's order is Keras's
        (``np.random.RandomState(seed)``), later epochs draw new orders from ``seed``.

    Example:
        ```python
        series = np.arange(100, dtype="float32")
        dataset = timeseries_dataset_from_array(series[:-10], series[10:], sequence_length=10)
        model.fit(dataset)  # each window of 10 steps predicts the next step
        ```
    """
    function = "timeseries_dataset_from_array"
    data = _as_tensor(data, "data", function)
    length = len(data)
    sequence_length = _positive_int(sequence_length, "sequence_length", function)
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        _positive_int(value, name, function)
        if value >= length:
            raise ConfigurationError(
                f"{function}: {name} must be lower than the length of the data ({length}). Received: {name}={value}."
            )
    if start_index and not 0 <= start_index < length:
        raise ConfigurationError(
            f"{function}: start_index must be >= 0 and lower than the length of the data ({length}). "
            f"Received: start_index={start_index}."
        )
    if end_index:
        if start_index and end_index <= start_index:
            raise ConfigurationError(
                f"{function}: end_index must be higher than start_index. Received: start_index={start_index}, "
                f"end_index={end_index}."
            )
        if not 0 < end_index < length:
            raise ConfigurationError(
                f"{function}: end_index must be > 0 and lower than the length of the data ({length}). "
                f"Received: end_index={end_index}."
            )
    batch_size = check_batch_size(batch_size, function)
    if format not in ("tf", "grain"):
        raise ConfigurationError(f"{function}: format must be 'tf' or 'grain'. Received: format={format!r}.")
    start = int(start_index or 0)
    end = length if end_index is None else int(end_index)
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = _as_tensor(targets, "targets", function)
        count = min(count, len(targets))
        targets = targets[start:end]
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        seed = draw_seed(seed)
        np.random.RandomState(seed).shuffle(starts)
    starts = torch.from_numpy(starts)
    window = torch.arange(sequence_length, dtype=torch.int64) * int(sampling_rate)
    series = data[start:end]

    def load(indices):
        positions = starts[torch.from_numpy(indices)]
        windows = series[positions[:, None] + window]
        return windows if targets is None else (windows, targets[positions])

    return SampleDataset(len(starts), load, batch_size, shuffle=shuffle, seed=seed)


def _positive_int(value, name, function):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ConfigurationError(f"{function}: {name} must be an int > 0. Received: {name}={value!r}.")
    return int(value)


def _as_tensor(value, name, function):
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
    else:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise InputError(
                f"{function}: {name} must be a numeric array. Received: {describe(value)}. "
                f"Encode strings or categories as numbers first."
            )
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.dim() == 0:
        raise InputError(f"{function}: {name} must have a time axis. Received: a scalar {describe(value)}.")
    return tensor
