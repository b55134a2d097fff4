"""Read ``.npz`` files whose arrays hold Python lists (IMDB, Reuters) without running pickles.

Keras's ``imdb.npz`` and ``reuters.npz`` store ragged sequences as object arrays, which
NumPy can only save as pickle streams; ``np.load(allow_pickle=True)`` would execute
whatever a tampered file contains. Here numeric arrays are read by ``np.load`` with
``allow_pickle=False``, and object arrays by an unpickler that can only rebuild NumPy
arrays from lists and ints: any other callable (``os.system``, ``eval``, ...) is refused
with an ``InputError`` before it runs.
"""

import io
import math
import pickle
import zipfile
import zlib

import numpy as np

from lamina.datasets.array_unpickler import ArrayOnlyUnpickler
from lamina.errors import InputError

# What reading a damaged .npz raises: zipfile's BadZipFile, short reads (OSError, EOFError),
# bad deflate data (zlib.error), unsupported zip flags (NotImplementedError, RuntimeError
# for encryption), bad .npy headers (ValueError), a missing array (KeyError).
NPZ_READ_ERRORS = (
    OSError, EOFError, KeyError, ValueError, NotImplementedError, RuntimeError,
    zipfile.BadZipFile, zlib.error, pickle.UnpicklingError,
)


def check_declared_sizes(path):
    """Refuse a ``.npz`` whose array headers promise more data than their members hold.

    NumPy allocates an array from its header before reading the data, so a corrupt
    header could ask for terabytes; this check reads only the headers.

    Raises:
        ValueError: an array's header declares more bytes than its member holds.
    """
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                shape, _, dtype = _read_header(member)
            declared = math.prod(shape) * dtype.itemsize
            if not dtype.hasobject and declared > info.file_size:
                raise ValueError(
                    f"array {info.filename!r} declares shape {shape} of {dtype} ({declared} bytes) "
                    f"but holds only {info.file_size} bytes"
                )


def _read_header(stream):
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)


def load_npz(path):
    """All arrays of the ``.npz`` file at ``path``, as a dict of NumPy arrays.

    Raises:
        InputError: the file is not a valid ``.npz``, or an object array holds anything
            but lists, ints and arrays (a corrupt or malicious file); the message says
            to delete the file.
    """
    try:
        check_declared_sizes(path)
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            arrays = {}
            for name in names:
                try:
                    arrays[name] = archive[name]
                except ValueError:
                    arrays[name] = _load_object_array(path, name)
    except NPZ_READ_ERRORS as error:
        raise InputError(
            f"{path} is not a valid dataset .npz file ({error}). It may be corrupt or tampered "
            f"with: delete it so that load_data() downloads it again."
        ) from error
    return arrays


def _load_object_array(path, name):
    with zipfile.ZipFile(path) as archive, archive.open(f"{name}.npy") as member:
        stream = io.BytesIO(member.read())
    shape, _, dtype = _read_header(stream)
    if not dtype.hasobject:
        raise ValueError(f"array {name!r} cannot be read")
    array = ArrayOnlyUnpickler(stream).load()
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise pickle.UnpicklingError(f"array {name!r} does not hold an array of shape {tuple(shape)}")
    for item in array.flat:
        if not isinstance(item, (list, np.ndarray, int, np.integer)):
            raise pickle.UnpicklingError(f"array {name!r} holds a {type(item).__name__}, not a list of ids")
    return array
