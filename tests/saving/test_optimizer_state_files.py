"""EMA averages, gradient accumulators and old-layout momentum in ``.keras`` files.

Training saved mid-way (mid accumulation window) by one library and resumed by the other
ends where uninterrupted training does; a file written before lamina kept SGD/RMSprop
momentum in Keras's units (no ``torch_state@format``, buffers without the learning rate)
resumes as if it had never been saved. float64 and a hand-written float64 forward pass on
the Keras side (Keras's ``ops.matmul`` rounds float64 results to float32), as in
``test_optimizer_exactness``.
"""

import zipfile

import h5py
import keras
import numpy as np
import pytest
import torch

import lamina

BEFORE, AFTER = 5, 7
CASES = [
    ("Adam", {"use_ema": True, "ema_momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "gradient_accumulation_steps": 3}),
    ("RMSprop", {"use_ema": True, "gradient_accumulation_steps": 2, "loss_scale_factor": 8.0}),
    ("Nadam", {"use_ema": True, "ema_overwrite_frequency": 4, "gradient_accumulation_steps": 2}),
]
IDS = [f"{name}{arguments}" for name, arguments in CASES]


@pytest.fixture(autouse=True)
def _float64(float64_everywhere):
    """Every test here runs in float64 (conftest's float64_everywhere)."""


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 5, 3)), rng.normal(size=(16, 2))


def keras_model(name, arguments):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4), keras.layers.Dense(2)])
    model.compile(optimizer=getattr(keras.optimizers, name)(**arguments), loss="mse")
    return model


def keras_step(model, x, y):
    """Keras's torch ``train_step`` with a float64 forward pass (LSTM gate order i, f, c, o)."""
    kernel, recurrent, bias, dense_kernel, dense_bias = (v.value for v in model.trainable_variables)
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    h = c = torch.zeros(x.shape[0], recurrent.shape[0], dtype=x.dtype)
    for t in range(x.shape[1]):
        i, f, g, o = torch.chunk(x[:, t] @ kernel + h @ recurrent + bias, 4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    model.zero_grad()
    loss = torch.mean((h @ dense_kernel + dense_bias - y) ** 2)
    model.optimizer.scale_loss(loss).backward()
    variables = model.trainable_variables
    with torch.no_grad():
        model.optimizer.apply([v.value.grad for v in variables], variables)


def finished_weights(model, library):
    variables = model.trainable_variables if library is keras else model.trainable_weights
    model.optimizer.finalize_variable_values(variables)
    return model.get_weights()


def assert_same(mine, expected):
    for a, b in zip(mine, expected):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("name", "arguments"), CASES, ids=IDS)
def test_keras_file_resumes_in_lamina(tmp_path, name, arguments):
    x, y = data()
    model = keras_model(name, arguments)
    for _ in range(BEFORE):
        keras_step(model, x, y)
    model.save(tmp_path / "mid.keras")
    ours = lamina.models.load_model(tmp_path / "mid.keras")
    assert ours.optimizer._steps == BEFORE
    for _ in range(AFTER):
        keras_step(model, x, y)
        ours.train_on_batch(x, y)
    assert_same(finished_weights(ours, lamina), finished_weights(model, keras))


@pytest.mark.parametrize(("name", "arguments"), CASES, ids=IDS)
def test_lamina_file_resumes_in_keras(tmp_path, name, arguments):
    x, y = data()
    keras_model(name, arguments).save(tmp_path / "start.keras")
    ours = lamina.models.load_model(tmp_path / "start.keras")
    for _ in range(BEFORE):
        ours.train_on_batch(x, y)
    ours.save(tmp_path / "mid.keras")
    model = keras.models.load_model(tmp_path / "mid.keras")
    assert int(model.optimizer._iterations) == BEFORE
    for _ in range(AFTER):
        keras_step(model, x, y)
        ours.train_on_batch(x, y)
    assert_same(finished_weights(model, keras), finished_weights(ours, lamina))


def test_lamina_file_resumes_in_lamina_mid_window(tmp_path):
    x, y = data()
    keras_model("SGD", {}).save(tmp_path / "start.keras")
    arguments = {"momentum": 0.9, "gradient_accumulation_steps": 3, "use_ema": True, "loss_scale_factor": 4.0}
    ours = lamina.models.load_model(tmp_path / "start.keras")
    ours.compile(optimizer=lamina.optimizers.SGD(**arguments), loss="mse")
    for _ in range(BEFORE):
        ours.train_on_batch(x, y)
    ours.save(tmp_path / "mid.keras")
    resumed = lamina.models.load_model(tmp_path / "mid.keras")
    for _ in range(AFTER):
        ours.train_on_batch(x, y)
        resumed.train_on_batch(x, y)
    assert_same(finished_weights(resumed, lamina), finished_weights(ours, lamina))


def old_layout(path, learning_rate, factor):
    """Rewrite ``path`` as lamina wrote it before Keras's units: momentum buffers divided by
    ``factor * learning_rate`` (torch's units) and no ``torch_state@format``."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = path.parent / "model.weights.h5"
    weights.write_bytes(members["model.weights.h5"])
    with h5py.File(weights, "r+") as handle:
        state = handle["optimizer/torch_state"]
        assert state.attrs["format"] == 2
        del state.attrs["format"]
        buffers = [state[key]["momentum_buffer"] for key in state]
        for buffer in buffers:
            buffer[...] = buffer[()] / (factor * learning_rate)
        assert any(np.abs(buffer[()]).max() > 0 for buffer in buffers)
    members["model.weights.h5"] = weights.read_bytes()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


@pytest.mark.parametrize(
    ("optimizer", "factor"),
    [(lambda: lamina.optimizers.SGD(0.05, momentum=0.9, nesterov=True), -1.0),
     (lambda: lamina.optimizers.RMSprop(0.01, momentum=0.5, centered=True), 1.0)],
    ids=["SGD", "RMSprop"],
)
def test_old_lamina_file_momentum_in_torch_units(tmp_path, optimizer, factor):
    x, y = data()
    keras_model("SGD", {}).save(tmp_path / "start.keras")
    ours = lamina.models.load_model(tmp_path / "start.keras")
    ours.compile(optimizer=optimizer(), loss="mse")
    for _ in range(BEFORE):
        ours.train_on_batch(x, y)
    ours.save(tmp_path / "old.keras")
    old_layout(tmp_path / "old.keras", ours.optimizer.learning_rate, factor)
    resumed = lamina.models.load_model(tmp_path / "old.keras")
    for _ in range(AFTER):
        ours.train_on_batch(x, y)
        resumed.train_on_batch(x, y)
    assert_same(resumed.get_weights(), ours.get_weights())
