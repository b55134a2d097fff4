"""pad_sequences: make a list of variable-length sequences one rectangular array."""

import numpy as np

from lamina.errors import ConfigurationError, InputError, describe


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (and cut) sequences to one length, as ``keras.utils.pad_sequences``.

    Args:
        sequences: list of sequences (lists or arrays of ids, or of equal-shape vectors).
        maxlen: length of the result; default: the longest sequence.
        dtype: dtype of the result (default ``"int32"``; ``object`` for strings).
        padding: ``"pre"`` (default, pad at the start) or ``"post"`` (at the end).
        truncating: for sequences longer than ``maxlen``, drop values from the start
            (``"pre"``, default) or the end (``"post"``).
        value: the padding value (default 0).

    Returns:
        NumPy array of shape ``(len(sequences), maxlen, *item_shape)``.

    Raises:
        ConfigurationError: unknown ``padding``/``truncating``, a negative ``maxlen``, or a
            string ``value`` with a non-string dtype.
        InputError: a sequence that is not a sequence, or whose items differ in shape.

    Note: with ``Embedding(mask_zero=True)`` and an RNN, ``padding="post"`` keeps every
    mask one block of valid steps at the start, the fastest layout for the fused kernels
    (``"pre"`` works too, and gives the same results).
    """
    for argument, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ConfigurationError(
                f"pad_sequences: {argument} must be 'pre' or 'post'. Received: {argument}={choice!r}."
            )
    if maxlen is not None and (isinstance(maxlen, bool) or int(maxlen) != maxlen or maxlen < 0):
        raise ConfigurationError(f"pad_sequences: maxlen must be a non-negative integer or None. Received: maxlen={maxlen!r}.")
    if not hasattr(sequences, "__len__"):
        raise InputError(f"pad_sequences: sequences must be a list of sequences. Received: {describe(sequences)}.")
    lengths, item_shape = [], None
    for index, sequence in enumerate(sequences):
        if not hasattr(sequence, "__len__") or isinstance(sequence, (str, bytes)):
            raise InputError(
                f"pad_sequences: sequences must be a list of sequences; item {index} is "
                f"{describe(sequence)}. Wrap single values in a list."
            )
        lengths.append(len(sequence))
        if item_shape is None and len(sequence):
            item_shape = np.asarray(sequence).shape[1:]
    item_shape = item_shape or ()
    maxlen = int(maxlen) if maxlen is not None else max(lengths, default=0)
    string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not string_dtype:
        raise ConfigurationError(
            f"pad_sequences: value={value!r} is a string but dtype={dtype!r} is not; use dtype=object "
            f"for variable-length strings."
        )
    result = np.full((len(lengths), maxlen) + tuple(item_shape), value, dtype=dtype)
    if maxlen == 0:
        return result
    for index, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise InputError(
                f"pad_sequences: the items of sequence {index} have shape {kept.shape[1:]}, but the "
                f"first non-empty sequence's items have shape {tuple(item_shape)}."
            )
        if padding == "post":
            result[index, : len(kept)] = kept
        else:
            result[index, maxlen - len(kept) :] = kept
    return result
