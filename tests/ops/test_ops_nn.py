"""``lamina.ops.nn`` against Keras 3 itself: values and result dtypes, edge cases, gradients."""

import keras
import numpy as np
import pytest
import torch
from oracle import assert_matches, rand

from lamina import ops

R = rand
ACTIVATIONS = [
    "celu", "elu", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "leaky_relu",
    "log_sigmoid", "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softplus", "softsign", "sparse_plus",
    "sparse_sigmoid", "squareplus", "swish", "tanh_shrink",
]
# Keras's torch backend has integer kernels for these only; the others compute in floatx here.
INTEGER_SAFE = {"relu", "relu6", "hard_tanh", "sigmoid", "softsign", "sparse_plus", "sparse_sigmoid", "squareplus",
                "tanh_shrink"}

CASES = [
    *[(name, (R((2, 5), dtype),), {}) for name in ACTIVATIONS for dtype in ("float32", "float64", "float16")],
    *[(name, (R((3, 4), "int32"),), {}) for name in sorted(INTEGER_SAFE)],
    *[(name, (R((0, 3)),), {}) for name in ("relu", "sigmoid", "gelu")],
    *[(name, (np.float32(0.7),), {}) for name in ACTIVATIONS],
    ("gelu", (R((4, 3)),), {"approximate": False}),
    ("elu", (R((4, 3)),), {"alpha": 0.5}),
    ("celu", (R((4, 3)),), {"alpha": 2.0}),
    ("leaky_relu", (R((4, 3)),), {"negative_slope": 0.1}),
    ("hard_shrink", (R((4, 3)),), {"threshold": 1.0}),
    ("soft_shrink", (R((4, 3)),), {"threshold": 1.0}),
    ("squareplus", (R((4, 3)),), {"b": 2}),
    ("threshold", (R((4, 3)), 0.7, -1.0), {}),
    ("threshold", (R((4, 3), "int32"), 1, 5), {}),
    ("glu", (R((4, 6)),), {}),
    ("glu", (R((4, 6, 2)),), {"axis": 1}),
    *[(name, (R((3, 5), dtype),), kw) for name in ("softmax", "log_softmax")
      for dtype in ("float32", "float64") for kw in ({}, {"axis": 0})],
    ("softmax", (R((2, 3, 4)),), {"axis": (1, 2)}),
    ("log_softmax", (R((2, 3, 4)),), {"axis": (0, 2)}),
    # convolutions
    ("conv", (R((2, 9, 3)), R((3, 3, 4))), {}),
    ("conv", (R((2, 9, 3)), R((3, 3, 4))), {"padding": "same", "strides": 2}),
    ("conv", (R((2, 8, 7, 4)), R((3, 2, 2, 6))), {"padding": "same", "dilation_rate": (2, 1)}),
    ("conv", (R((2, 4, 8, 7)), R((3, 3, 4, 5))), {"data_format": "channels_first", "strides": (2, 1)}),
    ("conv", (R((1, 5, 5, 4, 2)), R((2, 3, 2, 2, 3))), {"padding": "same"}),
    ("conv", (R((2, 8, 8, 3), "float64"), R((3, 3, 3, 2), "float64")), {"padding": "same", "strides": 2}),
    ("depthwise_conv", (R((2, 8, 7, 3)), R((3, 3, 3, 2))), {"padding": "same"}),
    ("depthwise_conv", (R((2, 9, 3)), R((2, 3, 1))), {"strides": 2}),
    ("separable_conv", (R((2, 8, 7, 3)), R((3, 3, 3, 2)), R((1, 1, 6, 4))), {"padding": "same"}),
    ("conv_transpose", (R((2, 5, 3)), R((3, 4, 3))), {"strides": 2}),
    ("conv_transpose", (R((2, 5, 6, 3)), R((3, 3, 4, 3))), {"strides": 2, "padding": "same"}),
    ("conv_transpose", (R((2, 5, 6, 3)), R((2, 2, 4, 3))), {"strides": 2, "padding": "same"}),
    ("conv_transpose", (R((2, 5, 6, 3)), R((3, 3, 4, 3))), {"strides": 2, "padding": "valid", "output_padding": 1}),
    ("conv_transpose", (R((2, 3, 5, 6)), R((3, 3, 4, 3))), {"strides": (1, 2), "data_format": "channels_first"}),
    # pooling (symmetric 'same' windows: Keras's torch backend counts asymmetric padding in the mean)
    ("max_pool", (R((2, 8, 3)),), {"pool_size": 2}),
    ("max_pool", (R((2, 7, 6, 3)),), {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("max_pool", (R((2, 3, 7, 6)),), {"pool_size": (2, 3), "data_format": "channels_first"}),
    ("average_pool", (R((2, 8, 6, 3)),), {"pool_size": 2}),
    ("average_pool", (R((2, 7, 7, 3)),), {"pool_size": 3, "strides": 1, "padding": "same"}),
    ("average_pool", (R((2, 4, 4, 4, 2)),), {"pool_size": 2}),
    ("adaptive_average_pool", (R((2, 7, 9, 3)),), {"output_size": (3, 4)}),
    ("adaptive_max_pool", (R((2, 3, 10)),), {"output_size": 4, "data_format": "channels_first"}),
    ("adaptive_average_pool", (R((2, 10, 3)),), {"output_size": 3}),
    # losses
    ("binary_crossentropy", (R((4, 3), low=0, high=1), R((4, 3), low=0.01, high=0.99)), {}),
    ("binary_crossentropy", (R((4, 3), low=0, high=1), R((4, 3))), {"from_logits": True}),
    ("categorical_crossentropy", (np.eye(4, 5, dtype="float32"), R((4, 5), low=0.05, high=1)), {}),
    ("categorical_crossentropy", (np.eye(4, 5, dtype="float32"), R((4, 5))), {"from_logits": True}),
    ("categorical_crossentropy", (np.eye(5, 4, dtype="float64").T, R((4, 5), "float64")), {"from_logits": True,
                                                                                              "axis": 0}),
    ("sparse_categorical_crossentropy", (np.array([0, 3, 1, 2]), R((4, 5), low=0.05, high=1)), {}),
    ("sparse_categorical_crossentropy", (np.array([[0], [3], [1], [2]]), R((4, 5))), {"from_logits": True}),
    ("sparse_categorical_crossentropy", (np.array([[0, 1, 2], [2, 2, 0]]), R((2, 3, 3))), {"from_logits": True}),
    ("ctc_loss", (np.array([[1, 2, 2], [3, 1, 0]]), R((2, 6, 4)), np.array([3, 2]), np.array([6, 5])), {}),
    ("ctc_decode", (R((2, 6, 4)), np.array([6, 4])), {}),
    ("ctc_decode", (R((2, 6, 4)), np.array([5, 6])), {"merge_repeated": False, "mask_index": 3}),
    ("psnr", (R((2, 4, 4, 3), low=0, high=1), R((2, 4, 4, 3), low=0, high=1)), {"max_val": 1.0}),
    # normalizations
    ("moments", (R((3, 4, 5)),), {"axes": [0, 1]}),
    ("moments", (R((3, 4, 5), "float16"),), {"axes": [2], "keepdims": True}),
    ("moments", (R((3, 4, 5), "float64"),), {"axes": (-1,)}),
    ("batch_normalization", (R((3, 4)), R((4,)), R((4,), low=0.5, high=2)), {"axis": -1}),
    ("batch_normalization", (R((3, 4, 5)), R((4,)), R((4,), low=0.5, high=2)),
     {"axis": 1, "offset": R((4,)), "scale": R((4,))}),
    ("layer_normalization", (R((3, 6)),), {}),
    ("layer_normalization", (R((3, 6)), R((6,)), R((6,))), {"epsilon": 1e-3}),
    ("layer_normalization", (R((3, 4, 6), "float16"), R((6,)), R((6,))), {}),
    ("layer_normalization", (R((3, 4, 6)), R((4, 6))), {"axis": [1, 2]}),
    ("rms_normalization", (R((3, 6)),), {}),
    ("rms_normalization", (R((3, 6), "float64"), R((6,), "float64")), {"epsilon": 1e-4}),
    ("rms_normalization", (R((3, 4, 6)),), {"axis": [1, 2]}),
    ("normalize", (R((3, 6)),), {}),
    ("normalize", (R((3, 6)),), {"axis": 0, "order": 1}),
    ("polar", (R((3, 4), low=0.1, high=2), R((3, 4))), {}),
    # encodings and blocks
    ("one_hot", (np.array([0, 2, -1, 1]), 3), {}),
    ("one_hot", (np.array([[0, 2], [1, 1]]), 4), {"axis": 0, "dtype": "int32"}),
    ("one_hot", (np.array([[0, 2], [1, 1]]), 4), {"axis": 1}),
    ("multi_hot", (np.array([[0, 2], [1, 1]]),), {"num_classes": 4}),
    ("multi_hot", (np.array([0, 2, 2]),), {"num_classes": 3, "dtype": "int32"}),
    ("depth_to_space", (R((2, 3, 4, 8)), 2), {}),
    ("depth_to_space", (R((2, 8, 3, 4)), 2), {"data_format": "channels_first"}),
    ("space_to_depth", (R((2, 6, 4, 3)), 2), {}),
    ("space_to_depth", (R((2, 3, 6, 4)), 2), {"data_format": "channels_first"}),
    ("unfold", (R((2, 3, 6, 5)), 2), {}),
    ("unfold", (R((2, 3, 6, 5)), (3, 2)), {"stride": 2, "padding": 1, "dilation": 1}),
    ("fold", (R((2, 12, 20)),), {"output_size": (5, 6), "kernel_size": 2}),
    # attention
    ("dot_product_attention", (R((2, 5, 3, 4)), R((2, 6, 3, 4)), R((2, 6, 3, 4))), {}),
    ("dot_product_attention", (R((2, 5, 4, 4)), R((2, 5, 2, 4)), R((2, 5, 2, 4))), {"is_causal": True}),
    ("dot_product_attention", (R((2, 5, 3, 4)), R((2, 6, 3, 4)), R((2, 6, 3, 4))),
     {"mask": R((2, 3, 5, 6), "bool"), "scale": 0.3}),
    ("dot_product_attention", (R((2, 5, 3, 4)), R((2, 6, 3, 4)), R((2, 6, 3, 4))), {"bias": R((2, 3, 5, 6))}),
]


def _id(case):
    name, args, kwargs = case
    shapes = ",".join(str(getattr(a, "shape", a)) for a in args)
    return f"{name}[{shapes}]{sorted(kwargs)}"


def _keras_kwargs(kwargs):
    return {k: v for k, v in kwargs.items()}


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_matches_keras(case):
    name, args, kwargs = case
    # Keras's torch unfold/fold take only torch tensors.
    keras_args = [torch.as_tensor(a) if isinstance(a, np.ndarray) else a for a in args] if name in ("fold", "unfold") else args
    expected = getattr(keras.ops.nn, name)(*keras_args, **kwargs)
    assert_matches(getattr(ops.nn, name)(*args, **kwargs), expected, rtol=2e-5, atol=2e-5)
    tensor_args = [torch.as_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    tensor_kwargs = {k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    assert_matches(getattr(ops.nn, name)(*tensor_args, **tensor_kwargs), expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["celu", "elu", "gelu", "selu", "silu", "softplus", "sigmoid", "log_sigmoid"])
def test_integer_inputs_compute_in_floatx(name):
    out = getattr(ops.nn, name)(np.array([-2, 0, 3], dtype="int32"))
    expected = getattr(keras.ops.nn, name)(np.array([-2.0, 0.0, 3.0], dtype="float32"))
    assert_matches(out, expected)


def _sparsemax_reference(row):
    z = np.sort(row)[::-1]
    k = np.arange(1, len(z) + 1)
    support = 1 + k * z > np.cumsum(z)
    tau = (np.cumsum(z)[support][-1] - 1) / support.sum()
    return np.maximum(row - tau, 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparsemax_projects_onto_the_simplex(dtype):
    # Keras 3.15's torch sparsemax sums every cumulative sum in the support (not the k-th):
    # the reference here is the paper's algorithm (Martins & Astudillo, 2016).
    x = R((4, 7), dtype, high=4.0)
    out = ops.nn.sparsemax(x)
    assert out.dtype == torch.float32 if dtype == "float32" else torch.float64
    np.testing.assert_allclose(out.numpy(), np.stack([_sparsemax_reference(r) for r in x]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.nn.sparsemax(x.T, axis=0).numpy(), out.numpy().T, rtol=1e-5, atol=1e-6)


def test_normalizations_over_a_middle_axis_with_weights():
    # Keras's torch path hands these to F.layer_norm/F.rms_norm over the wrong axes and fails.
    x, gamma, beta = (torch.as_tensor(R(s, "float64")) for s in ((3, 4, 6), (4,), (4,)))
    mean, var = x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True)
    expected = (x - mean) / torch.sqrt(var + 1e-3) * gamma[:, None] + beta[:, None]
    torch.testing.assert_close(ops.nn.layer_normalization(x, gamma, beta, axis=1, epsilon=1e-3), expected)
    rms = x / torch.sqrt(x.square().mean(1, keepdim=True) + 1e-7)
    torch.testing.assert_close(ops.nn.rms_normalization(x, axis=1), rms)


def test_asymmetric_same_average_pool_averages_real_positions():
    x = torch.arange(16.0).reshape(1, 4, 4, 1)
    out = ops.nn.average_pool(x, 2, strides=1, padding="same")
    assert out[0, 3, 3, 0] == 15.0
    assert out[0, 0, 3, 0] == (3.0 + 7.0) / 2


def test_attention_soft_cap_squashes_logits():
    q, k, v = (torch.randn(1, 3, 2, 4, dtype=torch.float64) for _ in range(3))
    out = ops.nn.dot_product_attention(q, k, v, attn_logits_soft_cap=0.5)
    logits = torch.einsum("bqhd,bkhd->bhqk", q, k) / 2.0
    probs = torch.softmax(0.5 * torch.tanh(logits / 0.5), dim=-1)
    torch.testing.assert_close(out, torch.einsum("bhqk,bkhd->bqhd", probs, v))


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="axis"):
        ops.nn.glu(torch.ones(3))
    with pytest.raises(ValueError, match="strategy"):
        ops.nn.ctc_decode(torch.ones(1, 2, 3), torch.tensor([2]), strategy="beam")
    with pytest.raises(NotImplementedError, match="synchronized"):
        ops.nn.moments(torch.ones(3), axes=0, synchronized=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        ops.nn.one_hot(torch.tensor([1]), 3, sparse=True)


GRADIENT_CASES = [
    *[(name, (R((2, 3), "float64"),), {}) for name in ACTIVATIONS if name not in ("hard_shrink", "soft_shrink")],
    ("softmax", (R((2, 3), "float64"),), {}),
    ("log_softmax", (R((2, 3), "float64"),), {"axis": 0}),
    ("glu", (R((2, 4), "float64"),), {}),
    ("conv", (R((1, 5, 5, 2), "float64"), R((3, 3, 2, 2), "float64")), {"padding": "same", "strides": 2}),
    ("conv_transpose", (R((1, 4, 2), "float64"), R((3, 2, 2), "float64")), {"strides": 2, "padding": "same"}),
    ("depthwise_conv", (R((1, 5, 2), "float64"), R((3, 2, 2), "float64")), {}),
    ("average_pool", (R((1, 5, 5, 2), "float64"),), {"pool_size": 2, "padding": "same"}),
    ("binary_crossentropy", (R((3,), "float64", 0, 1), R((3,), "float64")), {"from_logits": True}),
    ("categorical_crossentropy", (np.eye(3), R((3, 3), "float64", 0.1, 1)), {}),
    ("layer_normalization", (R((2, 4), "float64"), R((4,), "float64"), R((4,), "float64")), {}),
    ("rms_normalization", (R((2, 4), "float64"), R((4,), "float64")), {}),
    ("normalize", (R((2, 4), "float64"),), {}),
    ("dot_product_attention", (R((1, 3, 2, 2), "float64"), R((1, 3, 2, 2), "float64"),
                               R((1, 3, 2, 2), "float64")), {"is_causal": True}),
]


@pytest.mark.parametrize("case", GRADIENT_CASES, ids=[_id(c) for c in GRADIENT_CASES])
def test_gradients(case):
    name, args, kwargs = case
    float_positions = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == np.float64
                       and not (name.endswith("crossentropy") and i == 0)]
    leaves = [torch.tensor(args[i], requires_grad=True) for i in float_positions]

    def function(*values):
        call = list(args)
        for i, value in zip(float_positions, values):
            call[i] = value
        return getattr(ops.nn, name)(*call, **kwargs)

    torch.autograd.gradcheck(function, leaves)
