"""CIFAR-10: 60,000 32x32 colour images in 10 classes (``keras.datasets.cifar10``).

Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse,
8 ship, 9 truck.
"""

import os

import numpy as np

from lamina._typing import Splits
from lamina.backend.config import image_data_format
from lamina.datasets.cifar import load_batch, origin, to_data_format
from lamina.datasets.download import get_file

ARCHIVE = "cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"  # Keras's sha256


def load_data(*, _file_hash: str = FILE_HASH) -> Splits:
    """Load CIFAR-10: 50,000 training and 10,000 test images.

    Downloads Keras's source archive (``cifar-10-python.tar.gz`` from the University of
    Toronto, or from ``$LAMINA_DATASETS_ORIGIN`` if set) once into ``~/.lamina/datasets``,
    checks its sha256 and unpacks it safely. The batch files are read with an unpickler
    that can only build NumPy arrays.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (50000, 32, 32, 3)
        and (10000, 32, 32, 3) (channels first if ``image_data_format()`` says so), and
        uint8 labels 0-9 of shape (50000, 1) and (10000, 1).

    Raises:
        DownloadError: the archive cannot be fetched or fails its hash check.
        InputError: a batch file is corrupt or holds anything but arrays and labels.
    """
    folder = get_file(
        fname="cifar-10-batches-py-target",
        origin=origin(ARCHIVE),
        extract=True,
        file_hash=_file_hash,
    )
    folder = os.path.join(folder, "cifar-10-batches-py")
    parts = [load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([y for _, y in parts])
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    data_format = image_data_format()
    return (
        (to_data_format(x_train, data_format), y_train.reshape(-1, 1)),
        (to_data_format(x_test, data_format), y_test.reshape(-1, 1)),
    )
