"""MNIST handwritten digits, from Keras's copy (``keras.datasets.mnist``)."""

import os

import numpy as np

from lamina._typing import Splits
from lamina.datasets import fashion_mnist
from lamina.datasets.cache import dataset_url
from lamina.datasets.download import get_file
from lamina.datasets.safe_npz import NPZ_READ_ERRORS, check_declared_sizes
from lamina.errors import DownloadError, InputError

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def load_data(path: str = "mnist.npz", *, _file_hash: str = FILE_HASH) -> Splits:
    """Load the MNIST dataset: 60,000 training and 10,000 test 28x28 digit images.

    Downloads Keras's ``mnist.npz`` once into ``~/.lamina/datasets`` (see ``get_file``);
    set ``LAMINA_DATASETS_ORIGIN`` to a mirror's base URL to fetch it from elsewhere.

    Args:
        path: File name of the cached copy, under ``~/.lamina/datasets``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,); labels are digits 0-9.

    Raises:
        DownloadError: the file cannot be fetched; the message says where to put it by
            hand, and that Fashion-MNIST can be loaded offline from Debian's package.
        InputError: the cached file is not a valid MNIST ``.npz``.
    """
    try:
        local_path = get_file(fname=path, origin=dataset_url("mnist.npz"), file_hash=_file_hash)
    except DownloadError as error:
        raise DownloadError(f"{error}\n\n{_offline_alternative()}") from error
    return _load_npz(local_path)


def _offline_alternative():
    if os.path.isdir(fashion_mnist.DEBIAN_DIR):
        where = f"it is installed here ({fashion_mnist.DEBIAN_DIR})"
    else:
        where = "install it with `apt install dataset-fashion-mnist`"
    return (
        "Fashion-MNIST, a drop-in replacement with the same shapes, works offline: "
        "lamina.datasets.fashion_mnist.load_data() reads Debian's dataset-fashion-mnist "
        f"package; {where}."
    )


def _load_npz(path):
    try:
        check_declared_sizes(path)
        with np.load(path, allow_pickle=False) as arrays:
            x_train, y_train, x_test, y_test = (arrays[name] for name in _ARRAYS)
    except NPZ_READ_ERRORS as error:
        raise InputError(
            f"{path} is not a valid MNIST .npz file with arrays {', '.join(_ARRAYS)} ({error}). "
            "Delete it so that load_data() downloads it again."
        ) from error
    return (x_train, y_train), (x_test, y_test)
