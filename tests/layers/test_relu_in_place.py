"""Layers apply a ReLU activation in place on their own fresh output; results and
gradients must equal ReLU applied to the same layer without activation."""

import pytest
import torch

from lamina import layers

pytestmark = pytest.mark.usefixtures("float64_layers")

CASES = [
    ("conv2d", lambda act: layers.Conv2D(4, 3, activation=act), (2, 7, 7, 3)),
    ("conv2d channels_first", lambda act: layers.Conv2D(4, 3, activation=act, data_format="channels_first"), (2, 3, 7, 7)),
    ("conv1d causal", lambda act: layers.Conv1D(4, 3, padding="causal", activation=act), (2, 9, 3)),
    ("dense", lambda act: layers.Dense(5, activation=act), (6, 3)),
    ("dense on sequences", lambda act: layers.Dense(5, activation=act), (2, 4, 3)),
    ("depthwise", lambda act: layers.DepthwiseConv2D(3, depth_multiplier=2, activation=act), (2, 7, 7, 3)),
    ("separable", lambda act: layers.SeparableConv2D(4, 3, activation=act), (2, 7, 7, 3)),
    # Keras's "same" crop without a bias: the output is a view, ReLU runs out of place.
    ("transposed, cropped", lambda act: layers.Conv2DTranspose(3, 4, strides=3, padding="same", use_bias=False, activation=act), (2, 4, 4, 3)),
    ("transposed", lambda act: layers.Conv2DTranspose(3, 3, strides=2, activation=act), (2, 4, 4, 3)),
]


@pytest.mark.parametrize("name, make, shape", CASES, ids=[c[0] for c in CASES])
def test_relu_layer_equals_relu_of_the_linear_layer_with_the_same_weights(name, make, shape):
    torch.manual_seed(0)
    with_relu, linear = make("relu"), make(None)
    x = torch.randn(shape, dtype=torch.float64)
    with_relu(x), linear(x)
    linear.set_weights(with_relu.get_weights())
    x_a, x_b = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_a, out_b = with_relu(x_a), torch.relu(linear(x_b))
    assert torch.equal(out_a, out_b)
    grad = torch.randn_like(out_a)
    out_a.backward(grad)
    out_b.backward(grad)
    assert torch.equal(x_a.grad, x_b.grad)
    for mine, theirs in zip(with_relu.parameters(), linear.parameters()):
        assert torch.equal(mine.grad, theirs.grad)


def test_second_derivatives_through_an_in_place_relu():
    layer = layers.Conv2D(2, 3, activation="relu")
    x = torch.randn(1, 5, 5, 2, dtype=torch.float64)
    layer(x)
    assert torch.autograd.gradgradcheck(lambda t: layer(t) ** 2, (x.requires_grad_(),))


def test_inference_output_is_the_same_in_and_out_of_grad_mode():
    layer = layers.Conv2D(3, 3, activation="relu")
    x = torch.randn(2, 6, 6, 1, dtype=torch.float64)
    with torch.no_grad():
        first = layer(x)
    assert torch.equal(first, layer(x).detach())
    assert (first >= 0).all()
