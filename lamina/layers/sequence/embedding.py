"""Embedding: turn integer token ids into dense vectors."""

import torch
import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import InputError
from lamina.layers.argument_checks import positive_int
from lamina.layers.layer import Layer

OUT_OF_RANGE = (
    "Embedding '{name}': token id {value} at position {position} is outside [0, input_dim) = "
    "[0, {input_dim}) (ids in this batch range from {low} to {high}). Every id must be smaller than "
    "input_dim: set input_dim to at least {needed} (vocabulary size + 1 with mask_zero=True), or "
    "cap the vocabulary when loading (e.g. imdb.load_data(num_words=input_dim)) so that rare "
    "words map to the out-of-vocabulary id."
)


class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors: ``embeddings[ids]``.

    Inputs are integer tensors of any shape (a ``Sequential`` starting with an
    ``Embedding`` keeps integer data as int64; in functional models use
    ``Input(shape, dtype="int32")``); outputs add an axis of size ``output_dim``. An id
    outside ``[0, input_dim)`` raises ``InputError`` naming the id and its position.

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: default ``"uniform"`` (uniform in [-0.05, 0.05]), as Keras.
        mask_zero: id 0 is padding: outputs carry a mask (``ids != 0``) that RNNs,
            attention, pooling and the loss honour. ``input_dim`` must then count id 0.
        weights: optional initial ``[embeddings]`` array of shape (input_dim, output_dim).
        input_length: accepted for Keras 2 code and ignored (give the shape with
            ``input_shape=(length,)`` or ``Input``).

    The weight ``embeddings`` has the same layout in Keras and PyTorch (``nn.Embedding``).
    """

    _config_lists_activity_regularizer = True

    expects_integer_inputs = True

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        input_length=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.input_dim = positive_int(input_dim, "input_dim", f"Embedding '{self.name}'")
        self.output_dim = positive_int(output_dim, "output_dim", f"Embedding '{self.name}'")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.produces_mask = self.mask_zero
        self.supports_masking = self.mask_zero
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs):
        ids = inputs if inputs.dtype in (torch.int64, torch.int32) else inputs.long()
        if ids.device.type != "cpu":
            # An out-of-range id is a device-side assert on accelerators: check first.
            low, high = torch.aminmax(ids)
            if int(low) < 0 or int(high) >= self.input_dim:
                self._raise_out_of_range(ids)
            return F.embedding(ids, self.embeddings)
        try:
            return F.embedding(ids, self.embeddings)
        except IndexError:
            self._raise_out_of_range(ids)
            raise

    def _raise_out_of_range(self, ids):
        bad = (ids < 0) | (ids >= self.input_dim)
        if not bool(bad.any()):
            return
        position = tuple(int(i) for i in bad.nonzero()[0])
        low, high = (int(v) for v in torch.aminmax(ids))
        raise InputError(
            OUT_OF_RANGE.format(
                name=self.name,
                value=int(ids[position]),
                position=position,
                input_dim=self.input_dim,
                low=low,
                high=high,
                needed=high + 1,
            )
        )

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _placeholder_dtype(self):
        return torch.int64

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
