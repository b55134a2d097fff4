"""California housing prices, from Keras's copy (``keras.datasets.california_housing``)."""

from lamina._typing import Splits
from lamina.datasets.housing import check_test_split, fetch_arrays, shuffled_split
from lamina.errors import ConfigurationError

FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
_SMALL = 600


def load_data(
    version: str = "large",
    path: str = "california_housing.npz",
    test_split: float = 0.2,
    seed: int = 113,
    *,
    _file_hash: str = FILE_HASH,
) -> Splits:
    """Load the California housing regression data: 20,640 samples of 8 features.

    Downloads Keras's ``california_housing.npz`` once into ``~/.lamina/datasets`` (see
    ``get_file``); set ``LAMINA_DATASETS_ORIGIN`` to a mirror's base URL to fetch it from
    elsewhere. Shuffled with ``seed`` and split as Keras does, so the same arguments give
    the same arrays as ``keras.datasets.california_housing``.

    Args:
        version: ``"large"`` (all samples, default) or ``"small"`` (the first 600).
        path: File name of the cached copy, under ``~/.lamina/datasets``.
        test_split: Fraction of the samples kept for the test set, in ``[0, 1)``.
        seed: Seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float32 features ``(n, 8)`` and median
        house values ``(n,)``.

    Raises:
        ConfigurationError: unknown ``version`` or ``test_split`` outside ``[0, 1)``.
        DownloadError: the file cannot be fetched; the message says where to put it.
        InputError: the cached file is not a valid ``.npz`` with ``x`` and ``y``.
    """
    if version not in ("small", "large"):
        raise ConfigurationError(
            "california_housing.load_data: version must be 'small' or 'large'. "
            f"Received: version={version!r}."
        )
    check_test_split(test_split, "california_housing.load_data")
    x, y = fetch_arrays(path, "california_housing.npz", _file_hash, "California housing")
    if version == "small":
        x, y = x[:_SMALL], y[:_SMALL]
    return shuffled_split(x, y, test_split, seed)
