"""Integer and boolean inputs to layers whose math is in floats.

Keras's ``Dense``, recurrent and normalization layers accept an int64 multi-hot vector or
a boolean tensor: their math promotes it to the layer's float dtype (``Dense(4)`` on int64
gives float32). PyTorch's kernels (``F.linear``, ``F.batch_norm``) refuse mixed dtypes, so
these layers cast first. Floating inputs pass untouched: the check is their only cost.
"""

from lamina.backend.dtypes import to_torch_dtype


def as_float(inputs, dtype):
    """``inputs``, or for integer/boolean inputs their values in ``dtype`` (a name or torch dtype)."""
    if inputs.is_floating_point() or inputs.is_complex():
        return inputs
    return inputs.to(to_torch_dtype(dtype))
