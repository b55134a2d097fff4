"""``HashedCrossing``: cross categorical features and hash the combination into bins."""

import numpy as np
import torch

from lamina.errors import InputError
from lamina.layers.preprocessing._fingerprints import (
    CROSS_HASH_KEY,
    fingerprint64,
    fingerprint_cat64,
)
from lamina.layers.preprocessing._host_layer import (
    HostLayer,
    check_choice,
    check_sparse,
    encode_categorical,
    host_array,
    to_device,
)

_M = 0xFFFFFFFFFFFFFFFF


class HashedCrossing(HostLayer):
    """Hash the cross of two or more categorical features into ``num_bins`` bins, with
    the hash of TensorFlow's ``tf.sparse.cross_hashed`` that Keras uses (strings are
    fingerprinted with FarmHash, integers taken as they are, chained with
    ``FingerprintCat64`` from the key ``0xDECAFCAFFE``).

    Args:
        num_bins: the number of bins.
        output_mode: ``"int"`` or ``"one_hot"``.
        sparse: not supported (dense outputs); True raises.

    Example:
        >>> import numpy as np, lamina
        >>> layer = lamina.layers.HashedCrossing(num_bins=5)
        >>> layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102]))).tolist()
        [1, 4, 1, 1, 3]
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._where = f"HashedCrossing '{self.name}'"
        check_choice(output_mode, "output_mode", ("int", "one_hot"), self._where)
        check_sparse(sparse, self._where)
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, False

    def _output_torch_dtype(self):
        return getattr(torch, self.dtype)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise InputError(f"{self._where}: call it on a list or tuple of at least two inputs. Received: {inputs!r:.200}.")
        arrays = [host_array(x, self._where) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise InputError(f"{self._where}: inputs must have shape (), (batch,) or (batch, 1). Received: shape={shape}.")
        if any(a.shape != shape for a in arrays[1:]):
            raise InputError(f"{self._where}: all inputs must have the same shape. Received: {[a.shape for a in arrays]}.")
        columns = []
        for a in arrays:
            flat = a.reshape(-1)
            if a.dtype.kind == "O":
                columns.append([fingerprint64(str(v).encode("utf-8")) for v in flat])
            elif a.dtype.kind in "iu":
                columns.append([int(v) & _M for v in flat])
            else:
                raise InputError(f"{self._where}: inputs must be integers or strings. Received dtype {a.dtype}.")
        out = []
        for values in zip(*columns):
            h = CROSS_HASH_KEY
            for v in values:
                h = fingerprint_cat64(h, v)
            out.append(h % self.num_bins)
        ids = to_device(np.asarray(out, dtype=np.int64).reshape(shape))
        if self.output_mode == "int":
            return ids.to(self._output_torch_dtype())
        return encode_categorical(ids, "one_hot", self.num_bins, dtype=self._output_torch_dtype())

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if first and first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": False,
                "name": self.name, "dtype": self.dtype}

