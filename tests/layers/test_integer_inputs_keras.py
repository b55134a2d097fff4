"""Integer and boolean inputs to layers whose math is in floats, against real Keras 3.

Keras's Dense, recurrent and normalization layers take an int64 multi-hot vector (or a
boolean tensor) and compute in their float dtype; lamina's give the same dtype and values.
"""

import keras
import numpy as np
import pytest
import torch
from oracle import assert_matches, keras_twin, rand

import lamina
from lamina.layers.float_inputs import as_float

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

MATRIX, SEQUENCES, IMAGES = (4, 6), (3, 5, 4), (2, 6, 6, 4)

# (layer name, kwargs, input shape): layers Keras (torch backend) accepts integers in.
KERAS_ACCEPTS = [
    ("Dense", {"units": 3}, MATRIX),
    ("Dense", {"units": 3, "activation": "relu", "use_bias": False}, SEQUENCES),
    ("LSTM", {"units": 3}, SEQUENCES),
    ("GRU", {"units": 3, "return_sequences": True}, SEQUENCES),
    ("SimpleRNN", {"units": 3}, SEQUENCES),
    ("BatchNormalization", {}, MATRIX),
    ("UnitNormalization", {}, MATRIX),
    ("Normalization", {"mean": 1.0, "variance": 2.0}, MATRIX),
    ("Rescaling", {"scale": 0.5, "offset": 1.0}, MATRIX),
]


def _ids(cases):
    return [f"{name}-{i}" for i, (name, _, _) in enumerate(cases)]


def _integer_input(shape, dtype):
    return rand(shape, dtype, low=0, high=3)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("name, kwargs, shape", KERAS_ACCEPTS, ids=_ids(KERAS_ACCEPTS))
def test_integer_inputs_give_keras_dtype_and_values(name, kwargs, shape, dtype):
    x = _integer_input(shape, dtype)
    layer = getattr(lamina.layers, name)(**kwargs)
    ours = layer(torch.from_numpy(x))
    theirs = keras_twin(layer, kwargs, x.shape)(x)
    assert_matches(ours, theirs, atol=1e-5)
    assert ours.dtype == torch.float32


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_batch_normalization_training_on_integers_updates_statistics_as_keras(dtype):
    x = _integer_input((8, 3), dtype)
    layer = lamina.layers.BatchNormalization(momentum=0.5)
    layer(torch.from_numpy(x))
    twin = keras_twin(layer, {"momentum": 0.5}, x.shape)
    assert_matches(layer(torch.from_numpy(x), training=True), twin(x, training=True), atol=1e-5)
    for a, b in zip(layer.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


# Where Keras's torch backend goes wrong on integers, lamina computes as on the same values
# in floats (as Dense does): Keras raises on these ("expected scalar type Long but found
# Float") ...
KERAS_TORCH_REFUSES = [
    ("EinsumDense", {"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "c"}, MATRIX),
    ("Conv1D", {"filters": 3, "kernel_size": 2}, SEQUENCES),
    ("Conv2D", {"filters": 3, "kernel_size": 2}, IMAGES),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 2}, IMAGES),
    ("DepthwiseConv2D", {"kernel_size": 2}, IMAGES),
    ("SeparableConv1D", {"filters": 3, "kernel_size": 2}, SEQUENCES),
] + [
    # ... and takes these layers' mean in integers, so its outputs are off by up to ~1
    # (RMSNormalization even returns the input's integer dtype).
    ("LayerNormalization", {}, MATRIX),
    ("GroupNormalization", {"groups": 2}, MATRIX),
    ("RMSNormalization", {}, MATRIX),
]


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("name, kwargs, shape", KERAS_TORCH_REFUSES, ids=_ids(KERAS_TORCH_REFUSES))
def test_integer_inputs_where_keras_torch_refuses_compute_as_floats(name, kwargs, shape, dtype):
    x = _integer_input(shape, dtype)
    layer = getattr(lamina.layers, name)(**kwargs)
    ours = layer(torch.from_numpy(x))
    theirs = keras_twin(layer, kwargs, x.shape)(x.astype("float32"))
    assert_matches(ours, theirs, atol=1e-5)


def test_multi_hot_model_predicts_as_keras():
    """An int64 multi-hot input into Dense, in a functional model of each library."""
    x = _integer_input((5, 8), "int64").clip(0, 1)

    def build(lib):
        inputs = lib.Input(shape=(8,), dtype="int64")
        return lib.Model(inputs, lib.layers.Dense(2)(lib.layers.Dense(4, activation="relu")(inputs)))

    theirs, ours = build(keras), build(lamina)
    ours.set_weights(theirs.get_weights())
    assert ours.outputs[0].dtype == torch.float32
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5)


def test_multi_hot_model_trains():
    x = _integer_input((32, 8), "int64").clip(0, 1)
    y = x[:, :1].astype("float32")
    model = lamina.Sequential([lamina.Input(shape=(8,), dtype="int64"), lamina.layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_float_inputs_pass_untouched():
    x = torch.ones(2, 3)
    assert as_float(x, "float64") is x
    assert as_float(torch.ones(2, dtype=torch.complex64), "float32").dtype == torch.complex64
    assert as_float(torch.ones(2, dtype=torch.int8), torch.float64).dtype == torch.float64
