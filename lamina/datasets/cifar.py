"""Reading the CIFAR-10/100 "python version" batch files without running arbitrary pickles.

Each batch file is a pickled dict (written by Python 2) of byte-string keys: ``b"data"``,
a uint8 array of shape (N, 3072) (1024 red, then green, then blue values per image, rows
first), and the labels as lists of ints. Unpickling can call any importable function, so
the unpickler here resolves exactly the globals a NumPy array needs and refuses every
other one (``os.system``, ``eval``, ...) before it runs.
"""

import os
import pickle

import numpy as np

from lamina.datasets.array_unpickler import ArrayOnlyUnpickler
from lamina.datasets.cache import DATASETS_ORIGIN_ENV
from lamina.errors import InputError

TORONTO_ORIGIN = "https://www.cs.toronto.edu/~kriz/"

_REFUSAL = "the file asks to call `{module}.{name}`, which a CIFAR batch never needs"


def origin(filename):
    """Download URL of a CIFAR archive: ``$LAMINA_DATASETS_ORIGIN`` if set, else Toronto's site."""
    base = os.environ.get(DATASETS_ORIGIN_ENV) or TORONTO_ORIGIN
    return base.rstrip("/") + "/" + filename


def load_batch(path, label_key="labels"):
    """``(images, labels)`` of one batch file: uint8 (N, 3, 32, 32) and uint8 (N,).

    Raises:
        InputError: the file is not a CIFAR batch (corrupt, truncated, wrong contents) or
            asks the unpickler for anything but NumPy arrays; the message names the file
            and says to delete it so that it is downloaded again.
    """
    try:
        with open(path, "rb") as handle:
            batch = ArrayOnlyUnpickler(handle, _REFUSAL, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError) as error:
        raise _bad_file(path, error) from error
    if not isinstance(batch, dict):
        raise _bad_file(path, f"it holds a {type(batch).__name__}, not a dict")
    batch = {_text(key): value for key, value in batch.items()}
    data, labels = batch.get("data"), batch.get(label_key)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.shape[1:] != (3072,):
        raise _bad_file(path, "its 'data' is not a uint8 array of shape (N, 3072)")
    if not isinstance(labels, (list, np.ndarray)) or len(labels) != len(data):
        raise _bad_file(path, f"its '{label_key}' is not a list of {len(data)} labels")
    labels = np.asarray(labels)
    in_range = labels.size == 0 or 0 <= labels.min() <= labels.max() <= 255
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or not in_range:
        raise _bad_file(path, f"its '{label_key}' are not small non-negative integers")
    return data.reshape(len(data), 3, 32, 32), labels.astype(np.uint8)


def _text(key):
    return key.decode("utf8") if isinstance(key, bytes) else key


def _bad_file(path, reason):
    return InputError(
        f"{path} is not a valid CIFAR batch file ({reason}). It may be corrupt or tampered "
        "with: delete it (and its archive) so that load_data() downloads it again."
    )


def to_data_format(x, data_format):
    """Images from CIFAR's (N, 3, 32, 32) to ``data_format``."""
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if data_format == "channels_last" else x
