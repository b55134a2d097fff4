"""ReLU, LeakyReLU, PReLU, ELU, Softmax and Identity layers against real Keras 3
(KERAS_BACKEND=torch): outputs, gradients and configs for the same arguments and inputs."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina.errors import ConfigurationError, InputError

# Values on every boundary the arguments below create: 0, the thresholds, the caps.
EDGES = torch.tensor([[-3.0, -0.5, 0.0, 0.1, 0.5, 1.0, 2.0, 6.0, 7.5]])

CASES = [
    ("relu", lambda L: L.ReLU()),
    ("relu capped", lambda L: L.ReLU(max_value=2.0)),
    ("relu6", lambda L: L.ReLU(max_value=6.0)),
    ("relu threshold", lambda L: L.ReLU(threshold=0.5)),
    ("relu all three", lambda L: L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5)),
    ("relu slope", lambda L: L.ReLU(negative_slope=0.2)),
    ("leaky default", lambda L: L.LeakyReLU()),
    ("leaky 0.01", lambda L: L.LeakyReLU(negative_slope=0.01)),
    ("elu", lambda L: L.ELU()),
    ("elu 0.5", lambda L: L.ELU(alpha=0.5)),
    ("softmax", lambda L: L.Softmax()),
    ("identity", lambda L: L.Identity()),
]


def keras_output_and_grad(layer, x):
    x = x.clone().requires_grad_()
    out = layer(x)
    out.backward(torch.linspace(-1, 1, out.numel()).reshape(out.shape))
    return out.detach(), x.grad


@pytest.mark.parametrize("name, make", CASES, ids=[c[0] for c in CASES])
def test_outputs_gradients_and_configs_match_keras(name, make):
    ours, theirs = make(lamina.layers), make(keras.layers)
    out, grad = keras_output_and_grad(ours, EDGES)
    expected_out, expected_grad = keras_output_and_grad(theirs, EDGES)
    torch.testing.assert_close(out, expected_out)
    torch.testing.assert_close(grad, expected_grad)
    config, keras_config = ours.get_config(), theirs.get_config()
    for key in set(keras_config) - {"name", "dtype"}:
        assert config[key] == keras_config[key], key


@pytest.mark.parametrize("shared_axes", [None, [1], [1, 2]])
def test_prelu_matches_keras_with_the_same_slopes(shared_axes):
    x = torch.tensor(np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32"))
    x[0, 0, :2] = 0.0
    ours, theirs = lamina.layers.PReLU(shared_axes=shared_axes), keras.layers.PReLU(shared_axes=shared_axes)
    ours(x), theirs(x)
    slopes = np.random.default_rng(1).uniform(-0.5, 0.5, size=theirs.get_weights()[0].shape).astype("float32")
    theirs.set_weights([slopes])
    ours.set_weights([slopes])
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    out, grad = keras_output_and_grad(ours, x)
    expected_out, expected_grad = keras_output_and_grad(theirs, x)
    torch.testing.assert_close(out, expected_out)
    torch.testing.assert_close(grad, expected_grad)
    assert ours.get_config()["shared_axes"] == theirs.get_config()["shared_axes"]


@pytest.mark.parametrize("mask", [
    [[True, False, True, True]],
    [[1.0, 0.0, 0.7, 0.2]],  # numbers: > 0.5 keeps, as in Keras
    [[True], [False]],  # broadcast over the last axis: a fully masked row is all zeros
])
def test_softmax_with_a_mask_matches_keras(mask):
    x = torch.tensor([[1.0, 2.0, 3.0, -1.0], [0.5, 0.5, 0.5, 0.5]])
    m = torch.tensor(mask)
    expected = keras.layers.Softmax()(x, mask=m)
    torch.testing.assert_close(lamina.layers.Softmax()(x, mask=m), expected)


def test_softmax_over_several_axes_matches_keras():
    x = torch.randn(2, 3, 4)
    torch.testing.assert_close(lamina.layers.Softmax(axis=[1, 2])(x), keras.layers.Softmax(axis=[1, 2])(x))
    torch.testing.assert_close(lamina.layers.Softmax(axis=(1,))(x), keras.layers.Softmax(axis=(1,))(x))


def test_softmax_output_layer_trains_from_its_logits():
    # A crossentropy on a Softmax layer's output reads its logits, as after Dense(softmax).
    logits = torch.tensor([[50.0, -50.0]], requires_grad=True)
    probabilities = lamina.layers.Softmax()(logits)
    loss = lamina.losses.SparseCategoricalCrossentropy()(torch.tensor([1]), probabilities)
    assert torch.isfinite(loss) and float(loss) == pytest.approx(100.0)


def test_a_mask_that_cannot_broadcast_is_refused():
    with pytest.raises(InputError, match=r"Softmax '.*': the mask must broadcast.*mask.shape=\(2, 3\)"):
        lamina.layers.Softmax()(torch.zeros(2, 4), mask=torch.ones(2, 3, dtype=torch.bool))


@pytest.mark.parametrize("make, message", [
    (lambda: lamina.layers.ReLU(max_value=-1), r"ReLU '.*': max_value must be a number >= 0 or None. Received: max_value=-1"),
    (lambda: lamina.layers.ReLU(negative_slope=None), r"negative_slope must be a number >= 0. Received: negative_slope=None"),
    (lambda: lamina.layers.ReLU(threshold=-0.5), r"threshold must be a number >= 0"),
    (lambda: lamina.layers.LeakyReLU(negative_slope=-0.1), r"LeakyReLU '.*': negative_slope must be a number >= 0"),
    (lambda: lamina.layers.PReLU(shared_axes=[0]), r"PReLU '.*': shared_axes must be axis numbers >= 1"),
])
def test_bad_arguments_name_the_layer_and_the_argument(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()


def test_prelu_needs_known_unshared_axes():
    inputs = lamina.Input((None, 4))
    with pytest.raises(InputError, match=r"PReLU '.*': every axis but the batch axis must be known, or shared"):
        lamina.layers.PReLU()(inputs)
    assert lamina.layers.PReLU(shared_axes=[1])(inputs).shape == (None, None, 4)
    with pytest.raises(InputError, match=r"shared_axes=\[3\] names axis 3, but the input has 3 axes"):
        lamina.layers.PReLU(shared_axes=[3])(inputs)


def test_leaky_relu_takes_keras_2s_alpha_with_a_warning():
    with pytest.warns(DeprecationWarning, match="negative_slope"):
        layer = lamina.layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == pytest.approx(0.1)
    rebuilt = lamina.layers.LeakyReLU.from_config(layer.get_config())
    assert rebuilt.negative_slope == pytest.approx(0.1)


def test_masks_pass_through_the_activation_layers():
    inputs = lamina.Input((3,), dtype="int32")
    x = lamina.layers.Embedding(5, 2, mask_zero=True)(inputs)
    for layer in (lamina.layers.ReLU(), lamina.layers.LeakyReLU(), lamina.layers.ELU(), lamina.layers.Identity()):
        x = layer(x)
    model = lamina.Model(inputs, x)
    out = model(torch.tensor([[1, 0, 2]]))
    assert out._keras_mask.tolist() == [[True, False, True]]
