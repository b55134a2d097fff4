"""Permute and RepeatVector: reorder or repeat the non-batch axes."""

from lamina.errors import ConfigurationError, InputError
from lamina.layers.argument_checks import positive_int
from lamina.layers.layer import Layer


class Permute(Layer):
    """Reorder the non-batch axes: ``dims`` is a permutation of ``1..rank-1`` (1-based, as Keras).

    Example:
        >>> import torch, lamina
        >>> lamina.layers.Permute((2, 1))(torch.zeros(4, 10, 64)).shape
        torch.Size([4, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self._where = f"Permute '{self.name}'"
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            dims = None
        if dims is None or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ConfigurationError(
                f"{self._where}: dims must be a permutation of 1..n (axis 0, the batch, stays "
                f"first), e.g. (2, 1). Received: dims={dims!r}."
            )
        self.dims = dims

    def build(self, input_shape):
        self._check(len(input_shape))

    def _check(self, rank):
        if rank != len(self.dims) + 1:
            raise InputError(
                f"{self._where}: dims={self.dims} permutes {len(self.dims)} axes, but the inputs "
                f"have {rank - 1} non-batch axes."
            )

    def call(self, inputs):
        if inputs.dim() != len(self.dims) + 1:
            self._check(inputs.dim())
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        self._check(len(input_shape))
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeat a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self._where = f"RepeatVector '{self.name}'"
        self.n = positive_int(n, "n", self._where)

    def build(self, input_shape):
        self._check(len(input_shape))

    def _check(self, rank):
        if rank != 2:
            raise InputError(
                f"{self._where} expects inputs of rank 2, (batch, features). Received inputs of "
                f"rank {rank}; flatten them first (layers.Flatten())."
            )

    def call(self, inputs):
        if inputs.dim() != 2:
            self._check(inputs.dim())
        return inputs.unsqueeze(1).repeat(1, self.n, 1)

    def compute_output_shape(self, input_shape):
        self._check(len(input_shape))
        return (input_shape[0], self.n, input_shape[1])

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {**super().get_config(), "n": self.n}
