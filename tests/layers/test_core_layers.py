"""Core layers against NumPy / plain PyTorch computations with the same weights; EinsumDense,
AlphaDropout, Wrapper, SpectralNormalization, ReversibleEmbedding, TorchModuleWrapper and
Pipeline against real Keras 3."""

import json

import keras
import numpy as np
import pytest
import torch
from oracle import check_config_round_trip, check_keras_files_both_ways, compare_with_keras

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


# ---- EinsumDense, AlphaDropout, wrappers, ReversibleEmbedding, TorchModuleWrapper, Pipeline against Keras ----

wrapper_rng = np.random.default_rng(0)


def normal(*shape):
    return wrapper_rng.normal(size=shape).astype(np.float32)


# ---- EinsumDense ----------------------------------------------------------------------

EINSUM_CASES = [
    (dict(equation="ab,bc->ac", output_shape=4, bias_axes="c"), (3, 5)),
    (dict(equation="abc,cd->abd", output_shape=(None, 4), bias_axes="d", activation="relu"), (2, 3, 5)),
    (dict(equation="abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de"), (2, 3, 5)),
    (dict(equation="abc,cde->abde", output_shape=(None, 2, 4), bias_axes="e"), (2, 3, 5)),
    (dict(equation="...b,bc->...c", output_shape=4, bias_axes="c"), (2, 3, 4, 5)),
    (dict(equation="abcd,cde->abe", output_shape=(3, 6), bias_axes="b"), (2, 3, 4, 5)),
    (dict(equation="ab...,bc->ac...", output_shape=4, bias_axes="c"), (2, 5, 3, 2)),
    (dict(equation="abcd,bce->ade", output_shape=(7, 6)), (2, 3, 4, 7)),
]


@pytest.mark.parametrize("kwargs, shape", EINSUM_CASES)
def test_einsum_dense_matches_keras(kwargs, shape):
    layer, theirs, out = compare_with_keras("EinsumDense", kwargs, normal(*shape))
    assert [w.shape for w in layer.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    # Keras's compute_output_shape reverses two or more left-elided axes; the call's shape is the truth.
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *out.shape[1:])
    check_config_round_trip(layer)
    assert keras  # the oracle ran


def test_einsum_dense_files_both_ways(tmp_path):
    x = normal(4, 3, 5)
    check_keras_files_both_ways(
        tmp_path, lambda L: L.EinsumDense("abc,cde->abde", (None, 2, 4), bias_axes="de", activation="tanh"), (3, 5), x
    )


def test_einsum_dense_kernel_fans_follow_the_equation():
    # glorot over (in=64, out=2*32): the per-element std is sqrt(2 / (64 + 64)).
    layer = layers.EinsumDense("ab,bcd->acd", output_shape=(2, 32), kernel_initializer="glorot_normal")
    layer(torch.ones(1, 64))
    std = float(layer.kernel.detach().std())
    assert abs(std - (2 / 128) ** 0.5) < 0.02


@pytest.mark.parametrize("bad", [dict(lora_rank=4), dict(quantization_config={"mode": "int8"})])
def test_einsum_dense_refuses_lora_and_quantization(bad):
    with pytest.raises(ConfigurationError, match="not supported by lamina"):
        layers.EinsumDense("ab,bc->ac", 4, **bad)


def test_einsum_dense_bad_equation_and_axes_are_explained():
    with pytest.raises(ConfigurationError, match="Received: equation='ab->b'"):
        layers.EinsumDense("ab->b", 4)
    with pytest.raises(ConfigurationError, match="bias_axes"):
        layers.EinsumDense("ab,bc->ac", 4, bias_axes="z")(torch.ones(2, 3))
    with pytest.raises(ConfigurationError, match="shared axis 'b'"):
        layers.EinsumDense("abc,cd->abd", (5, 4))(torch.ones(2, 3, 6))


# ---- AlphaDropout ---------------------------------------------------------------------


def test_alpha_dropout_keeps_selu_statistics_and_is_identity_in_inference():
    x = torch.randn(20000, 8)
    layer = layers.AlphaDropout(0.3, seed=3)
    assert torch.equal(layer(x), x)
    out = layer(x, training=True)
    ref = keras.layers.AlphaDropout(0.3, seed=3)(x, training=True)
    for a in (out, ref):
        assert abs(float(a.mean())) < 0.03 and abs(float(a.std()) - 1) < 0.03
    # dropped entries all take one value, as in Keras
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a_ = ((1 - 0.3) * (1 + 0.3 * alpha_p**2)) ** -0.5
    dropped = a_ * alpha_p - a_ * alpha_p * 0.3
    assert abs(float((out - dropped).abs().lt(1e-5).float().mean()) - 0.3) < 0.02
    shared = layers.AlphaDropout(0.5, noise_shape=(None, 1))(torch.ones(4, 6), training=True)
    assert bool((shared == shared[:, :1]).all())
    check_config_round_trip(layers.AlphaDropout(0.2, noise_shape=(None, 1), seed=4))
    with pytest.raises(ConfigurationError, match="rate"):
        layers.AlphaDropout(1.5)


# ---- Wrapper, TorchModuleWrapper -------------------------------------------------------


def test_wrapper_builds_delegates_and_round_trips_its_layer():
    wrapped = layers.Wrapper(layers.Dense(3))
    assert wrapped(torch.ones(2, 4)).shape == (2, 3)
    config = wrapped.get_config()
    assert config["layer"]["class_name"] == "Dense"
    again = layers.Wrapper.from_config(config)
    assert isinstance(again.layer, layers.Dense) and again.layer.units == 3
    with pytest.raises(ConfigurationError, match="lamina layer"):
        layers.Wrapper(torch.nn.Linear(2, 2))


def test_torch_module_wrapper_is_keras_call_convention_on_torch_module():
    layer = layers.TorchModuleWrapper(torch.nn.Bilinear(2, 3, 4), output_shape=(None, 4))
    assert isinstance(layer, layers.TorchModule)
    assert layer(torch.ones(5, 2), torch.ones(5, 3)).shape == (5, 4)
    assert layer.compute_output_shape((None, 2)) == (None, 4)
    assert len(layer.get_weights()) == 2
    dropout = layers.TorchModuleWrapper(torch.nn.Dropout(0.5))
    assert torch.equal(dropout(torch.ones(3, 4), training=False), torch.ones(3, 4))
    with pytest.raises(NotImplementedError, match="no config"):
        layer.get_config()


def test_keras_alias_names_exist():
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.InputSpec(ndim=3).ndim == 3
    assert keras.layers.Convolution1DTranspose is keras.layers.Conv1DTranspose


# ---- SpectralNormalization --------------------------------------------------------------


@pytest.mark.parametrize("make, shape", [
    (lambda L: L.Dense(5), (4, 6)),
    (lambda L: L.Conv2D(3, 3), (2, 6, 6, 2)),
    (lambda L: L.Embedding(10, 4), None),
])
def test_spectral_normalization_matches_keras_in_training(make, shape):
    x = wrapper_rng.integers(0, 10, size=(3, 5)).astype(np.int32) if shape is None else normal(*shape)
    ours = layers.SpectralNormalization(make(layers), power_iterations=2)
    theirs = keras.layers.SpectralNormalization(make(keras.layers), power_iterations=2)
    ours(torch.tensor(x))
    theirs(torch.tensor(x))
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    theirs.set_weights(ours.get_weights())
    for _ in range(3):
        a = ours(torch.tensor(x), training=True)
        b = theirs(torch.tensor(x), training=True)
        if shape is not None:  # Keras casts an Embedding's output to the ids' dtype (all zeros); lamina does not
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
    for w_a, w_b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w_a, w_b, atol=1e-5)
    kernel = ours.get_weights()[0].reshape(-1, ours.get_weights()[0].shape[-1])
    assert abs(np.linalg.svd(kernel, compute_uv=False)[0] - 1) < 0.1
    check_config_round_trip(ours)


def test_spectral_normalization_files_both_ways(tmp_path):
    x = normal(3, 6)
    check_keras_files_both_ways(tmp_path, lambda L: L.SpectralNormalization(L.Dense(4)), (6,), x)


def test_spectral_normalization_needs_a_kernel():
    with pytest.raises(ConfigurationError, match="no 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(layers.Flatten())(torch.ones(2, 3))


# ---- ReversibleEmbedding ---------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [dict(), dict(tie_weights=False), dict(logit_soft_cap=2.0, mask_zero=True)])
def test_reversible_embedding_matches_keras_both_directions(kwargs):
    ids = wrapper_rng.integers(0, 12, size=(3, 5)).astype(np.int32)
    layer, theirs, out = compare_with_keras("ReversibleEmbedding", dict(input_dim=12, output_dim=4, **kwargs), ids)
    vectors = normal(3, 5, 4)
    a = layer(torch.tensor(vectors), reverse=True)
    b = theirs(torch.tensor(vectors), reverse=True)
    np.testing.assert_allclose(a.detach().numpy(), np.asarray(b.detach()), atol=1e-5)
    assert layer.compute_output_shape((None, 5, 4), reverse=True) == (None, 5, 12)
    check_config_round_trip(layer)
    assert keras


def test_reversible_embedding_files_both_ways(tmp_path):
    ids = wrapper_rng.integers(0, 12, size=(3, 5)).astype(np.int32)
    check_keras_files_both_ways(tmp_path, lambda L: L.ReversibleEmbedding(12, 4, tie_weights=False), (5,), ids,
                                integer=True)


# ---- Pipeline ---------------------------------------------------------------------------


def test_pipeline_applies_layers_in_order_and_round_trips_with_keras(tmp_path):
    x = normal(3, 4, 4, 2)
    pipe = layers.Pipeline([layers.Rescaling(0.5, offset=1.0), layers.Flatten()])
    theirs = keras.layers.Pipeline([keras.layers.Rescaling(0.5, offset=1.0), keras.layers.Flatten()])
    np.testing.assert_allclose(pipe(torch.tensor(x)).numpy(), np.asarray(theirs(x)), atol=1e-6)
    assert pipe.compute_output_shape((None, 4, 4, 2)) == (None, 32)
    config = pipe.get_config()
    assert set(config) == {"layers", "name"}
    assert [c["class_name"] for c in keras.layers.Pipeline.from_config(config).get_config()["layers"]] == [
        "Rescaling", "Flatten"]
    again = layers.Pipeline.from_config(theirs.get_config())
    np.testing.assert_allclose(again(torch.tensor(x)).numpy(), np.asarray(theirs(x)), atol=1e-6)
    check_keras_files_both_ways(
        tmp_path, lambda L: L.Pipeline([L.Rescaling(0.5, offset=1.0), L.Flatten()]), (4, 4, 2), x
    )
    with pytest.raises(ConfigurationError, match="list of lamina layers"):
        layers.Pipeline(layers.Flatten())
