"""Shared helpers of the ``lamina.ops`` oracle tests: run a function in lamina and in Keras 3
(``KERAS_BACKEND=torch``) on the same arguments and compare values and dtypes."""

import numpy as np
import torch


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.numpy()
    return np.asarray(value)


def dtype_name(value):
    return str(value.dtype).replace("torch.", "") if hasattr(value, "dtype") else type(value).__name__


def assert_matches(ours, theirs, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Same structure, dtypes and (close) values."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            assert_matches(a, b, rtol, atol, check_dtype)
        return
    assert isinstance(ours, torch.Tensor), f"expected a torch tensor, got {type(ours)}"
    if check_dtype:
        assert dtype_name(ours) == dtype_name(theirs), (dtype_name(ours), dtype_name(theirs))
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.dtype.kind in "fc" and a.dtype.itemsize <= 2 or str(a.dtype) == "float16":
        rtol, atol = max(rtol, 2e-3), max(atol, 2e-3)
    np.testing.assert_allclose(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                               b.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


def rand(shape, dtype="float32", low=-3.0, high=3.0, seed=0):
    rng = np.random.default_rng(seed + sum(shape) * 7 + len(shape))
    if dtype.startswith("int") or dtype.startswith("uint"):
        return rng.integers(int(low), int(high) + 1, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    return rng.uniform(low, high, size=shape).astype(dtype)
