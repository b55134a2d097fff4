"""CIFAR-100: 60,000 32x32 colour images in 100 classes, grouped in 20 superclasses
(``keras.datasets.cifar100``)."""

import os

from lamina._typing import Splits
from lamina.backend.config import image_data_format
from lamina.datasets.cifar import load_batch, origin, to_data_format
from lamina.datasets.download import get_file
from lamina.errors import ConfigurationError

ARCHIVE = "cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"  # Keras's sha256


def load_data(label_mode: str = "fine", *, _file_hash: str = FILE_HASH) -> Splits:
    """Load CIFAR-100: 50,000 training and 10,000 test images.

    Args:
        label_mode: "fine" (100 classes, default) or "coarse" (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (50000, 32, 32, 3)
        and (10000, 32, 32, 3) (channels first if ``image_data_format()`` says so), and
        uint8 labels of shape (50000, 1) and (10000, 1).

    Raises:
        ConfigurationError: an unknown ``label_mode``.
        DownloadError: the archive cannot be fetched or fails its hash check.
        InputError: a batch file is corrupt or holds anything but arrays and labels.
    """
    if label_mode not in ("fine", "coarse"):
        raise ConfigurationError(
            "cifar100.load_data: label_mode must be 'fine' or 'coarse'. "
            f"Received: label_mode={label_mode!r}."
        )
    folder = get_file(
        fname="cifar-100-python-target", origin=origin(ARCHIVE), extract=True, file_hash=_file_hash
    )
    folder = os.path.join(folder, "cifar-100-python")
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(folder, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(folder, "test"), label_key=key)
    data_format = image_data_format()
    return (
        (to_data_format(x_train, data_format), y_train.reshape(-1, 1)),
        (to_data_format(x_test, data_format), y_test.reshape(-1, 1)),
    )
