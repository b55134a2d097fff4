"""Conv1D, Conv2D and Conv3D (see ``BaseConv`` for the arguments)."""

from lamina.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution over ``(batch, steps, channels)`` (or channels first).

    ``padding="causal"`` pads only the start, so output step ``t`` sees inputs ``<= t``.

    Example:
        >>> import torch, lamina
        >>> lamina.layers.Conv1D(8, 3, padding="causal")(torch.zeros(2, 10, 4)).shape
        torch.Size([2, 10, 8])
    """

    rank = 1


class Conv2D(BaseConv):
    """2-D convolution over ``(batch, rows, cols, channels)`` (or channels first).

    Example:
        >>> import torch, lamina
        >>> lamina.layers.Conv2D(32, 3, activation="relu")(torch.zeros(2, 28, 28, 1)).shape
        torch.Size([2, 26, 26, 32])
    """

    rank = 2


class Conv3D(BaseConv):
    """3-D convolution over ``(batch, dim1, dim2, dim3, channels)`` (or channels first)."""

    rank = 3
