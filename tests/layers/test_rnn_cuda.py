"""Recurrent layers on CUDA: the weights live in one cuDNN buffer and results match the CPU."""

import warnings

import numpy as np
import pytest
import torch
from torch import _VF

import lamina as tf

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

LAYERS = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn_tanh"}


@pytest.fixture(autouse=True)
def _exact_cudnn():
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        yield


def storages(weights):
    return {w.untyped_storage().data_ptr() for w in weights}


def twin_layers(name, **kwargs):
    tf.utils.set_random_seed(0)
    cpu = getattr(tf.layers, name)(8, return_sequences=True, **kwargs)
    cpu(torch.zeros(1, 3, 5))
    gpu = getattr(tf.layers, name)(8, return_sequences=True, **kwargs)
    gpu(torch.zeros(1, 3, 5))
    gpu.set_weights(cpu.get_weights())
    return cpu, gpu.to("cuda")


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_weights_become_one_buffer_and_results_match_cpu(name):
    cpu, gpu = twin_layers(name)
    parameters = list(gpu.parameters())
    x = torch.randn(4, 7, 5)
    expected = cpu(x)
    got = gpu(x.cuda())
    torch.testing.assert_close(got.cpu(), expected, atol=1e-5, rtol=1e-5)
    assert len(storages(gpu.cell.fused_weights())) == 1
    assert list(gpu.parameters()) == parameters  # same Parameter objects, new storage
    (expected**2).sum().backward()
    (got**2).sum().backward()
    for a, b in zip(cpu.parameters(), gpu.parameters()):
        torch.testing.assert_close(b.grad.cpu(), a.grad, atol=2e-4, rtol=1e-3)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_flat_weights_stop_cudnn_copying_them(name):
    _, gpu = twin_layers(name)
    x = torch.randn(4, 7, 5, device="cuda")
    gpu(x)
    kind = LAYERS[name]
    flat = gpu.cell.fused_weights()
    separate = [w.detach().clone() for w in flat]
    hx = torch.zeros(1, 4, 8, device="cuda")
    hx = (hx, hx) if kind == "lstm" else hx
    kernel = getattr(_VF, kind)
    for weights, copies_expected in ((separate, True), (flat, False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kernel(x, hx, weights, True, 1, 0.0, False, False, True)
        copied = any("not part of single contiguous chunk" in str(w.message) for w in caught)
        assert copied == copies_expected


def test_training_keeps_weights_flat_and_set_weights_reflattens():
    tf.utils.set_random_seed(1)
    model = tf.models.Sequential([tf.Input((6, 3)), tf.layers.LSTM(8), tf.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.random.rand(64, 6, 3).astype("float32"), np.random.rand(64, 2).astype("float32")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    cell = model.layers[0].cell
    pointers = [w.data_ptr() for w in cell.fused_weights()]
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert [w.data_ptr() for w in cell.fused_weights()] == pointers
    assert len(storages(cell.fused_weights())) == 1

    weights = [w * 0.5 for w in model.layers[0].get_weights()]
    model.layers[0].set_weights(weights)
    prediction = model.predict(x[:4], verbose=0)
    assert len(storages(cell.fused_weights())) == 1
    for got, want in zip(model.layers[0].get_weights(), weights):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    model_cpu = model.to("cpu")
    np.testing.assert_allclose(model_cpu.predict(x[:4], verbose=0), prediction, atol=1e-5)


def test_bidirectional_directions_are_flat_each():
    layer = tf.layers.Bidirectional(tf.layers.GRU(8, return_sequences=True)).to("cuda")
    layer(torch.randn(2, 5, 3, device="cuda"))
    for direction in (layer.forward_layer, layer.backward_layer):
        assert len(storages(direction.cell.fused_weights())) == 1
