"""Activations against NumPy formulas, and the name registry."""

import math

import numpy as np
import pytest
import torch

from lamina import activations
from lamina.errors import ConfigurationError

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _inputs():
    rng = np.random.default_rng(0)
    random = rng.normal(scale=4.0, size=(5, 12))
    landmarks = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 1e-3, -1e-3, 25.0])
    return np.concatenate([random, landmarks[None, :]], axis=0)


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_softplus(x):
    return np.logaddexp(0.0, x)


def _np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _np_softmax(x, axis=-1):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _np_hard_sigmoid(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


_erf = np.vectorize(math.erf)

REFERENCES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _np_sigmoid,
    "softmax": _np_softmax,
    "log_softmax": lambda x: np.log(_np_softmax(x)),
    "tanh": np.tanh,
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "elu": _np_elu,
    "selu": lambda x: SELU_SCALE * _np_elu(x, SELU_ALPHA),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(np.expm1(np.minimum(x, 0)), 0),
    "softplus": _np_softplus,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "silu": lambda x: x * _np_sigmoid(x),
    "swish": lambda x: x * _np_sigmoid(x),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "hard_sigmoid": _np_hard_sigmoid,
    "hard_silu": lambda x: x * _np_hard_sigmoid(x),
    "hard_swish": lambda x: x * _np_hard_sigmoid(x),
    "mish": lambda x: x * np.tanh(_np_softplus(x)),
    "exponential": np.exp,
    "linear": lambda x: x,
    "crelu": lambda x: np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], axis=-1),
    "glu": lambda x: x[:, :6] * _np_sigmoid(x[:, 6:]),
    "hard_tanh": lambda x: np.clip(x, -1.0, 1.0),
    "log_sigmoid": lambda x: -np.logaddexp(0.0, -x),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4.0)) / 2.0,
    "sparse_plus": lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
}


def test_every_registered_name_has_a_reference():
    assert set(REFERENCES) == set(activations.ALL_NAMES)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_matches_numpy_formula(name):
    x = _inputs()
    result = getattr(activations, name)(torch.tensor(x, dtype=torch.float64))
    np.testing.assert_allclose(result.numpy(), REFERENCES[name](x), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_float32_keeps_dtype_and_shape(name):
    x = torch.tensor(_inputs(), dtype=torch.float32)
    expected = REFERENCES[name](_inputs())
    result = activations.get(name)(x)
    assert result.dtype == torch.float32
    np.testing.assert_allclose(result.numpy(), expected, rtol=2e-5, atol=2e-5)


def _np_keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    kept = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        kept = np.clip(kept, 0.0, max_value)
    return np.where(x > threshold, kept, negative_slope * (x - threshold))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 6.0},
        {"max_value": 2.5},
        {"negative_slope": 0.3},
        {"threshold": 1.5},
        {"threshold": -1.0},
        {"threshold": -1.0, "max_value": 3.0},
        {"negative_slope": 0.1, "max_value": 4.0},
        {"negative_slope": 0.5, "threshold": 2.0, "max_value": 5.0},
    ],
)
def test_relu_options_follow_keras(kwargs):
    x = _inputs()
    result = activations.relu(torch.tensor(x), **kwargs)
    np.testing.assert_allclose(result.numpy(), _np_keras_relu(x, **kwargs), rtol=1e-12)


def test_relu_matches_keras_documented_examples():
    x = torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    assert activations.relu(x).tolist() == [0, 0, 0, 5, 10]
    assert activations.relu(x, negative_slope=0.5).tolist() == [-5, -2.5, 0, 5, 10]
    assert activations.relu(x, max_value=5.0).tolist() == [0, 0, 0, 5, 5]
    assert activations.relu(x, threshold=5.0).tolist() == [0, 0, 0, 0, 10]


def test_relu_with_threshold_is_differentiable():
    x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    activations.relu(x, negative_slope=0.1, threshold=1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.1, 0.1, 1.0])


def test_gelu_approximate_uses_tanh_formula():
    x = _inputs()
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
    expected = 0.5 * x * (1.0 + np.tanh(inner))
    result = activations.gelu(torch.tensor(x), approximate=True)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-7, atol=1e-9)


def test_arguments_of_elu_leaky_relu_and_shrinks():
    x = _inputs()
    t = torch.tensor(x)
    np.testing.assert_allclose(activations.elu(t, alpha=0.5).numpy(), _np_elu(x, 0.5))
    np.testing.assert_allclose(
        activations.leaky_relu(t, negative_slope=0.01).numpy(), np.where(x > 0, x, 0.01 * x)
    )
    np.testing.assert_allclose(
        activations.hard_shrink(t, threshold=2.0).numpy(), np.where(np.abs(x) > 2, x, 0.0)
    )


def test_softmax_over_other_axis_and_tuple_axis():
    x = np.random.default_rng(1).normal(size=(3, 4, 5))
    t = torch.tensor(x)
    np.testing.assert_allclose(activations.softmax(t, axis=1).numpy(), _np_softmax(x, axis=1))
    shifted = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    expected = shifted / shifted.sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(activations.softmax(t, axis=(1, 2)).numpy(), expected)
    np.testing.assert_allclose(
        activations.log_softmax(t, axis=(1, 2)).numpy(), np.log(expected), atol=1e-12
    )


def test_softmax_over_single_unit_warns():
    with pytest.warns(UserWarning, match="axis of size 1"):
        result = activations.softmax(torch.zeros(4, 1) + 3.0)
    assert torch.equal(result, torch.ones(4, 1))


def test_get_and_serialize_round_trip_for_every_name():
    for name in activations.ALL_NAMES:
        fn = activations.get(name)
        assert fn is getattr(activations, name)
        assert activations.get(name.upper()) is fn
        assert activations.get(activations.serialize(fn)) is fn


def test_aliases_serialize_to_keras_3_names():
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(activations.hard_swish) == "hard_silu"
    assert activations.serialize(activations.relu) == "relu"


def test_get_none_callable_and_keras_dict():
    assert activations.get(None) is activations.linear
    assert activations.get(torch.sin) is torch.sin
    assert activations.get({"class_name": "function", "config": "relu"}) is activations.relu


def test_serialize_other_callables_uses_their_name():
    def my_activation(x):
        return x * 2

    # A function is written as Keras writes it (issue #16 item 6), so loading can find it.
    assert activations.serialize(my_activation) == {
        "module": "builtins", "class_name": "function", "config": "my_activation", "registered_name": "function"
    }
    assert activations.serialize(torch.nn.ReLU()) == "ReLU"


def test_unknown_name_lists_valid_names():
    with pytest.raises(ConfigurationError) as info:
        activations.get("relux")
    message = str(info.value)
    assert "Received: activation='relux'" in message
    for name in activations.ALL_NAMES:
        assert name in message
    assert isinstance(info.value, ValueError)


def test_non_callable_identifier_is_refused():
    with pytest.raises(ConfigurationError, match="Received: activation=3"):
        activations.get(3)
