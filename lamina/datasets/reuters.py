"""Reuters newswire topic classification (46 topics), from Keras's copy (``keras.datasets.reuters``)."""

import numpy as np

from lamina._typing import Splits
from lamina.datasets import text_sequences as text
from lamina.errors import ConfigurationError

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5, as Keras gives it

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    *,
    _file_hash: str = FILE_HASH,
) -> Splits:
    """Load the Reuters dataset: 11,228 newswires labelled with one of 46 topics.

    Same word-id conventions and arguments as ``imdb.load_data``; the whole set is
    shuffled with ``seed`` and the last ``test_split`` fraction is the test set.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of int ids and
        int arrays of topic ids (names in ``get_label_names()``).
    """
    text.check_arguments("reuters.load_data", num_words, skip_top, maxlen)
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) or not 0 <= test_split <= 1:
        raise ConfigurationError(f"reuters.load_data: test_split must be in [0, 1]. Received: test_split={test_split!r}.")
    xs, labels = text.load_arrays(path, "reuters.npz", _file_hash, ("x", "y"))
    xs, labels = text.shuffle(np.random.RandomState(seed), xs, labels)
    xs = text.shift(xs, start_char, index_from)
    labels = list(labels)
    if maxlen:
        xs, labels = text.drop_long(maxlen, xs, labels)
    xs = text.limit_vocabulary(xs, num_words, skip_top, oov_char)
    split = int(len(xs) * (1 - test_split))
    labels = np.asarray(labels)
    return (
        (text.as_object_array(xs[:split]), labels[:split]),
        (text.as_object_array(xs[split:]), labels[split:]),
    )


def get_word_index(path="reuters_word_index.json", *, _file_hash=WORD_INDEX_HASH):
    """The ``{word: rank}`` dict of the Reuters dataset (ids in the data are rank + index_from)."""
    return text.load_word_index(path, "reuters_word_index.json", _file_hash)


def get_label_names():
    """The 46 topic names; ``get_label_names()[y]`` names label ``y``."""
    return LABEL_NAMES
