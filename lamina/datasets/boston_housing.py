"""Boston housing prices, from Keras's copy (``keras.datasets.boston_housing``)."""

from lamina._typing import Splits
from lamina.datasets.housing import check_test_split, fetch_arrays, shuffled_split

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113, *, _file_hash: str = FILE_HASH
) -> Splits:
    """Load the Boston housing regression data: 506 samples of 13 features.

    Downloads Keras's ``boston_housing.npz`` once into ``~/.lamina/datasets`` (see
    ``get_file``); set ``LAMINA_DATASETS_ORIGIN`` to a mirror's base URL to fetch it from
    elsewhere. The samples are shuffled with ``seed`` and split as Keras splits them, so
    the same arguments give the same arrays as ``keras.datasets.boston_housing``.

    Args:
        path: File name of the cached copy, under ``~/.lamina/datasets``.
        test_split: Fraction of the samples kept for the test set, in ``[0, 1)``.
        seed: Seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 features ``(n, 13)`` and
        median home values in k$ ``(n,)``.

    Raises:
        ConfigurationError: ``test_split`` is outside ``[0, 1)``.
        DownloadError: the file cannot be fetched; the message says where to put it.
        InputError: the cached file is not a valid ``.npz`` with ``x`` and ``y``.
    """
    check_test_split(test_split, "boston_housing.load_data")
    x, y = fetch_arrays(path, "boston_housing.npz", _file_hash, "Boston housing")
    return shuffled_split(x, y, test_split, seed)
