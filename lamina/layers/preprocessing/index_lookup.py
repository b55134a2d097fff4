"""``IndexLookup``: the vocabulary machinery behind ``StringLookup``, ``IntegerLookup`` and
``TextVectorization`` (Keras's rules: special tokens first, adapt sorts by count then by
token, both descending; OOV tokens hash into ``num_oov_indices`` buckets)."""

import collections
import math
import operator

import numpy as np
import torch

from lamina.errors import ConfigurationError, InputError
from lamina.layers import symbolic
from lamina.layers.preprocessing._fingerprints import fingerprint64, siphash64
from lamina.layers.preprocessing._host_layer import (
    HostLayer,
    check_choice,
    check_sparse,
    encode_categorical,
    encoded_shape,
    host_array,
    to_device,
)
from lamina.serialization.safe_mode import archive_file, in_safe_mode

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
VOCABULARY_FILE = "vocabulary.txt"


class IndexLookup(HostLayer):
    """Maps tokens (strings or integers) to indices in a vocabulary. Use ``StringLookup``
    or ``IntegerLookup``; this base holds what they share."""

    _strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, vocabulary_size=None,
                 has_input_vocabulary=None, **kwargs):
        super().__init__(**kwargs)
        where = self._where = f"{type(self).__name__} '{self.name}'"
        if max_tokens is not None and max_tokens <= 1:
            raise ConfigurationError(f"{where}: max_tokens must be greater than 1 (or None). Received: max_tokens={max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ConfigurationError(f"{where}: pad_to_max_tokens=True needs max_tokens. Received: max_tokens=None.")
        if num_oov_indices < 0:
            raise ConfigurationError(f"{where}: num_oov_indices must be >= 0. Received: num_oov_indices={num_oov_indices}.")
        check_choice(oov_method, "oov_method", ("floormod", "farmhash"), where)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_choice(output_mode, "output_mode", OUTPUT_MODES, where)
        if invert and output_mode != "int":
            raise ConfigurationError(f"{where}: invert=True needs output_mode='int'. Received: output_mode={output_mode!r}.")
        check_sparse(sparse, where)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ConfigurationError(
                f"{where}: idf_weights is only used with output_mode='tf_idf'. Received: output_mode={output_mode!r}."
            )
        if salt is not None:
            if not self._strings and oov_method != "farmhash":
                raise ConfigurationError(f"{where}: salt needs oov_method='farmhash'. Received: oov_method={oov_method!r}.")
            if isinstance(salt, int):
                salt = [salt, salt]
            elif isinstance(salt, (list, tuple)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            else:
                raise ConfigurationError(f"{where}: salt must be an int or a pair of ints. Received: salt={salt!r}.")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode, self.sparse = bool(invert), output_mode, False
        self.pad_to_max_tokens, self.oov_method, self.salt = bool(pad_to_max_tokens), oov_method, salt
        if isinstance(vocabulary, np.ndarray) or isinstance(vocabulary, torch.Tensor):
            vocabulary = np.asarray(vocabulary).tolist()
        if isinstance(idf_weights, (np.ndarray, torch.Tensor)):
            idf_weights = np.asarray(idf_weights).tolist()
        self.input_vocabulary, self.input_idf_weights = vocabulary, idf_weights
        self._has_input_vocabulary = vocabulary is not None if has_input_vocabulary is None else has_input_vocabulary
        self._tokens = []  # learned tokens, without the special ones
        self._index = {}
        self.idf_weights = None
        # The size of the last vocabulary set (Keras's config carries it, so an encoding
        # layer rebuilds with its output width before its vocabulary loads).
        self._frozen_vocab_size = vocabulary_size
        self.reset_state()
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ConfigurationError(f"{where}: output_mode='tf_idf' with a vocabulary needs idf_weights too.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------ vocabulary
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The vocabulary's size, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary as a list; index ``i`` is the token the layer maps to ``i``.

        Args:
            include_special_tokens: include the mask and OOV tokens at the front.
        """
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        if self.mask_token is not None and self.output_mode == "int" and not special:
            special = [self.mask_token]
        return (special if include_special_tokens else []) + list(self._tokens)

    def _parse_token(self, token):
        return str(token) if self._strings else int(token)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and, for ``tf_idf``, the idf weights) directly.

        Args:
            vocabulary: a list/array of unique tokens, optionally starting with the mask and
                OOV tokens in Keras's order, or the path of a text file with one token a line.
            idf_weights: one weight per vocabulary entry (``output_mode='tf_idf'`` only).
        """
        where = self._where
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ConfigurationError(f"{where}: output_mode='tf_idf' needs idf_weights with the vocabulary.")
        if idf_weights is not None and self.output_mode != "tf_idf":
            raise ConfigurationError(f"{where}: idf_weights is only used with output_mode='tf_idf'.")
        if isinstance(vocabulary, str):
            vocabulary = _read_vocabulary_file(vocabulary, where)
        tokens = [self._parse_token(t.decode("utf-8") if isinstance(t, bytes) else t) for t in np.asarray(vocabulary, dtype=object).reshape(-1)]
        if not tokens:
            raise ConfigurationError(f"{where}: cannot set an empty vocabulary. Received: vocabulary={vocabulary!r}.")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        body = tokens[start:] if tokens[:start] == special else tokens
        repeated = [t for t, n in collections.Counter(body).items() if n > 1]
        if repeated:
            raise ConfigurationError(f"{where}: the vocabulary repeats terms {repeated[:10]}. Make the tokens unique.")
        if self.mask_token is not None and self.mask_token in body:
            raise ConfigurationError(
                f"{where}: the mask token {self.mask_token!r} sits inside the vocabulary. Leave the mask and OOV "
                f"tokens out, or put them only at the start in this order: {special}."
            )
        if self.oov_token is not None and self.invert and self.oov_token in body:
            raise ConfigurationError(
                f"{where}: the OOV token {self.oov_token!r} sits inside the vocabulary. Leave it out, or put the "
                f"special tokens only at the start in this order: {special}."
            )
        if self.max_tokens is not None and start + len(body) > self.max_tokens:
            raise ConfigurationError(
                f"{where}: the vocabulary ({start + len(body)} entries with the special ones) is larger than "
                f"max_tokens={self.max_tokens}."
            )
        if self.output_mode == "tf_idf":
            weights = np.asarray(idf_weights, dtype=np.float64).reshape(-1)
            if len(weights) != len(tokens):
                raise ConfigurationError(
                    f"{where}: idf_weights must have one weight per vocabulary entry. Received "
                    f"{len(weights)} weights for {len(tokens)} entries."
                )
            if len(body) == len(tokens):  # no special tokens given: their weight is the mean
                weights = np.concatenate([np.full(start, weights.mean()), weights])
            self._set_idf(weights)
        self._check_size_unchanged(start + len(body))
        self._set_tokens(body)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: i + start for i, t in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    def _set_idf(self, weights):
        weights = np.asarray(weights, dtype=np.float64)
        if self.pad_to_max_tokens and self.max_tokens is not None and len(weights) < self.max_tokens:
            weights = np.concatenate([weights, np.zeros(self.max_tokens - len(weights))])
        self.idf_weights = torch.tensor(weights, dtype=torch.float32)

    def _check_size_unchanged(self, size):
        if self.output_mode == "int" or self.pad_to_max_tokens or not self._called:
            return
        if self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise ConfigurationError(
                f"{self._where}: with output_mode={self.output_mode!r} and pad_to_max_tokens=False the vocabulary "
                f"size cannot change after the layer was called (was {self._frozen_vocab_size}, now {size})."
            )

    _called = False

    # ------------------------------------------------------------ adapt
    def reset_state(self):
        """Forget the token counts gathered by ``update_state``."""
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, steps=None):
        """Learn the vocabulary (and idf weights) from ``data``.

        Args:
            data: an array or list of tokens (1D: one token per sample; 2D: rows of tokens,
                one document per row), an iterable/generator of such batches, or a torch
                ``Dataset``/``DataLoader`` yielding them.
            steps: at most this many batches of an iterable.
        """
        if self._has_input_vocabulary:
            raise ConfigurationError(
                f"{self._where}: cannot adapt a layer given a fixed vocabulary (vocabulary= or set_vocabulary())."
            )
        self.reset_state()
        if isinstance(data, (np.ndarray, torch.Tensor, list, tuple)):
            # One array: each entry of a 1-D array is a document of its own (Keras's rule;
            # it matters for tf_idf), where a 1-D batch given to update_state is one document.
            array = host_array(data, self._where, strings=self._strings or None)
            data = array.reshape(-1, 1) if array.ndim == 1 else array
        for batch in batches_of(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch (rows are documents for ``tf_idf``)."""
        array = host_array(data, self._where, strings=self._strings or None)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim == 1:
            array = array.reshape(1, -1)
        rows = [[self._parse_token(t) for t in row.reshape(-1)] for row in array]
        self.count_documents(rows)

    def count_documents(self, rows):
        """Count tokens of ``rows`` (lists of tokens, one per document)."""
        counts = self._counts
        for row in rows:
            counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._doc_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self):
        """Turn the gathered counts into the vocabulary (Keras's order: count, then token,
        both descending)."""
        counts = self._counts
        if not counts:
            return
        counts.pop(self.mask_token, None)
        counts.pop(self.oov_token, None)
        # Python orders str by code point, which is the UTF-8 byte order Keras sorts by.
        ranked = sorted(counts.items(), key=_COUNT_THEN_TOKEN, reverse=True)
        if self.max_tokens:
            ranked = ranked[: self.max_tokens - self._token_start_index()]
        tokens = [t for t, _ in ranked]
        if self.output_mode == "tf_idf":
            n = self._num_documents
            weights = np.array([math.log(1 + n / (1 + self._doc_counts[t])) for t in tokens], dtype=np.float32)
            self._set_idf(np.concatenate([np.full(self._token_start_index(), weights.mean()), weights]))
        self._check_size_unchanged(len(tokens) + self._token_start_index())
        self._set_tokens(tokens)
        self.reset_state()

    # ------------------------------------------------------------ call
    def _output_torch_dtype(self):
        if self.output_mode == "tf_idf":
            return torch.float32
        return symbolic.STRING if self.invert and self._strings else torch.int64

    def lookup_ids(self, tokens):
        """Ids (a NumPy int64 array) of a NumPy array of parsed tokens."""
        flat = tokens.reshape(-1)
        index, mask = self._index, self.mask_token
        default = -1 if self.num_oov_indices != 1 else self._oov_start_index()
        ids = np.fromiter((index.get(t, default) for t in flat), dtype=np.int64, count=len(flat))
        if self.num_oov_indices > 1:
            oov = np.nonzero(ids == -1)[0]
            if len(oov):
                ids[oov] = [self._oov_bucket(flat[i]) for i in oov]
        elif self.num_oov_indices == 0 and (ids == -1).any():
            missing = [flat[i] for i in np.nonzero(ids == -1)[0][:5]]
            if mask is None or any(m != mask for m in missing):
                raise InputError(
                    f"{self._where}: with num_oov_indices=0 every input must be in the vocabulary; found "
                    f"out-of-vocabulary values {missing}. Set num_oov_indices=1."
                )
        if mask is not None:
            masked = np.fromiter((t == mask for t in flat), dtype=bool, count=len(flat))
            ids[masked] = 0 if self.output_mode == "int" else -1
        return ids.reshape(tokens.shape)

    def _oov_bucket(self, token):
        n = self.num_oov_indices
        if not self._strings and self.oov_method != "farmhash":
            return int(token) % n + self._oov_start_index()
        data = str(token).encode("utf-8")
        value = siphash64(self.salt[0], self.salt[1], data) if self.salt else fingerprint64(data)
        return value % n + self._oov_start_index()

    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        return self.vocabulary_size() if self._tokens else self._frozen_vocab_size

    def encode_ids(self, ids):
        """Encode an id tensor per ``output_mode`` (ids < 0 are dropped)."""
        if self.output_mode == "int":
            return ids
        if not self._tokens and not self.pad_to_max_tokens:
            raise ConfigurationError(
                f"{self._where}: with output_mode={self.output_mode!r} set the vocabulary (vocabulary= or adapt()) "
                "before calling the layer."
            )
        self._called = True
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(ids, mode, self._depth(), dtype=self._output_torch_dtype())
        if self.output_mode == "tf_idf":
            out = out * self.idf_weights.to(out.device)
        return out

    def call(self, inputs):
        if self.invert:
            return self._invert(inputs)
        tokens = host_array(inputs, self._where, strings=self._strings or None)
        if not self._strings:
            tokens = tokens.astype(np.int64)
        ids = self.lookup_ids(tokens if self._strings else tokens.astype(object))
        return self.encode_ids(to_device(ids))

    def _invert(self, inputs):
        ids = host_array(inputs, self._where, strings=False).astype(np.int64)
        vocab = self.get_vocabulary()
        if self.mask_token is not None:
            vocab[0] = self.mask_token
        flat = [vocab[i] if 0 <= i < len(vocab) else self.oov_token for i in ids.reshape(-1)]
        if self._strings:
            out = np.empty(len(flat), dtype=object)
            out[:] = flat
            return out.reshape(ids.shape)
        return to_device(np.asarray(flat, dtype=np.int64).reshape(ids.shape))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    # ------------------------------------------------------------ saving
    def get_config(self):
        config = {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": False,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": "string" if self._strings else "int64",
            "idf_weights": self.input_idf_weights,
            "vocabulary": self.input_vocabulary,
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from ``get_config``; a vocabulary file path is refused in safe mode
        unless it names a file inside the ``.keras`` archive being loaded."""
        config = dict(config)
        config["vocabulary"] = resolve_vocabulary_path(config.get("vocabulary"), cls.__name__)
        return cls(**config)

    def save_extra_variables(self):
        """``{key: array}`` Keras keeps in this layer's ``vars`` group (``idf_weights``)."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            return {"idf_weights": self.idf_weights.cpu().numpy()}
        return {}

    def load_extra_variables(self, store):
        """Take back what ``save_extra_variables`` wrote."""
        if "idf_weights" in store:
            self.idf_weights = torch.as_tensor(np.asarray(store["idf_weights"]), dtype=torch.float32)

    def save_asset_files(self):
        """``{file name: bytes}`` Keras writes to this layer's assets folder: the learned
        vocabulary (none when the vocabulary sits in the config)."""
        if self.input_vocabulary is not None or not self._tokens:
            return {}
        return {VOCABULARY_FILE: "\n".join(str(w) for w in self.get_vocabulary()).encode("utf-8")}

    def load_asset_files(self, files):
        """Take back the vocabulary that ``save_asset_files`` (or Keras) wrote."""
        if self.input_vocabulary is not None or VOCABULARY_FILE not in files:
            return
        lines = files[VOCABULARY_FILE].decode("utf-8").splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        weights = None
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                return
            weights = self.idf_weights.numpy()[: len(lines)]
        self._set_vocabulary_keeping_idf(lines, weights)

    def _set_vocabulary_keeping_idf(self, lines, weights):
        saved = self.idf_weights
        self.set_vocabulary(lines, weights)
        if saved is not None:
            self.idf_weights = saved

    def save_assets(self, dir_path):
        """Keras's API: write the asset files into the folder ``dir_path``."""
        import os

        for name, data in self.save_asset_files().items():
            with open(os.path.join(dir_path, name), "wb") as handle:
                handle.write(data)

    def load_assets(self, dir_path):
        """Keras's API: read the asset files from the folder ``dir_path``."""
        import os

        path = os.path.join(dir_path, VOCABULARY_FILE)
        if os.path.exists(path):
            with open(path, "rb") as handle:
                self.load_asset_files({VOCABULARY_FILE: handle.read()})


_COUNT_THEN_TOKEN = operator.itemgetter(1, 0)


def batches_of(data, steps=None):
    """The batches in ``data``: itself when it is one array/list, else what it yields
    (generators, iterables, torch datasets/loaders; ``(x, y)`` tuples give ``x``)."""
    if isinstance(data, (np.ndarray, torch.Tensor, list, tuple, str, bytes)):
        yield data
        return
    if isinstance(data, torch.utils.data.Dataset) and not isinstance(data, torch.utils.data.IterableDataset):
        data = torch.utils.data.DataLoader(data, batch_size=256, collate_fn=lambda rows: rows)
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        if _is_x_y(batch):
            batch = batch[0]
        elif isinstance(batch, list) and batch and isinstance(batch[0], tuple):
            batch = [row[0] for row in batch]  # (x, y) samples from a map-style dataset
        yield batch


def _is_x_y(batch):
    """Whether a batch is ``(x, y)`` / ``(x, y, sample_weight)`` (a DataLoader collates
    ``(text, label)`` items into ``[texts, labels]``)."""
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3) or isinstance(batch[0], (str, bytes)):
        return False
    return isinstance(batch, tuple) or isinstance(batch[1], (torch.Tensor, np.ndarray))


def _read_vocabulary_file(path, where):
    import os

    if not os.path.exists(path):
        raise ConfigurationError(f"{where}: vocabulary file {path!r} does not exist. Check the path.")
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def resolve_vocabulary_path(vocabulary, layer):
    """A vocabulary from a config: a path is refused in safe mode unless it is a file in
    the ``.keras`` archive being loaded (then the lines of that file)."""
    if not isinstance(vocabulary, str):
        return vocabulary
    inside = archive_file(vocabulary)
    if inside is not None:
        lines = inside.decode("utf-8").splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines
    if in_safe_mode():
        raise ConfigurationError(
            f"{layer}: the config names a vocabulary file outside the .keras archive ({vocabulary!r}); loading "
            "it would read an arbitrary file from this machine. Refused in safe mode. If you trust the file, "
            "load with safe_mode=False, or save the model with the vocabulary itself (vocabulary=[...] or adapt())."
        )
    return vocabulary
