"""EinsumDense, AlphaDropout, Wrapper, SpectralNormalization, ReversibleEmbedding,
TorchModuleWrapper and Pipeline against real Keras 3."""

import numpy as np
import pytest
import torch
from layer_oracle import check_config_round_trip, check_keras_files_both_ways, compare_with_keras

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
