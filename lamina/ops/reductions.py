"""Reductions of ``keras.ops`` (``mean``, ...)."""

import torch

from lamina.ops.operation import keras_op


@keras_op("Mean")
def mean(x, axis=None, keepdims=False):
    """The mean of ``x`` over ``axis`` (all axes when None), as ``keras.ops.mean``."""
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.to(torch.float32)
    if axis is None:
        result = x.mean()
        return result.reshape((1,) * x.dim()) if keepdims else result
    return x.mean(axis, keepdims)
