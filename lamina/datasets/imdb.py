"""IMDB movie-review sentiment dataset, from Keras's copy (``keras.datasets.imdb``)."""

from typing import Any

import numpy as np

from lamina._typing import Splits
from lamina.datasets import text_sequences as text
from lamina.errors import ConfigurationError

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras gives it


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    *,
    _file_hash: str = FILE_HASH,
    **kwargs: Any,
) -> Splits:
    """Load the IMDB dataset: 25,000 training and 25,000 test reviews, labelled 0/1.

    Reviews are lists of word ids, words ranked by frequency: the most frequent word has
    id ``1 + index_from`` (4 with the defaults). Downloads Keras's ``imdb.npz`` once
    into ``~/.lamina/datasets`` (``LAMINA_DATASETS_ORIGIN`` names a mirror) and reads it
    without unpickling anything but lists of ids (see ``lamina.datasets.safe_npz``).

    Args:
        path: file name of the cached copy.
        num_words: keep the ``num_words`` most frequent words; rarer ones become
            ``oov_char``. None keeps all (Keras's rule: the very largest id then becomes
            ``oov_char`` too).
        skip_top: also turn the ``skip_top`` most frequent ids into ``oov_char``.
        maxlen: drop reviews with ``maxlen`` or more ids (after adding ``start_char``).
        seed: shuffling seed (one generator shuffles train, then test, as in Keras).
        start_char: id put at the start of every review (None: none).
        oov_char: id of out-of-vocabulary words (None: drop them).
        index_from: offset added to every word id (0, 1, 2 are reserved by default
            for padding, start and out-of-vocabulary).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of int ids and
        int arrays of labels. Pad them with ``lamina.utils.pad_sequences``.

    Raises:
        DownloadError: the file cannot be fetched.
        InputError: the cached file is corrupt or holds anything but lists of ids.
        ConfigurationError: invalid arguments, or ``maxlen`` drops every review.
    """
    if kwargs:
        raise ConfigurationError(f"imdb.load_data: unexpected keyword arguments {sorted(kwargs)}.")
    text.check_arguments("imdb.load_data", num_words, skip_top, maxlen)
    x_train, y_train, x_test, y_test = text.load_arrays(
        path, "imdb.npz", _file_hash, ("x_train", "y_train", "x_test", "y_test")
    )
    generator = np.random.RandomState(seed)
    x_train, y_train = text.shuffle(generator, x_train, y_train)
    x_test, y_test = text.shuffle(generator, x_test, y_test)
    x_train = text.shift(x_train, start_char, index_from)
    x_test = text.shift(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = text.drop_long(maxlen, x_train, y_train)
        x_test, y_test = text.drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ConfigurationError(
                f"imdb.load_data: no review is shorter than maxlen={maxlen}, so nothing is left. "
                f"Increase maxlen, or keep all reviews and cut them with pad_sequences(maxlen=...)."
            )
    sequences = text.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(y_train), np.asarray(y_test)])
    split = len(x_train)
    return (
        (text.as_object_array(sequences[:split]), labels[:split]),
        (text.as_object_array(sequences[split:]), labels[split:]),
    )


def get_word_index(path="imdb_word_index.json", *, _file_hash=WORD_INDEX_HASH):
    """The ``{word: rank}`` dict of the IMDB dataset (rank 1 = most frequent word).

    In ``load_data``'s sequences a word of rank r has id ``r + index_from`` (3 by default).
    """
    return text.load_word_index(path, "imdb_word_index.json", _file_hash)
