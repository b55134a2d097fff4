"""Core layers against NumPy / plain PyTorch computations with the same weights."""

import json

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)


def test_dense_matches_numpy_with_keras_layout_weights():
    layer = layers.Dense(5, activation="relu")
    x = rng.normal(size=(7, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 5)).astype(np.float32)  # Keras layout (in, out)
    bias = rng.normal(size=(5,)).astype(np.float32)
    layer(torch.from_numpy(x))
    layer.set_weights([kernel, bias])
    expected = np.maximum(x @ kernel + bias, 0)
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert layer.kernel.shape == (5, 3)  # stored as nn.Linear stores it
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)


def test_dense_matches_nn_linear_with_same_parameters():
    layer = layers.Dense(4)
    linear = torch.nn.Linear(6, 4)
    layer(torch.zeros(1, 6))
    layer.load_state_dict({"kernel": linear.weight.detach(), "bias": linear.bias.detach()})
    x = torch.randn(3, 6)
    torch.testing.assert_close(layer(x), linear(x))


def test_dense_on_higher_rank_inputs_uses_last_axis():
    layer = layers.Dense(2)
    out = layer(torch.ones(4, 3, 5))
    assert out.shape == (4, 3, 2)
    assert layer.compute_output_shape((None, 3, 5)) == (None, 3, 2)


def test_dense_keras_default_initializers():
    layer = layers.Dense(200)
    layer(torch.zeros(1, 300))
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6 / (300 + 200))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert not bias.any()


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ConfigurationError, match=f"Received: units={units!r}"):
        layers.Dense(units)


def test_dense_without_bias():
    layer = layers.Dense(3, use_bias=False)
    layer(torch.zeros(1, 2))
    assert len(layer.weights) == 1 and layer.count_params() == 6


def test_dense_input_size_change_gets_clear_error():
    layer = layers.Dense(3)
    layer(torch.zeros(1, 4))
    with pytest.raises(InputError, match=r"built for inputs of shape \(batch, 4\).*\(2, 5\)"):
        layer(torch.zeros(2, 5))


def test_activation_layer_by_name_matches_torch():
    x = torch.randn(4, 6)
    torch.testing.assert_close(layers.Activation("softmax")(x), torch.softmax(x, -1))
    torch.testing.assert_close(layers.Activation("tanh")(x), torch.tanh(x))


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ConfigurationError, match="relux") as info:
        layers.Dense(3, activation="relux")
    assert "relu" in str(info.value) and "softmax" in str(info.value)


def test_dropout_scales_kept_units_and_is_identity_in_inference():
    layer = layers.Dropout(0.25)
    x = torch.ones(2000, 50)
    y = layer(x, training=True)
    kept = y != 0
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / 0.75))
    assert abs(kept.float().mean().item() - 0.75) < 0.01
    assert torch.equal(layer(x, training=False), x)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_dropout_keeps_each_unit_with_probability_one_minus_rate(rate):
    torch.manual_seed(0)
    n = 2_000_001  # odd: the last 64-bit draw is half used
    kept = int((layers.Dropout(rate)(torch.ones(n), training=True) != 0).sum())
    sigma = (n * rate * (1 - rate)) ** 0.5
    assert abs(kept - n * (1 - rate)) < 5 * sigma


def test_dropout_masks_follow_the_seed_and_differ_between_calls():
    layer = layers.Dropout(0.5)
    torch.manual_seed(3)
    first, second = layer(torch.ones(100, 7), training=True), layer(torch.ones(100, 7), training=True)
    torch.manual_seed(3)
    assert torch.equal(layer(torch.ones(100, 7), training=True), first)
    assert not torch.equal(first, second)


def test_dropout_mask_bits_are_uniform_over_positions():
    # Both 32-bit halves of every 64-bit draw are used: even and odd positions alike.
    torch.manual_seed(1)
    kept = (layers.Dropout(0.5)(torch.ones(400_000), training=True) != 0).float()
    assert abs(kept[0::2].mean().item() - 0.5) < 0.005
    assert abs(kept[1::2].mean().item() - 0.5) < 0.005


def test_dropout_of_an_empty_batch_is_empty():
    assert layers.Dropout(0.5)(torch.ones(0, 3), training=True).shape == (0, 3)


def test_dropout_noise_shape_shares_mask_across_axis():
    y = layers.Dropout(0.5, noise_shape=(None, 1, 4))(torch.ones(8, 6, 4), training=True)
    assert torch.equal(y, y[:, :1, :].expand_as(y))


@pytest.mark.parametrize("rate", [-0.1, 1.0, "0.5"])
def test_dropout_rejects_bad_rate(rate):
    with pytest.raises(ConfigurationError, match="rate"):
        layers.Dropout(rate)


def test_flatten_matches_numpy_and_channels_first_matches_channels_last():
    x = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(layers.Flatten()(torch.from_numpy(x)).numpy(), x.reshape(2, -1))
    channels_first = np.transpose(x, (0, 3, 1, 2))
    out = layers.Flatten(data_format="channels_first")(torch.from_numpy(channels_first))
    np.testing.assert_array_equal(out.numpy(), x.reshape(2, -1))
    assert layers.Flatten().compute_output_shape((None, 3, 4, 5)) == (None, 60)


@pytest.mark.parametrize("shape, memory_format", [((2, 3, 4, 5), torch.channels_last), ((2, 3, 2, 4, 5), torch.channels_last_3d)])
def test_flatten_of_channels_last_memory_returns_gradients_in_that_memory(shape, memory_format):
    # What a channels_first convolution hands a channels_last Flatten on CPU.
    x = torch.randn(shape, dtype=torch.float64).contiguous(memory_format=memory_format).requires_grad_()
    inner = x * 1.0  # not a leaf: autograd hands its gradient on as Flatten returns it
    arrived = []
    inner.register_hook(arrived.append)
    out = layers.Flatten()(inner)
    assert torch.equal(out, x.detach().reshape(shape[0], -1))
    grad = torch.randn_like(out)
    out.backward(grad)
    assert torch.equal(arrived[0], grad.reshape(shape))
    assert arrived[0].is_contiguous(memory_format=memory_format)
    flatten = layers.Flatten()
    assert torch.autograd.gradgradcheck(lambda t: flatten(t) ** 2, (x,))


def test_flatten_rejects_unknown_data_format():
    with pytest.raises(ConfigurationError, match="channels_middle"):
        layers.Flatten(data_format="channels_middle")


def test_reshape_with_inferred_axis():
    x = torch.arange(24.0).reshape(2, 12)
    out = layers.Reshape((3, -1))(x)
    np.testing.assert_array_equal(out.numpy(), x.numpy().reshape(2, 3, 4))
    assert layers.Reshape((3, -1)).compute_output_shape((None, 12)) == (None, 3, 4)
    with pytest.raises(InputError, match="cannot reshape"):
        layers.Reshape((5,)).compute_output_shape((None, 12))


def test_torch_module_wrapped_as_layer_trains_its_parameters():
    block = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    layer = layers.TorchModule(block)
    assert len(layer.trainable_weights) == 4 and len(layer.non_trainable_weights) == 3
    out = layer(torch.randn(5, 3))
    assert out.shape == (5, 4)
    layer.trainable = False
    assert not any(p.requires_grad for p in block.parameters())


@pytest.mark.parametrize("make, attribute", [
    (lambda n: lamina.layers.Dense(n), "units"),
    (lambda n: lamina.layers.Conv2D(n, 3), "filters"),
    (lambda n: lamina.layers.Embedding(n, 2), "input_dim"),
    (lambda n: lamina.layers.LSTM(n), "units"),
    (lambda n: lamina.layers.Resizing(n, 4), "height"),
    (lambda n: lamina.layers.MultiHeadAttention(n, 4), "num_heads"),
    (lambda n: lamina.layers.RepeatVector(n), "n"),
])
def test_sizes_may_be_numpy_integers_and_are_kept_as_python_ints(make, attribute):
    labels = np.array([0, 2, 1])
    layer = make(labels.max() + 1)  # a NumPy int64, as Dense(y.max() + 1) gives
    assert getattr(layer, attribute) == 3 and type(getattr(layer, attribute)) is int
    json.dumps(layer.get_config())
    with pytest.raises(lamina.errors.ConfigurationError, match=f"{attribute} must be a positive integer. Received: {attribute}=np.int64\\(0\\)"):
        make(np.int64(0))
