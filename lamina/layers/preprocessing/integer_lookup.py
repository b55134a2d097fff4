"""``IntegerLookup``: integer tokens to contiguous ids (and back with ``invert=True``)."""

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Map integers to indices of a vocabulary, as Keras's ``IntegerLookup``.

    Index 0 is the mask token when ``mask_token`` is set (``output_mode='int'``), then
    ``num_oov_indices`` OOV indices (OOV values go to ``value % num_oov_indices``, or are
    hashed with ``oov_method='farmhash'``), then the vocabulary.

    Args:
        max_tokens, num_oov_indices, mask_token, vocabulary, idf_weights, invert,
        output_mode, pad_to_max_tokens, sparse, salt: as in ``StringLookup``.
        oov_token: the value ``invert=True`` returns for OOV indices (default -1).
        vocabulary_dtype: ``"int64"`` (or ``"int32"``).
        oov_method: ``"floormod"`` or ``"farmhash"``.

    Example:
        >>> import lamina
        >>> layer = lamina.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer([[12, 1138, 42], [42, 1000, 36]]).tolist()
        [[1, 3, 4], [4, 0, 2]]
    """

    _strings = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        if vocabulary_dtype not in ("int64", "int32"):
            raise ConfigurationError(
                f"IntegerLookup: vocabulary_dtype must be 'int64' or 'int32'. Received: vocabulary_dtype={vocabulary_dtype!r}."
            )
        if oov_token is None:
            oov_token = -1
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token), oov_token=int(oov_token),
                         vocabulary=vocabulary, idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt,
                         name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = self.vocabulary_dtype
        if config["vocabulary"] is not None and not isinstance(config["vocabulary"], str):
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
