"""``Hashing``: strings or integers to ``num_bins`` buckets with Keras's hashes."""

import numpy as np
import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing._fingerprints import fingerprint64, siphash64
from lamina.layers.preprocessing._host_layer import (
    HostLayer,
    check_choice,
    check_sparse,
    encode_categorical,
    host_array,
    to_device,
)


class Hashing(HostLayer):
    """Hash strings or integers into ``num_bins`` bins, exactly as Keras does.

    The hash is FarmHash ``Fingerprint64`` (TensorFlow's ``to_hash_bucket_fast``), or
    SipHash-2-4 keyed by ``salt`` (``to_hash_bucket_strong``); integers (and floats,
    truncated to integers) are hashed as their decimal strings. With ``mask_value`` set,
    bin 0 is kept for it and the other values hash into bins ``1..num_bins-1``.

    Args:
        num_bins: the number of bins (including the mask bin).
        mask_value: a value mapped to bin 0, or None.
        salt: an int or two ints: use the keyed SipHash.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: not supported (dense outputs); True raises.

    Example:
        >>> import lamina
        >>> lamina.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).tolist()
        [[1], [0], [1], [1], [2]]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        where = self._where = f"Hashing '{self.name}'"
        if num_bins is None or num_bins <= 0:
            raise ConfigurationError(f"{where}: num_bins must be a positive int. Received: num_bins={num_bins!r}.")
        check_choice(output_mode, "output_mode", ("int", "one_hot", "multi_hot", "count"), where)
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ConfigurationError(f"{where}: output_mode='int' needs dtype 'int32' or 'int64'. Received: dtype={self.dtype!r}.")
        check_sparse(sparse, where)
        if salt is not None:
            if isinstance(salt, int):
                salt = [salt, salt]
            elif isinstance(salt, (list, tuple)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            else:
                raise ConfigurationError(f"{where}: salt must be an int or a pair of ints. Received: salt={salt!r}.")
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.output_mode, self.sparse = output_mode, False

    def _output_torch_dtype(self):
        return getattr(torch, self.dtype)

    def hash_values(self, values):
        """Bin numbers (a NumPy int64 array) of a host array of strings or numbers."""
        bins, mask = self.num_bins, None
        flat = values.reshape(-1)
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = np.fromiter((v == self.mask_value for v in flat), dtype=bool, count=len(flat))
        if values.dtype.kind == "f":
            flat = flat.astype(np.int64)
        if values.dtype.kind != "O":
            flat = [str(int(v)) for v in flat]
        if self.salt is not None:
            k0, k1 = self.salt
            out = [siphash64(k0, k1, v.encode("utf-8")) % bins for v in flat]
        else:
            out = [fingerprint64(v.encode("utf-8")) % bins for v in flat]
        out = np.asarray(out, dtype=np.int64)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out.reshape(values.shape)

    def call(self, inputs):
        values = host_array(inputs, self._where)
        ids = to_device(self.hash_values(values))
        if self.output_mode == "int":
            return ids.to(self._output_torch_dtype())
        return encode_categorical(ids, self.output_mode, self.num_bins, dtype=self._output_torch_dtype())

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self):
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": False,
        }
