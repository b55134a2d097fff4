"""Shared reading and splitting of Keras's housing regression files (``x``, ``y`` arrays)."""

import numpy as np

from lamina.datasets.cache import dataset_url
from lamina.datasets.download import get_file
from lamina.datasets.safe_npz import NPZ_READ_ERRORS, check_declared_sizes
from lamina.errors import ConfigurationError, InputError


def check_test_split(test_split, where):
    """Raise ConfigurationError unless ``0 <= test_split < 1``."""
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) or not 0 <= test_split < 1:
        raise ConfigurationError(
            f"{where}: test_split must be a number in [0, 1). Received: test_split={test_split!r}. "
            "Example: test_split=0.2 keeps a fifth of the samples for testing."
        )


def fetch_arrays(path, fname, file_hash, dataset):
    """Download (once) Keras's ``fname`` and return its ``x`` and ``y`` arrays."""
    local_path = get_file(fname=path, origin=dataset_url(fname), file_hash=file_hash)
    try:
        check_declared_sizes(local_path)
        with np.load(local_path, allow_pickle=False) as arrays:
            return arrays["x"], arrays["y"]
    except NPZ_READ_ERRORS as error:
        raise InputError(
            f"{local_path} is not a valid {dataset} .npz file with arrays x and y ({error}). "
            "Delete it so that load_data() downloads it again."
        ) from error


def shuffled_split(x, y, test_split, seed):
    """Keras's split: shuffle with ``np.random.RandomState(seed)``, the tail is the test set."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
