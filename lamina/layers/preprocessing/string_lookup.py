"""``StringLookup``: strings to integer ids (and back with ``invert=True``)."""

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Map strings to indices of a vocabulary, as Keras's ``StringLookup``.

    The strings stay on the host; the ids come out as an int64 tensor on lamina's device.
    Index 0 is the mask token when ``mask_token`` is set (``output_mode='int'``), then
    ``num_oov_indices`` out-of-vocabulary indices (OOV strings hash into them with
    FarmHash, or SipHash with ``salt``, as Keras does), then the vocabulary.

    Args:
        max_tokens: the largest vocabulary size (special tokens included), or None.
        num_oov_indices: OOV buckets (0: an OOV input is an error).
        mask_token: the token mapped to 0, or None.
        oov_token: the token ``invert=True`` returns for OOV indices.
        vocabulary: a list of strings or a text file path (one token a line).
        idf_weights: weights for ``output_mode='tf_idf'``.
        invert: map indices back to strings.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``
            (int64 ids or vectors, as Keras's; float32 for ``tf_idf``).
        pad_to_max_tokens: encoded outputs have ``max_tokens`` columns.
        sparse: not supported (dense outputs); True raises.
        encoding: the text encoding (only ``"utf-8"``).
        salt: an int or two ints: hash OOV strings with SipHash keyed by it.

    Example:
        >>> import lamina
        >>> layer = lamina.layers.StringLookup(vocabulary=["a", "b", "c"])
        >>> layer([["a", "c"], ["d", "b"]]).tolist()
        [[1, 3], [0, 2]]
    """

    _strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        if str(encoding).lower().replace("-", "") != "utf8":
            raise ConfigurationError(
                f"StringLookup: only encoding='utf-8' is supported. Received: encoding={encoding!r}."
            )
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
                         name=name, salt=salt, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
