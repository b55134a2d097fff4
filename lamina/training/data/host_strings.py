"""String inputs in an in-memory dataset: they stay on the host.

A model that starts with a string preprocessing layer (``TextVectorization``,
``StringLookup``, ``Hashing``...) is fed NumPy string arrays. ``HostStrings`` wraps such an
array with the few tensor methods the batching code uses (``to``, ``index_select``,
slicing), so batches are NumPy string arrays that the first layer turns into ids on the
device. Nothing is copied to the device.
"""

import numpy as np
import torch


class HostStrings:
    """A NumPy array of strings standing where a tensor of inputs would be."""

    is_floating_point = staticmethod(lambda: False)
    device = torch.device("cpu")

    def __init__(self, array):
        self.array = array
        self.shape = array.shape

    def dim(self):
        return self.array.ndim

    def to(self, *args, **kwargs):
        return self

    def index_select(self, axis, indices):
        return HostStrings(np.take(self.array, indices.cpu().numpy(), axis=axis))

    def __getitem__(self, key):
        return self.array[key]

    def __len__(self):
        return len(self.array)


def is_string_array(array):
    """Whether a NumPy array holds text (``<U``, ``S`` or an object array of str/bytes)."""
    if array.dtype.kind in "US":
        return True
    if array.dtype.kind == "O" and array.size:
        first = array.reshape(-1)[0]
        return isinstance(first, (str, bytes))
    return False
