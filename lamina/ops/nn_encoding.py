"""Class encodings of ``keras.ops.nn``: ``one_hot`` and ``multi_hot``."""

import torch
import torch.nn.functional as F

from lamina.backend.config import floatx
from lamina.ops.arguments import tensor, to_torch_dtype
from lamina.ops.operation import keras_op


def _refuse_sparse(function, sparse):
    if sparse:
        raise NotImplementedError(
            f"{function}: sparse=True asks for a sparse tensor, which lamina's ops do not return "
            "(torch's sparse layouts do not support the ops that follow). Use sparse=False."
        )


def _one_hot(x, num_classes, axis, dtype):
    x = tensor(x).long()
    encoded = F.one_hot(x.clamp(min=0), num_classes) * (x >= 0).unsqueeze(-1)
    encoded = encoded.to(to_torch_dtype(dtype or floatx()))
    if axis != -1 and axis != encoded.dim() - 1:
        encoded = encoded.movedim(-1, axis)
    return encoded


@keras_op("OneHot", "nn")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """The one-hot encoding of integer ``x`` (negative values encode as all zeros), the class
    axis at ``axis``, in ``dtype`` (default ``floatx``), as ``keras.ops.one_hot``."""
    _refuse_sparse("one_hot", sparse)
    return _one_hot(x, num_classes, axis, dtype)


@keras_op("MultiHot", "nn")
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False):
    """The multi-hot encoding of each row of integer ``inputs`` (1 for each class present),
    as ``keras.ops.multi_hot``."""
    _refuse_sparse("multi_hot", sparse)
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required. Received: num_classes=None.")
    inputs = tensor(inputs)
    encoded = _one_hot(inputs, num_classes, axis, dtype)
    return torch.amax(encoded, dim=1 if inputs.dim() > 1 else 0)
