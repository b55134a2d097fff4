"""Fashion-MNIST (``keras.datasets.fashion_mnist``), read offline from Debian's package when present.

Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot. Fashion-MNIST is (c) Zalando SE, under the MIT license.
"""

import os

from lamina._typing import Splits
from lamina.datasets.cache import dataset_url
from lamina.datasets.download import get_file
from lamina.datasets.idx import read_idx
from lamina.errors import ConfigurationError, InputError

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
DIR_ENV = "LAMINA_FASHION_MNIST_DIR"
_CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
_NUM_CLASSES = 10
_IMAGE_SHAPE = (28, 28)

# sha256 of Keras's copies (keras/src/datasets/fashion_mnist.py). Debian recompresses the
# same images, so its .gz files hash differently; they are checked by the IDX reader instead.
FILE_HASHES = {
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
_FILES = tuple(FILE_HASHES)


def load_data() -> Splits:
    """Load Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale clothing images.

    The four IDX files are looked up, in order, in ``$LAMINA_FASHION_MNIST_DIR`` (if
    set, it must hold them, gzipped or not), in ``/usr/share/datasets/fashion-mnist``
    (Debian's ``dataset-fashion-mnist`` package, so no network is needed), and else
    downloaded from Keras's bucket into ``~/.lamina/datasets/fashion-mnist`` and
    checked against their sha256.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,); labels are 0-9.

    Raises:
        ConfigurationError: ``$LAMINA_FASHION_MNIST_DIR`` lacks some of the files.
        InputError: a file is corrupt or its contents are not Fashion-MNIST-shaped.
        DownloadError: the files had to be downloaded and could not be.
    """
    labels_train, images_train, labels_test, images_test = (
        read_idx(path) for path in _local_files() or _downloaded_files()
    )
    return (
        _checked_split(images_train, labels_train, "training"),
        _checked_split(images_test, labels_test, "test"),
    )


def _local_files():
    """Paths from ``$LAMINA_FASHION_MNIST_DIR`` or Debian's folder, else ``None``."""
    override = os.environ.get(DIR_ENV)
    if override:
        paths, missing = _find_files(override)
        if missing:
            raise ConfigurationError(
                f"fashion_mnist.load_data: {DIR_ENV}={override!r} lacks {', '.join(missing)} "
                "(gzipped or not). Point it at a folder holding the four Fashion-MNIST IDX files, "
                "or unset it."
            )
        return paths
    paths, missing = _find_files(DEBIAN_DIR)
    return None if missing else paths


def _find_files(directory):
    paths, missing = [], []
    for name in _FILES:
        candidates = [
            os.path.join(directory, name),
            os.path.join(directory, name.removesuffix(".gz")),
        ]
        found = next((path for path in candidates if os.path.isfile(path)), None)
        if found is None:
            missing.append(name)
        else:
            paths.append(found)
    return paths, missing


def _downloaded_files():
    return [
        get_file(
            name, origin=dataset_url(name), file_hash=FILE_HASHES[name], cache_subdir=_CACHE_SUBDIR
        )
        for name in _FILES
    ]


def _checked_split(images, labels, split):
    if images.ndim != 3 or images.shape[1:] != _IMAGE_SHAPE or images.dtype != "uint8":
        raise InputError(
            f"fashion_mnist.load_data: the {split} images must be uint8 of shape (N, 28, 28). "
            f"Received: {images.dtype} array of shape {images.shape}."
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0] or labels.dtype != "uint8":
        raise InputError(
            f"fashion_mnist.load_data: the {split} labels must be uint8 of shape ({images.shape[0]},), "
            f"one per image. Received: {labels.dtype} array of shape {labels.shape}."
        )
    if labels.size and labels.max() >= _NUM_CLASSES:
        raise InputError(
            f"fashion_mnist.load_data: the {split} labels must be 0-9. Received a label {labels.max()}."
        )
    return images, labels
