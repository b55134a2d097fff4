"""EinsumDense, AlphaDropout, Wrapper, SpectralNormalization, ReversibleEmbedding,
TorchModuleWrapper and Pipeline against real Keras 3."""

import numpy as np
import pytest
import torch
from oracle import check_config_round_trip, check_keras_files_both_ways, compare_with_keras

from lamina import layers
from lamina.errors import ConfigurationError

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


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
    keras = pytest.importorskip("keras")
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
    keras = pytest.importorskip("keras")
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
    keras = pytest.importorskip("keras")
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
    keras = pytest.importorskip("keras")
    x = rng.integers(0, 10, size=(3, 5)).astype(np.int32) if shape is None else normal(*shape)
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
    keras = pytest.importorskip("keras")
    ids = rng.integers(0, 12, size=(3, 5)).astype(np.int32)
    layer, theirs, out = compare_with_keras("ReversibleEmbedding", dict(input_dim=12, output_dim=4, **kwargs), ids)
    vectors = normal(3, 5, 4)
    a = layer(torch.tensor(vectors), reverse=True)
    b = theirs(torch.tensor(vectors), reverse=True)
    np.testing.assert_allclose(a.detach().numpy(), np.asarray(b.detach()), atol=1e-5)
    assert layer.compute_output_shape((None, 5, 4), reverse=True) == (None, 5, 12)
    check_config_round_trip(layer)
    assert keras


def test_reversible_embedding_files_both_ways(tmp_path):
    ids = rng.integers(0, 12, size=(3, 5)).astype(np.int32)
    check_keras_files_both_ways(tmp_path, lambda L: L.ReversibleEmbedding(12, 4, tie_weights=False), (5,), ids,
                                integer=True)


# ---- Pipeline ---------------------------------------------------------------------------


def test_pipeline_applies_layers_in_order_and_round_trips_with_keras(tmp_path):
    keras = pytest.importorskip("keras")
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
