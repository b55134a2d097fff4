"""Pooling layers (adaptive ones too, with Keras's bins) against real Keras 3, NumPy references
and torch.nn.functional; configs and `.keras` files."""

import keras
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import (
    check_config_round_trip,
    check_keras_files_both_ways,
    compare_with_keras,
    keras_output,
)

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError
from lamina.ops.conv_utils import same_padding

rng = np.random.default_rng(1)
FORMATS = ["channels_last", "channels_first"]


def images(data_format, shape=(2, 9, 8, 3)):
    x = rng.normal(size=shape).astype(np.float32)
    return x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def average_pool_reference(x, pool, strides, padding):
    """NumPy 2-D average pooling of channels_last ``x``; 'same' averages real positions only."""
    n, height, width, channels = x.shape
    if padding == "same":
        (top, bottom), (left, right) = (same_padding(height, pool[0], strides[0]),
                                        same_padding(width, pool[1], strides[1]))
    else:
        top = bottom = left = right = 0
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    real = np.pad(np.ones((height, width)), ((top, bottom), (left, right)))
    rows = (padded.shape[1] - pool[0]) // strides[0] + 1
    cols = (padded.shape[2] - pool[1]) // strides[1] + 1
    out = np.zeros((n, rows, cols, channels), np.float32)
    for i in range(rows):
        for j in range(cols):
            window = np.s_[i * strides[0] : i * strides[0] + pool[0], j * strides[1] : j * strides[1] + pool[1]]
            out[:, i, j] = padded[(slice(None), *window)].sum(axis=(1, 2)) / real[window].sum()
    return out


# ---- max / average pooling ----------------------------------------------------------------


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool_size, strides", [(2, None), (3, None), (3, 1), (2, 1), (3, 2), ((4, 2), (3, 1))])
def test_max_pooling_2d_matches_keras(data_format, padding, pool_size, strides):
    x = images(data_format)
    kwargs = dict(pool_size=pool_size, strides=strides, padding=padding, data_format=data_format)
    layer = layers.MaxPooling2D(**kwargs)
    out = layer(torch.from_numpy(x)).numpy()
    expected = keras_output("MaxPooling2D", kwargs, x)
    np.testing.assert_array_equal(out, expected)
    assert layer.compute_output_shape((None, *x.shape[1:])) == (None, *expected.shape[1:])


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool_size, strides", [(2, None), (3, 1), (2, 1), (3, 2), ((4, 2), (3, 1))])
def test_average_pooling_2d_matches_tensorflow_semantics(data_format, padding, pool_size, strides):
    x = images(data_format)
    layer = layers.AveragePooling2D(pool_size, strides, padding, data_format)
    out = layer(torch.from_numpy(x)).numpy()
    channels_last = x if data_format == "channels_last" else x.transpose(0, 2, 3, 1)
    pool = layer.pool_size
    expected = average_pool_reference(channels_last, pool, layer.strides, padding)
    if data_format == "channels_first":
        expected = expected.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding, pool_size, strides", [("valid", 2, None), ("same", 3, 1), ("same", 3, 2)])
def test_average_pooling_2d_matches_keras_where_padding_is_symmetric(data_format, padding, pool_size, strides):
    # (Keras's PyTorch backend pads asymmetric 'same' windows by replication, unlike its
    # TensorFlow and JAX backends; lamina follows the latter, checked above against NumPy.)
    x = images(data_format, (2, 7, 9, 3))
    kwargs = dict(pool_size=pool_size, strides=strides, padding=padding, data_format=data_format)
    out = layers.AveragePooling2D(**kwargs)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, keras_output("AveragePooling2D", kwargs, x), atol=1e-6)


@pytest.mark.parametrize(
    "name, kwargs, shape",
    [
        ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 10, 3)),
        ("AveragePooling1D", dict(pool_size=2), (2, 10, 3)),
        ("MaxPooling1D", dict(pool_size=2, data_format="channels_first"), (2, 3, 10)),
        ("MaxPooling3D", dict(pool_size=2, padding="same"), (2, 5, 4, 6, 3)),
        ("AveragePooling3D", dict(pool_size=(2, 1, 3), strides=1), (2, 4, 5, 6, 3)),
        ("MaxPooling3D", dict(pool_size=2, data_format="channels_first"), (2, 3, 4, 5, 6)),
    ],
)
def test_1d_and_3d_pooling_match_keras(name, kwargs, shape):
    x = rng.normal(size=shape).astype(np.float32)
    out = getattr(layers, name)(**kwargs)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, keras_output(name, kwargs, x), atol=1e-6)


def test_max_pooling_is_f_max_pool2d():
    x = torch.randn(2, 4, 9, 9)
    out = layers.MaxPooling2D(3, 2, data_format="channels_first")(x)
    torch.testing.assert_close(out, F.max_pool2d(x, 3, 2))


def test_average_same_with_asymmetric_padding_never_counts_padding():
    x = torch.ones(1, 5, 5, 1)
    out = layers.AveragePooling2D(2, padding="same")(x)  # pads one row/col at the bottom/right
    torch.testing.assert_close(out, torch.ones(1, 3, 3, 1))
    out = layers.MaxPooling2D(2, padding="same")(-x)
    torch.testing.assert_close(out, -torch.ones(1, 3, 3, 1))  # padding never wins the max


# ---- global pooling --------------------------------------------------------------------------


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_global_pooling_matches_keras(data_format, keepdims, kind, rank):
    shape = (2, 5, 4, 3, 6)[: rank + 1] + (3,)
    x = rng.normal(size=shape).astype(np.float32)
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    name = f"Global{kind}Pooling{rank}D"
    kwargs = dict(data_format=data_format, keepdims=keepdims)
    layer = getattr(layers, name)(**kwargs)
    out = layer(torch.from_numpy(x)).numpy()
    expected = keras_output(name, kwargs, x)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert layer.compute_output_shape((None, *x.shape[1:])) == (None, *expected.shape[1:])


@pytest.mark.parametrize("data_format", FORMATS)
def test_global_average_pooling_1d_honours_mask_like_keras(data_format):
    x = rng.normal(size=(3, 6, 4)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [1, 0, 1, 0, 1, 0]], dtype=bool)
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    layer = layers.GlobalAveragePooling1D(data_format=data_format)
    out = layer(torch.from_numpy(x), mask=torch.from_numpy(mask)).numpy()
    keras_mask = keras.ops.convert_to_tensor(mask)
    expected = keras_output("GlobalAveragePooling1D", dict(data_format=data_format), x, mask=keras_mask)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_global_max_pooling_1d_ignores_masked_steps():
    x = torch.tensor([[[1.0], [5.0], [2.0]], [[-3.0], [-1.0], [9.0]]])
    mask = torch.tensor([[True, False, True], [True, True, False]])
    out = layers.GlobalMaxPooling1D()(x, mask=mask)
    torch.testing.assert_close(out, torch.tensor([[2.0], [-1.0]]))


def test_masks_flow_from_embedding_through_global_average_pooling():
    ids = lamina.Input(shape=(5,), dtype="int64")
    embedded = layers.Embedding(10, 4, mask_zero=True)(ids)
    model = lamina.Model(ids, layers.GlobalAveragePooling1D()(embedded))
    tokens = torch.tensor([[3, 4, 0, 0, 0]])
    vectors = model.layers[1](tokens)
    torch.testing.assert_close(model(tokens), vectors[:, :2].mean(dim=1))


# ---- errors, config, symbolic, training ---------------------------------------------------


def test_pool_larger_than_input_names_layer_and_sizes():
    with pytest.raises(InputError, match=r"pool_layer.*pool_size=\(3, 3\).*\(2, 2\).*padding='valid'"):
        layers.MaxPooling2D(3, name="pool_layer")(torch.zeros(1, 2, 2, 1))


def test_wrong_rank_and_bad_arguments():
    with pytest.raises(InputError, match=r"rank 4.*channels_last"):
        layers.MaxPooling2D()(torch.zeros(2, 8, 8))
    with pytest.raises(InputError, match="rank 3"):
        layers.GlobalAveragePooling1D()(torch.zeros(2, 8, 8, 1))
    with pytest.raises(ConfigurationError, match="padding='causal'"):
        layers.MaxPooling1D(padding="causal")
    with pytest.raises(ConfigurationError, match="pool_size"):
        layers.AveragePooling2D(pool_size=(2, 0))
    with pytest.raises(ConfigurationError, match="data_format"):
        layers.GlobalMaxPooling2D(data_format="channels_middle")


@pytest.mark.parametrize(
    "layer",
    [
        layers.MaxPooling2D((3, 2), strides=1, padding="same", data_format="channels_first"),
        layers.AveragePooling1D(4),
        layers.MaxPooling3D(),
        layers.GlobalAveragePooling2D(keepdims=True),
        layers.GlobalMaxPooling1D(data_format="channels_first"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_symbolic_shapes_and_a_training_step():
    inputs = lamina.Input(shape=(12, 12, 2))
    hidden = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    hidden = layers.MaxPooling2D(padding="same")(hidden)
    assert hidden.shape == (None, 6, 6, 8)
    hidden = layers.AveragePooling2D(3, strides=2, padding="same")(hidden)
    assert hidden.shape == (None, 3, 3, 8)
    outputs = layers.Dense(1)(layers.GlobalAveragePooling2D()(hidden))
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(32, 12, 12, 2)).astype(np.float32)
    y = x.mean(axis=(1, 2, 3))[:, None]
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


# ---- adaptive pooling against Keras -----------------------------------------------------

adaptive_rng = np.random.default_rng(0)


CASES = [
    (1, 3, (2, 10, 4)),
    (1, 4, (2, 7, 3)),
    (2, (2, 3), (2, 7, 9, 4)),
    (2, 5, (1, 5, 13, 2)),
    (3, 2, (1, 5, 7, 3, 2)),
    (3, (3, 1, 2), (1, 7, 4, 5, 2)),
]


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank, output_size, shape", CASES)
def test_adaptive_pooling_matches_keras(kind, data_format, rank, output_size, shape):
    if data_format == "channels_first":
        shape = (shape[0], shape[-1], *shape[1:-1])
    x = adaptive_rng.normal(size=shape).astype(np.float32)
    name = f"Adaptive{kind}Pooling{rank}D"
    layer, theirs, out = compare_with_keras(name, dict(output_size=output_size, data_format=data_format), x)
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *out.shape[1:])
    assert layer.compute_output_shape((None, *shape[1:])) == theirs.compute_output_shape((None, *shape[1:]))
    check_config_round_trip(layer)


def test_bins_are_floor_start_ceil_end():
    x = torch.arange(5.0).reshape(1, 5, 1)
    out = layers.AdaptiveAveragePooling1D(3)(x).flatten().tolist()
    # bins [0, 2), [1, 4), [3, 5)
    assert out == pytest.approx([0.5, 2.0, 3.5])
    assert layers.AdaptiveMaxPooling1D(3)(x).flatten().tolist() == [1.0, 3.0, 4.0]


def test_keras_files_both_ways(tmp_path):
    x = adaptive_rng.normal(size=(3, 9, 7, 2)).astype(np.float32)
    check_keras_files_both_ways(tmp_path, lambda L: L.AdaptiveMaxPooling2D((2, 3)), (9, 7, 2), x)
    check_keras_files_both_ways(tmp_path, lambda L: L.AdaptiveAveragePooling2D(4), (9, 7, 2), x)


def test_bad_arguments_and_rank_are_explained():
    with pytest.raises(ConfigurationError, match="output_size"):
        layers.AdaptiveAveragePooling2D((2, 2, 2))
    with pytest.raises(InputError, match="rank 4"):
        layers.AdaptiveMaxPooling2D(2)(torch.zeros(2, 5, 3))
