"""``lamina.ops.linalg`` and ``lamina.ops.image`` against Keras 3 itself."""

import keras
import numpy as np
import pytest
import torch
from oracle import assert_matches, rand

from lamina import ops

R = rand


def _spd(n, dtype="float32", batch=()):
    a = R((*batch, n, n), dtype, low=-1, high=1)
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


LINALG = [
    ("cholesky", (_spd(3),), {}), ("cholesky", (_spd(3, "float64", (2,)),), {"upper": True}),
    ("cholesky_inverse", (np.linalg.cholesky(_spd(3, "float64")),), {}),
    ("det", (_spd(3),), {}), ("det", (R((2, 3, 3), "float64"),), {}),
    ("eigh", (_spd(4, "float64"),), {}),
    ("inv", (_spd(3),), {}), ("inv", (_spd(3, "float64", (2,)),), {}),
    ("lu_factor", (_spd(3, "float64") + np.triu(np.ones((3, 3))),), {}),
    ("matrix_rank", (R((4, 3)),), {}), ("matrix_rank", (np.ones((3, 3), "float32"),), {"tol": 0.5}),
    ("norm", (R((3, 4)),), {}), ("norm", (R((3, 4)),), {"axis": 1}), ("norm", (R((3, 4)),), {"ord": "fro"}),
    ("norm", (R((2, 3, 4), "float64"),), {"ord": 1, "axis": -1, "keepdims": True}),
    ("norm", (R((3, 4)),), {"ord": 2, "axis": (0, 1)}), ("norm", (R((5,), "int32"),), {}),
    ("pinv", (R((4, 3), "float64"),), {}),
    ("qr", (R((4, 3), "float64"),), {}), ("qr", (R((4, 3), "float64"),), {"mode": "complete"}),
    ("solve", (_spd(3), R((3, 2))), {}), ("solve", (_spd(3, "float64", (2,)), R((2, 3, 1), "float64")), {}),
    ("solve_triangular", (np.triu(_spd(3)), R((3, 2))), {}),
    ("solve_triangular", (np.tril(_spd(3, "float64")), R((3,), "float64")), {"lower": True}),
    ("lstsq", (R((5, 3), "float64"), R((5, 2), "float64")), {}),
    ("lstsq", (R((5, 3), "float64"), R((5,), "float64")), {"rcond": 1e-3}),
    ("svd", (R((4, 3), "float64"),), {"compute_uv": False}),
]


def _id(case):
    name, args, kwargs = case
    return f"{name}[{','.join(str(getattr(a, 'shape', a)) for a in args)}]{sorted(kwargs)}"


@pytest.mark.parametrize("case", LINALG, ids=[_id(c) for c in LINALG])
def test_linalg_matches_keras(case):
    name, args, kwargs = case
    assert_matches(getattr(ops.linalg, name)(*args, **kwargs), getattr(keras.ops.linalg, name)(*args, **kwargs),
                   rtol=1e-4, atol=1e-5)


def test_decompositions_reconstruct():
    x = torch.as_tensor(R((4, 3), "float64"))
    u, s, vh = ops.linalg.svd(x, full_matrices=False)
    torch.testing.assert_close(u @ torch.diag(s) @ vh, x)
    values, vectors = ops.linalg.eig(torch.as_tensor(_spd(3, "float64")))
    assert values.dtype == torch.complex128 and vectors.shape == (3, 3)
    out, tangent = ops.linalg.jvp(lambda v: v ** 2, (x,), (torch.ones_like(x),))
    torch.testing.assert_close(tangent, 2 * x)


@pytest.mark.parametrize("name,args", [
    ("inv", (_spd(3, "float64"),)), ("det", (_spd(3, "float64"),)), ("cholesky", (_spd(3, "float64"),)),
    ("solve", (_spd(3, "float64"), R((3, 2), "float64"))), ("pinv", (R((4, 3), "float64"),)),
])
def test_linalg_gradients(name, args):
    leaves = [torch.tensor(a, requires_grad=True) for a in args]
    fn = getattr(ops.linalg, name)
    if name == "cholesky":
        torch.autograd.gradcheck(lambda a: fn((a + a.mT) / 2), leaves)
    else:
        torch.autograd.gradcheck(fn, leaves)


IMAGE = [
    ("resize", (R((2, 6, 5, 3), low=0, high=1), (4, 7)), {}),
    ("resize", (R((6, 5, 3), low=0, high=1), (9, 3)), {"interpolation": "bicubic"}),
    ("resize", (R((2, 3, 6, 5), "float64", low=0, high=1), (3, 2)), {"antialias": True,
                                                                     "data_format": "channels_first"}),
    ("resize", (R((2, 8, 6, 3), low=0, high=1), (4, 4)), {"crop_to_aspect_ratio": True}),
    ("resize", (R((2, 8, 6, 3), low=0, high=1), (4, 4)), {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
    ("resize", (R((2, 6, 6, 3), "uint8", low=0, high=255), (3, 3)), {"interpolation": "nearest"}),
    ("rgb_to_grayscale", (R((2, 4, 5, 3), low=0, high=1),), {}),
    ("rgb_to_grayscale", (R((3, 4, 5), "float64", low=0, high=1),), {"data_format": "channels_first"}),
    ("rgb_to_hsv", (R((2, 4, 5, 3), low=0, high=1),), {}),
    ("hsv_to_rgb", (R((2, 4, 5, 3), low=0, high=1),), {}),
    ("hsv_to_rgb", (R((2, 3, 4, 5), "float64", low=0, high=1),), {"data_format": "channels_first"}),
    ("crop_images", (R((2, 8, 7, 3)),), {"top_cropping": 1, "left_cropping": 2, "target_height": 5,
                                          "target_width": 3}),
    ("crop_images", (R((8, 7, 3)),), {"bottom_cropping": 2, "right_cropping": 1, "target_height": 4,
                                       "target_width": 5}),
    ("pad_images", (R((2, 4, 5, 3)),), {"top_padding": 1, "left_padding": 2, "target_height": 7,
                                         "target_width": 9}),
    ("pad_images", (R((2, 3, 4, 5)),), {"bottom_padding": 2, "right_padding": 1, "top_padding": 0,
                                         "left_padding": 3, "data_format": "channels_first"}),
    ("extract_patches", (R((2, 8, 6, 3)), 2), {}),
    ("extract_patches", (R((2, 8, 7, 3)), (3, 2)), {"strides": (2, 1), "padding": "same"}),
    ("extract_patches", (R((2, 3, 8, 6)), 2), {"data_format": "channels_first"}),
]


@pytest.mark.parametrize("case", IMAGE, ids=[_id(c) for c in IMAGE])
def test_image_matches_keras(case):
    name, args, kwargs = case
    assert_matches(getattr(ops.image, name)(*args, **kwargs), getattr(keras.ops.image, name)(*args, **kwargs),
                   rtol=1e-4, atol=1e-4)


def test_unsupported_image_ops_raise_clearly():
    with pytest.raises(NotImplementedError, match="Lanczos"):
        ops.image.resize(torch.ones(1, 4, 4, 1), (2, 2), interpolation="lanczos3")


def test_resize_gradients():
    x = torch.tensor(R((1, 4, 5, 2), "float64"), requires_grad=True)
    torch.autograd.gradcheck(lambda v: ops.image.resize(v, (3, 7)), [x])
