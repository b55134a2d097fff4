"""``CategoryEncoding``: integer ids to one-hot, multi-hot or count vectors (on the device)."""

import torch

from lamina.errors import ConfigurationError, InputError
from lamina.layers.layer import Layer
from lamina.layers.preprocessing._host_layer import (
    check_choice,
    check_sparse,
    encode_categorical,
    encoded_shape,
)


class CategoryEncoding(Layer):
    """Encode integer features as ``one_hot``, ``multi_hot`` or ``count`` vectors of
    ``num_tokens`` columns, as Keras's ``CategoryEncoding`` (ids must lie in
    ``[0, num_tokens)``).

    Args:
        num_tokens: the number of categories.
        output_mode: ``"multi_hot"`` (default), ``"one_hot"`` or ``"count"``.
        sparse: not supported (dense outputs); True raises.

    Call arguments:
        inputs: integer ids, shape ``(batch,)`` or ``(batch, n)``.
        count_weights: per-id weights for ``output_mode="count"``.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.CategoryEncoding(num_tokens=4, output_mode="count")
        >>> layer(torch.tensor([[0, 1], [0, 0], [1, 2], [3, 1]])).tolist()
        [[1.0, 1.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        where = self._where = f"CategoryEncoding '{self.name}'"
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        check_choice(output_mode, "output_mode", ("count", "one_hot", "multi_hot"), where)
        if num_tokens is None:
            raise ConfigurationError(f"{where}: num_tokens must be set. Received: num_tokens=None.")
        if num_tokens < 1:
            raise ConfigurationError(f"{where}: num_tokens must be >= 1. Received: num_tokens={num_tokens}.")
        check_sparse(sparse, where)
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False

    def call(self, inputs, count_weights=None):
        ids = inputs.long() if inputs.is_floating_point() else inputs
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.num_tokens):
            raise InputError(
                f"{self._where}: ids must lie in [0, num_tokens={self.num_tokens}). Received values from "
                f"{int(ids.min())} to {int(ids.max())}. Raise num_tokens or map the ids first."
            )
        if count_weights is not None and self.output_mode != "count":
            raise ConfigurationError(f"{self._where}: count_weights needs output_mode='count'.")
        dtype = getattr(torch, self.dtype)
        return encode_categorical(ids, self.output_mode, self.num_tokens, dtype=dtype, count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}
