"""The word-id processing shared by the IMDB and Reuters loaders (Keras's exact rules)."""

import json

import numpy as np

from lamina.datasets.cache import dataset_url
from lamina.datasets.download import get_file
from lamina.datasets.safe_npz import load_npz
from lamina.errors import ConfigurationError, InputError


def load_arrays(path, origin_name, file_hash, names):
    """Download (once) and read Keras's ``origin_name`` .npz; return the arrays ``names``."""
    local_path = get_file(fname=path, origin=dataset_url(origin_name), file_hash=file_hash)
    arrays = load_npz(local_path)
    missing = [name for name in names if name not in arrays]
    if missing:
        raise InputError(
            f"{local_path} lacks the arrays {missing} (it holds {sorted(arrays)}). Delete it so that "
            f"load_data() downloads it again."
        )
    return [arrays[name] for name in names]


def shuffle(generator, *arrays):
    """Shuffle arrays of equal length with one permutation drawn from ``generator``.

    ``generator`` is a ``np.random.RandomState(seed)`` (NumPy's legacy generator, as in
    Keras); successive calls continue its stream, as Keras's loaders do.
    """
    indices = np.arange(len(arrays[0]))
    generator.shuffle(indices)
    return [array[indices] for array in arrays]


def check_arguments(where, num_words, skip_top, maxlen):
    for name, value, low in (("num_words", num_words, 1), ("skip_top", skip_top, 0), ("maxlen", maxlen, 1)):
        if value is None and name != "skip_top":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigurationError(
                f"{where}: {name} must be an integer >= {low}{'' if name == 'skip_top' else ' or None'}. "
                f"Received: {name}={value!r}."
            )


def shift(sequences, start_char, index_from):
    """Add ``index_from`` to every id and put ``start_char`` first (when not None)."""
    head = [] if start_char is None else [start_char]
    offset = index_from or 0
    return [head + [int(w) + offset for w in sequence] for sequence in sequences]


def drop_long(maxlen, sequences, labels):
    """Keep the sequences strictly shorter than ``maxlen`` (Keras's ``remove_long_seq``)."""
    kept = [(s, y) for s, y in zip(sequences, labels) if len(s) < maxlen]
    return [s for s, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Replace (or drop, when ``oov_char`` is None) ids outside ``[skip_top, num_words)``.

    Without ``num_words`` the limit is the largest id, which itself then counts as out of
    vocabulary, exactly as in Keras.
    """
    if not num_words:
        num_words = max((max(s) for s in sequences if s), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in s] for s in sequences]
    return [[w for w in s if skip_top <= w < num_words] for s in sequences]


def as_object_array(sequences):
    """A 1-D object array of lists (NumPy would make a 2-D array of equal-length lists)."""
    array = np.empty(len(sequences), dtype=object)
    array[:] = sequences
    return array


def load_word_index(path, origin_name, file_hash):
    local_path = get_file(fname=path, origin=dataset_url(origin_name), file_hash=file_hash)
    with open(local_path, encoding="utf-8") as file:
        return json.load(file)
