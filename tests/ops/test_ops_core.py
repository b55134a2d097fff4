"""``lamina.ops`` core and math functions against Keras 3 itself: values, result dtypes,
control flow, custom gradients."""

import keras
import numpy as np
import pytest
import torch
from oracle import assert_matches, rand

from lamina import ops

R = rand
FLOATS = ("float32", "float64", "float16")

CASES = [
    *[(name, (R((3, 4), dtype, low=-0.9, high=0.9),), {}) for name in ("erf", "erfc", "erfinv") for dtype in FLOATS],
    *[(name, (R((3, 4), "int32", low=-1, high=1),), {}) for name in ("erf", "erfc")],
    *[("rsqrt", (R((3, 4), dtype, low=0.1, high=4),), {}) for dtype in FLOATS],
    ("rsqrt", (R((2, 3), "int32", low=1, high=9),), {}),
    ("erf", (np.float32(0.3),), {}),
    ("erf", (R((0, 3)),), {}),
    *[("logsumexp", (R((3, 4, 2), dtype),), kw) for dtype in ("float32", "float64")
      for kw in ({}, {"axis": 1}, {"axis": (0, -1), "keepdims": True}, {"keepdims": True})],
    ("logsumexp", (R((3, 4), "int32"),), {"axis": -1}),
    ("top_k", (R((3, 7)), 3), {}),
    ("top_k", (R((2, 3, 7), "float64"), 2), {}),
    ("top_k", (R((4, 6), "int32", low=-1000, high=1000), 1), {}),
    ("in_top_k", (np.array([0, 3, 1]), R((3, 5)), 2), {}),
    ("logdet", (np.eye(3, dtype="float32") * 2 + R((3, 3), low=-0.2, high=0.2),), {}),
    ("logdet", (np.stack([np.eye(2) * 3] * 2) + R((2, 2, 2), "float64", low=-0.3, high=0.3),), {}),
    ("cdist", (R((4, 3)), R((5, 3))), {}),
    ("cdist", (R((2, 4, 3), "float64"), R((2, 5, 3), "float64")), {}),
    ("view_as_complex", (R((3, 2)),), {}),
    ("view_as_real", (R((3, 2)).view(np.complex64)[:, 0],), {}),
    ("segment_sum", (R((5, 3)), np.array([0, 0, 1, 2, 2])), {}),
    ("segment_sum", (R((5,), "int32"), np.array([0, 2, 1, 2, 0])), {"num_segments": 4}),
    ("segment_max", (R((5, 3)), np.array([0, 0, 1, 2, 2])), {}),
    ("segment_min", (R((5, 3)), np.array([0, 1, 1, 2, 2])), {"num_segments": 3}),
    ("segment_prod", (R((5, 3)), np.array([0, 0, 1, 2, 2])), {}),
    ("segment_sum", (R((5, 2)), np.array([0, 0, 1, 5, 2])), {"num_segments": 3}),
    ("fft", ((R((3, 8)), R((3, 8))),), {}),
    ("fft2", ((R((2, 4, 6), "float64"), R((2, 4, 6), "float64")),), {}),
    ("ifft2", ((R((4, 6)), R((4, 6))),), {}),
    ("rfft", (R((3, 10)),), {}),
    ("rfft", (R((3, 10), "float64"),), {"fft_length": 16}),
    ("irfft", ((R((3, 6)), R((3, 6))),), {}),
    ("irfft", ((R((3, 6)), R((3, 6))),), {"fft_length": 8}),
    ("extract_sequences", (R((2, 20)), 5, 3), {}),
    ("stft", (R((2, 40)), 8, 4, 8), {}),
    ("stft", (R((2, 3, 40), "float64"), 6, 3, 8), {"window": "hamming", "center": False}),
    ("stft", (R((40,)), 8, 2, 16), {"window": None}),
    ("istft", ((R((2, 11, 5)), R((2, 11, 5))), 8, 4, 8), {}),
    ("istft", ((R((2, 11, 5), "float64"), R((2, 11, 5), "float64")), 6, 3, 8), {"center": False}),
    ("istft", ((R((11, 9)), R((11, 9))), 16, 4, 16), {"length": 30, "window": "hamming"}),
    # core
    ("cast", (R((2, 3)), "int32"), {}),
    ("cast", (R((2, 3), "int32"), "float16"), {}),
    ("saturate_cast", (R((2, 3), low=-500, high=500), "uint8"), {}),
    ("saturate_cast", (R((2, 3), "int32", low=-50000, high=50000), "int16"), {}),
    ("saturate_cast", (R((2, 3), "float64", low=-1e6, high=1e6), "int8"), {}),
    ("slice", (R((4, 5, 6)), (1, 0, 2), (2, 5, 3)), {}),
    ("slice_update", (R((4, 5)), (1, 2), R((2, 3))), {}),
    ("scatter", (np.array([[0, 1], [2, 0], [0, 1]]), R((3,)), (3, 2)), {}),
    ("scatter", (np.array([[1], [0]]), R((2, 4)), (3, 4)), {}),
    ("scatter_update", (R((4, 3)), np.array([[0, 1], [3, 2]]), R((2,))), {}),
    ("scatter_update", (R((4, 3)), np.array([[0], [3]]), R((2, 3))), {"reduction": "add"}),
    ("scatter_update", (R((4, 3)), np.array([[0, 1], [0, 1], [2, 2]]), R((3,))), {"reduction": "max"}),
    ("scatter_update", (R((4, 3)), np.array([[0, 1], [2, 2]]), R((2,))), {"reduction": "mul"}),
    ("unstack", (R((3, 4)),), {}),
    ("unstack", (R((3, 4)),), {"axis": -1}),
    ("stop_gradient", (R((3,)),), {}),
    ("convert_to_tensor", (R((2, 2), "int16"),), {}),
    ("convert_to_tensor", ([1.5, 2],), {"dtype": "float64"}),
    ("rearrange", (R((2, 6, 4)), "b (h w) c -> b h w c"), {"h": 2}),
    ("rearrange", (R((2, 3, 4)), "b h w -> w (b h)"), {}),
]


def _id(case):
    name, args, kwargs = case
    shapes = ",".join(str(getattr(a, "shape", a)) for a in args)
    return f"{name}[{shapes}]{sorted(kwargs)}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_matches_keras(case):
    name, args, kwargs = case
    # Keras's torch unstack and stop_gradient take only torch tensors.
    keras_args = [torch.as_tensor(a) for a in args] if name in ("unstack", "stop_gradient") else args
    expected = getattr(keras.ops, name)(*keras_args, **kwargs)
    assert_matches(getattr(ops, name)(*args, **kwargs), expected, rtol=1e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["shape", "dtype", "is_tensor"])
@pytest.mark.parametrize("value", [R((2, 3)), R((2,), "int32"), torch.ones(2, dtype=torch.float16), torch.tensor(3)])
def test_introspection_matches_keras(name, value):
    assert getattr(ops, name)(value) == getattr(keras.ops, name)(value)


def test_numbers_and_lists_take_keras_dtypes():
    assert (ops.shape(3), ops.dtype(3), ops.dtype(2.5), ops.dtype([1, 2]), ops.shape([[1], [2]])) == (
        (), "int32", "float32", "int32", (2, 1))


@pytest.mark.parametrize("value", [torch.arange(4.0, requires_grad=True), R((2,), "int32"), [1.5, 2]])
def test_convert_to_numpy(value):
    out = ops.convert_to_numpy(value)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, keras.ops.convert_to_numpy(value))


def test_rearrange_with_ellipsis():
    x = torch.arange(120.0).reshape(2, 3, 4, 5)
    torch.testing.assert_close(ops.rearrange(x, "b ... c -> c b ..."), x.permute(3, 0, 1, 2))
    torch.testing.assert_close(ops.rearrange(x, "b h w c -> b (h w) c"), x.reshape(2, 12, 5))


def test_control_flow():
    x = torch.tensor(3.0, requires_grad=True)
    assert ops.cond(x > 2, lambda: x * 2, lambda: x).item() == 6.0
    assert ops.switch(5, [lambda a: a + 1, lambda a: a * 10], x).item() == 30.0
    assert ops.switch(-1, [lambda a: a + 1, lambda a: a * 10], x).item() == 4.0
    out = ops.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, v * x), (0, torch.tensor(1.0)))
    assert out[0].item() == 4 and out[1].item() == 81.0
    assert ops.while_loop(lambda v: v < 100, lambda v: v * 2, 1, maximum_iterations=3).item() == 8
    total = ops.fori_loop(0, 4, lambda i, v: v + i * x, torch.tensor(0.0))
    total.backward()
    assert total.item() == 18.0 and x.grad.item() == 6.0


def test_scan_and_map_match_keras():
    xs = R((5, 3))

    def step(carry, x):
        return carry + x, carry * x

    for reverse in (False, True):
        ours = ops.scan(step, np.zeros(3, "float32"), xs, reverse=reverse)
        theirs = keras.ops.scan(step, keras.ops.zeros(3), xs, reverse=reverse)
        assert_matches(list(ours), list(theirs))
    nested = ops.scan(lambda c, x: ({"a": c["a"] + x[0]}, x[1]), {"a": torch.zeros(3)}, (xs, xs * 2))
    torch.testing.assert_close(nested[0]["a"], torch.as_tensor(xs.sum(0)))
    assert ops.scan(lambda c, _: (c + 1, None), 0, length=4)[0].item() == 4
    assert_matches(ops.map(lambda v: v * 2, xs), keras.ops.map(lambda v: v * 2, xs))
    assert_matches(ops.vectorized_map(lambda v: v.sum(), torch.as_tensor(xs)),
                   keras.ops.vectorized_map(lambda v: v.sum(), torch.as_tensor(xs)))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
def test_associative_scan_matches_keras(reverse, axis):
    xs = R((4, 5))
    assert_matches(ops.associative_scan(lambda a, b: a + b, xs, reverse=reverse, axis=axis),
                   keras.ops.associative_scan(lambda a, b: a + b, xs, reverse=reverse, axis=axis))
    pair = (xs, xs * 2)
    ours = ops.associative_scan(lambda a, b: (a[0] * b[0], a[1] + b[1]), pair, reverse=reverse, axis=axis)
    theirs = keras.ops.associative_scan(lambda a, b: (a[0] * b[0], a[1] + b[1]), pair, reverse=reverse, axis=axis)
    assert_matches(list(ours), list(theirs))


def test_custom_gradient_as_keras_torch_backend():
    @ops.custom_gradient
    def clipped_square(x):
        def grad(*args, upstream=None):
            return upstream * torch.clamp(2 * args[0], -1.0, 1.0)

        return x * x, grad

    x = torch.tensor([-2.0, 0.25, 3.0], requires_grad=True)
    clipped_square(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([-1.0, 0.5, 1.0]))


def test_stop_gradient_blocks_gradients():
    x = torch.tensor(2.0, requires_grad=True)
    (x * ops.stop_gradient(x)).backward()
    assert x.grad.item() == 2.0


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="xs"):
        ops.scan(lambda c, x: (c, x), 0)
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(torch.zeros(3), torch.tensor([[0]]), torch.ones(1), reduction="avg")
    with pytest.raises(ValueError, match="real, imag"):
        ops.fft(torch.ones(3))
    with pytest.raises(ValueError, match="one side"):
        ops.rearrange(torch.ones(2, 3), "a b -> a")


GRADIENT_CASES = [
    ("erf", (R((3,), "float64"),)), ("erfc", (R((3,), "float64"),)), ("erfinv", (R((3,), "float64", -0.8, 0.8),)),
    ("rsqrt", (R((3,), "float64", 0.5, 2),)), ("logsumexp", (R((2, 3), "float64"),)),
    ("logdet", (np.eye(3) * 2 + R((3, 3), "float64", -0.2, 0.2),)), ("cdist", (R((3, 2), "float64"), R((4, 2), "float64"))),
    ("segment_sum", (R((4, 2), "float64"), np.array([0, 1, 1, 0]))),
    ("segment_max", (R((4, 2), "float64"), np.array([0, 1, 1, 0]))),
    ("rfft", (R((8,), "float64"),)), ("extract_sequences", (R((2, 10), "float64"), 4, 2)),
    ("stft", (R((30,), "float64"), 8, 4, 8)),
    ("slice_update", (R((3, 4), "float64"), (1, 1), R((2, 2), "float64"))),
    ("scatter_update", (R((3, 4), "float64"), np.array([[0, 1]]), R((1,), "float64"))),
]


@pytest.mark.parametrize("case", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradients(case):
    name, args = case
    positions = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == np.float64]
    leaves = [torch.tensor(args[i], requires_grad=True) for i in positions]

    def function(*values):
        call = list(args)
        for i, value in zip(positions, values):
            call[i] = value
        return getattr(ops, name)(*call)

    torch.autograd.gradcheck(function, leaves)
