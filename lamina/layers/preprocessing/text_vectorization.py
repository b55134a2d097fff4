"""``TextVectorization``: raw strings to token ids or bag-of-words vectors, on the host."""

import re

import numpy as np
import torch

from lamina.errors import ConfigurationError, InputError
from lamina.layers.preprocessing._host_layer import HostLayer, check_choice, host_array, to_device
from lamina.layers.preprocessing.index_lookup import batches_of, resolve_vocabulary_path
from lamina.layers.preprocessing.string_lookup import StringLookup

# Keras's DEFAULT_STRIP_REGEX (tf.strings.regex_replace with "").
STRIP_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
# tf.strings.lower lowers ASCII letters only (its default encoding is "").
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")


class TextVectorization(HostLayer):
    """Turn raw strings into token ids (``output_mode='int'``) or per-document vectors.

    Each string is standardized (lowercased, punctuation stripped), split into tokens,
    optionally extended with n-grams, and looked up in a vocabulary learned by
    ``adapt(data)`` or given as ``vocabulary=``. Index 0 is padding, 1 the OOV token
    ``"[UNK]"``. Strings stay on the host; the output is a torch tensor on lamina's
    device, so the layer can be a model's first layer on ``Input(dtype="string")``.

    Args:
        max_tokens: the largest vocabulary size (padding and OOV included), or None.
        standardize: ``"lower_and_strip_punctuation"``, ``"lower"``, ``"strip_punctuation"``,
            None, or a callable taking and returning a NumPy array of strings.
        split: ``"whitespace"``, ``"character"``, None (each string is one token and the
            ids keep the input's shape), or a callable mapping a NumPy array of strings to a
            list of token lists.
        ngrams: None, an int n (all 1..n-grams) or a tuple of widths.
        output_mode: ``"int"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"`` (int64 ids or
            vectors, as Keras's; float32 for ``tf_idf``).
        output_sequence_length: ``int`` mode: pad/truncate every row to this length
            (None: pad to the batch's longest row).
        pad_to_max_tokens: encoded outputs have ``max_tokens`` columns.
        vocabulary: a list of tokens or a text file path; idf_weights: for ``tf_idf``.
        sparse, ragged: not supported (dense outputs); True raises.
        encoding: ``"utf-8"`` only.

    Example:
        >>> import lamina
        >>> layer = lamina.layers.TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog ran!"])
        >>> layer.get_vocabulary()[:4]
        ['', '[UNK]', 'the', 'sat']
        >>> layer(["the cat ran away"]).tolist()
        [[2, 6, 4, 1]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 name=None, vocabulary_size=None, **kwargs):
        super().__init__(name=name, **kwargs)
        where = self._where = f"TextVectorization '{self.name}'"
        if standardize is not None and not callable(standardize):
            check_choice(standardize, "standardize", STANDARDIZE, where)
        if split is not None and not callable(split):
            check_choice(split, "split", SPLIT, where)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_choice(output_mode, "output_mode", ("int", "multi_hot", "count", "tf_idf"), where)
        if isinstance(ngrams, int) and not isinstance(ngrams, bool):
            widths = tuple(range(1, ngrams + 1))
        elif ngrams is None or (isinstance(ngrams, (tuple, list)) and all(isinstance(n, int) for n in ngrams)):
            widths = None if ngrams is None else tuple(ngrams)
        else:
            raise ConfigurationError(f"{where}: ngrams must be None, an int or a tuple of ints. Received: ngrams={ngrams!r}.")
        if ngrams is not None and split is None:
            raise ConfigurationError(f"{where}: ngrams needs split (tokens to join). Received: split=None, ngrams={ngrams!r}.")
        if output_sequence_length is not None and output_mode != "int":
            raise ConfigurationError(
                f"{where}: output_sequence_length only applies to output_mode='int'. Received: output_mode={output_mode!r}."
            )
        if output_sequence_length is not None and output_sequence_length < 1:
            raise ConfigurationError(f"{where}: output_sequence_length must be >= 1. Received: {output_sequence_length}.")
        if ragged:
            raise ConfigurationError(
                f"{where}: ragged=True is not supported: lamina returns dense, padded tensors. Received: ragged=True. "
                "Leave ragged=False (rows are padded with 0)."
            )
        self._standardize, self._split = standardize, split
        self._ngrams_arg = list(ngrams) if isinstance(ngrams, tuple) else ngrams
        self._ngrams = widths
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding = encoding
        # A sublayer, as in Keras: its files hold the vocabulary and idf weights twice, under
        # this layer's path and under ``<path>/_lookup_layer``, and Keras needs both.
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights, pad_to_max_tokens=pad_to_max_tokens,
            mask_token="", output_mode=output_mode, sparse=sparse, encoding=encoding, name=f"{self.name}_lookup",
            vocabulary_size=vocabulary_size,
        )

    # ------------------------------------------------------------ text
    def _standardized(self, strings):
        mode = self._standardize
        if callable(mode):
            return host_array(mode(strings), self._where, strings=True)
        if mode is None:
            return strings
        lower = mode in ("lower", "lower_and_strip_punctuation")
        strip = mode in ("strip_punctuation", "lower_and_strip_punctuation")
        out = np.empty(strings.shape, dtype=object)
        flat, sub = out.reshape(-1), STRIP_PUNCTUATION.sub
        for i, s in enumerate(strings.reshape(-1)):
            if lower:
                s = s.lower() if s.isascii() else s.translate(_ASCII_LOWER)
            flat[i] = sub("", s) if strip else s
        return out

    def _tokens(self, inputs):
        """Lists of tokens, one per input string (after standardize, split, ngrams)."""
        strings = host_array(inputs, self._where, strings=True)
        if strings.ndim == 0:
            strings = strings.reshape(1)
        if self._split is not None and strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise InputError(
                    f"{self._where}: to split strings the input must have rank 1 or a last axis of size 1. "
                    f"Received: inputs.shape={strings.shape}."
                )
            strings = strings.reshape(strings.shape[:-1])
        if self._split is None:  # each string is a token; a row of strings is a document
            return [list(row) for row in self._standardized(strings.reshape(len(strings), -1))]
        if strings.ndim > 1:
            raise InputError(f"{self._where}: inputs must be a batch of strings, shape (batch,) or (batch, 1). Received: shape={strings.shape}.")
        strings = self._standardized(strings)
        if self._split == "whitespace":
            rows = [s.split() for s in strings]
        elif self._split == "character":
            rows = [list(s) for s in strings]
        else:
            rows = [[t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in row] for row in self._split(strings)]
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        return rows

    # ------------------------------------------------------------ vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights) from ``data``: an array or list of
        strings, an iterable/generator of such batches, or a torch ``Dataset`` /
        ``DataLoader`` (``(text, label)`` items give their text)."""
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ConfigurationError(f"{self._where}: cannot adapt a layer given a fixed vocabulary (vocabulary=).")
        lookup.reset_state()
        for batch in batches_of(data, steps):
            self.update_state(batch)
        lookup.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch of strings."""
        lookup = self._lookup_layer
        if self._split == "whitespace" and self._ngrams is None and lookup.output_mode != "tf_idf" and not callable(self._standardize):
            # Fast path: whitespace tokens never span two documents, so the batch is
            # standardized and split as one string (C loops instead of one per document).
            strings = host_array(data, self._where, strings=True).reshape(-1).tolist()
            chunks = [" ".join(strings[i : i + 64]) for i in range(0, len(strings), 64)]
            lookup.count_documents([s.split() for s in self._standardized(np.array(chunks, dtype=object))])
            return
        lookup.count_documents(self._tokens(data))

    def finalize_state(self):
        """Turn the counts gathered by ``update_state`` into the vocabulary."""
        self._lookup_layer.finalize_state()

    def reset_state(self):
        """Forget counts gathered by ``update_state``."""
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary (index ``i`` is token ``i``; ``''`` padding and ``'[UNK]'`` first)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list or file path) and, for ``tf_idf``, the idf weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def vocabulary_size(self):
        """The vocabulary's size, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    # ------------------------------------------------------------ call
    def _output_torch_dtype(self):
        return torch.float32 if self._output_mode == "tf_idf" else torch.int64

    def call(self, inputs):
        if self._split is None:
            return self._call_unsplit(inputs)
        lookup = self._lookup_layer
        rows = self._tokens(inputs)
        if self._output_mode != "int":
            length = max((len(r) for r in rows), default=0)
            ids = lookup.lookup_ids(_padded(rows, max(length, 1), ""))
            return lookup.encode_ids(to_device(ids))
        length = self._output_sequence_length
        if length is None:
            length = max((len(r) for r in rows), default=0)
        ids = lookup.lookup_ids(_padded(rows, length, ""))
        return to_device(ids)

    def _call_unsplit(self, inputs):
        """``split=None``: each string is one token and the ids keep the input's shape (as
        Keras's); ``output_sequence_length`` pads or cuts the last axis."""
        lookup = self._lookup_layer
        strings = host_array(inputs, self._where, strings=True)
        ids = lookup.lookup_ids(self._standardized(strings.reshape(1) if strings.ndim == 0 else strings))
        if self._output_mode != "int":
            return lookup.encode_ids(to_device(ids))
        length = self._output_sequence_length
        if length is not None:
            ids = ids[..., :length]
            ids = np.pad(ids, [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])])
        return to_device(ids)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int" and self._split is None:
            if self._output_sequence_length is None:
                return tuple(input_shape)
            return tuple(input_shape[:-1]) + (self._output_sequence_length,)
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        depth = self._lookup_layer._depth()
        return (input_shape[0], depth)

    # ------------------------------------------------------------ saving
    def get_config(self):
        lookup = self._lookup_layer
        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False,
            "ragged": False,
            "vocabulary": lookup.input_vocabulary,
            "idf_weights": lookup.input_idf_weights,
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild from ``get_config`` (a vocabulary path only from inside the archive in safe mode)."""
        config = dict(config)
        config["vocabulary"] = resolve_vocabulary_path(config.get("vocabulary"), cls.__name__)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                raise ConfigurationError(
                    f"TextVectorization: the config's {key} is a custom function ({config[key]!r:.80}); register it "
                    "and pass the layer as a custom object, or rebuild the layer in code."
                )
        return cls(**config)

    def save_extra_variables(self):
        """What Keras keeps in this layer's ``vars`` group (``idf_weights`` for tf_idf)."""
        return self._lookup_layer.save_extra_variables()

    def load_extra_variables(self, store):
        """Take back ``save_extra_variables``'s arrays."""
        self._lookup_layer.load_extra_variables(store)

    def save_asset_files(self):
        """The learned vocabulary as Keras's ``vocabulary.txt`` asset."""
        return self._lookup_layer.save_asset_files()

    def load_asset_files(self, files):
        """Take back the ``vocabulary.txt`` asset."""
        self._lookup_layer.load_asset_files(files)

    def save_assets(self, dir_path):
        """Keras's API: write ``vocabulary.txt`` into ``dir_path``."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        """Keras's API: read ``vocabulary.txt`` from ``dir_path``."""
        self._lookup_layer.load_assets(dir_path)


def _ngrams(tokens, widths):
    out = []
    for n in widths:
        if n == 1:
            out.extend(tokens)
        else:
            out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def _padded(rows, length, pad):
    array = np.full((len(rows), length), pad, dtype=object)
    for i, row in enumerate(rows):
        row = row[:length]
        array[i, : len(row)] = row
    return array
