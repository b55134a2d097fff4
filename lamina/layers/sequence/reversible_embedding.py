"""ReversibleEmbedding: an Embedding that can also project vectors back to logits."""

import torch

from lamina.errors import ConfigurationError
from lamina.layers.sequence.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """Keras's ``ReversibleEmbedding``: ``call(ids)`` embeds, ``call(x, reverse=True)``
    returns ``x @ embeddings.T`` (tied weights) or ``x @ reverse_embeddings``.

    Args:
        input_dim, output_dim, embeddings_initializer, embeddings_regularizer,
            embeddings_constraint, mask_zero: as in ``Embedding``.
        tie_weights: reuse ``embeddings`` for the reverse projection (default True);
            False adds a ``reverse_embeddings`` weight ``(output_dim, input_dim)``.
        reverse_dtype: dtype of the reverse matmul (e.g. ``"float32"`` under mixed
            precision), or None.
        logit_soft_cap: when set, reverse logits become ``cap * tanh(logits / cap)``.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.ReversibleEmbedding(10, 4)
        >>> vectors = layer(torch.tensor([[1, 2, 3]]))
        >>> layer(vectors, reverse=True).shape
        torch.Size([1, 3, 10])
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        tie_weights=True,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        reverse_dtype=None,
        logit_soft_cap=None,
        **kwargs,
    ):
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self._reverse_torch_dtype = None if reverse_dtype is None else _dtype(reverse_dtype, self.name)
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
                name="reverse_embeddings",
            )

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = self.embeddings.t() if self.tie_weights else self.reverse_embeddings
        if self._reverse_torch_dtype is not None:
            inputs, kernel = inputs.to(self._reverse_torch_dtype), kernel.to(self._reverse_torch_dtype)
        logits = torch.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, mask=None):
        if inputs.dtype.is_floating_point:  # a reverse call: logits carry no mask
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        }


def _dtype(name, layer_name):
    value = getattr(torch, str(name), None)
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        raise ConfigurationError(
            f"ReversibleEmbedding '{layer_name}': reverse_dtype must name a float dtype "
            f"(e.g. 'float32'). Received: reverse_dtype={name!r}."
        )
    return value
