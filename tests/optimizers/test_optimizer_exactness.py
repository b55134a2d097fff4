"""Oracle: the same LSTM+Dense model, saved by Keras, trained 200 steps by Keras's optimizer and
by lamina (``train_on_batch``) with each optimizer; float64 in both, so the comparison sees the
maths, not the rounding.

Keras's side is a hand-written loop: the forward pass is plain float64 torch on Keras's own
variables (Keras's LSTM maths, gate order i, f, c, o), then ``scale_loss``, ``backward`` and
``optimizer.apply(grads, trainable_variables)``, as Keras's torch ``train_step`` does. Why not
Keras's layers: on its torch/JAX backends Keras computes every op's result dtype with
``BIT64_TO_BIT32_DTYPE`` (to match JAX's default), so ``ops.matmul`` of two float64 tensors
returns float32; ``Dense`` then rounds its output to float32 (5.6e-8 here) even under
``floatx("float64")``. Adam and SGD absorb that, but Adamax, Nadam and centered RMSprop with
momentum amplify it to 5e-5..1e-3 over 200 steps; given the same gradients, Keras's and
lamina's updates agree to 1e-14 (``test_same_gradients_same_updates``). Looping instead of
``fit`` for 200 one-batch epochs also saves minutes; ``fit``'s one extra effect,
``finalize_variable_values`` (EMA), is called explicitly. torch runs on one thread: this tiny
model only loses time to thread hand-offs on a shared machine.
"""

import keras
import numpy as np
import pytest
import torch

import lamina

STEPS = 200

CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("Adam", {}),
    ("AdamW", {}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {}),
    ("Adadelta", {}),
    ("Adamax", {}),
    ("Nadam", {}),
    ("Lion", {}),
    ("Adam", {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 50}),
    ("AdamW", {"weight_decay": 0.1, "exclude": ["bias"]}),
    ("SGD", {"momentum": 0.9, "gradient_accumulation_steps": 3, "weight_decay": 0.01}),
    ("RMSprop", {"use_ema": True, "gradient_accumulation_steps": 2, "loss_scale_factor": 8.0}),
]
IDS = [f"{name}{arguments or ''}" for name, arguments in CASES]


def make_optimizer(library, name, arguments):
    arguments = dict(arguments)
    exclude = arguments.pop("exclude", None)
    optimizer = getattr(library.optimizers, name)(**arguments)
    if exclude:
        optimizer.exclude_from_weight_decay(var_names=exclude)
    return optimizer


def keras_forward(model, x):
    """Keras's LSTM(4) + Dense(2) in float64 torch, on the Keras model's own variables."""
    kernel, recurrent, bias, dense_kernel, dense_bias = (v.value for v in model.trainable_variables)
    h = c = torch.zeros(x.shape[0], recurrent.shape[0], dtype=x.dtype)
    for t in range(x.shape[1]):
        i, f, g, o = torch.chunk(x[:, t] @ kernel + h @ recurrent + bias, 4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    return h @ dense_kernel + dense_bias


def keras_train_step(model, x, y):
    """Keras's torch ``train_step`` with the float64 forward pass above."""
    model.zero_grad()
    loss = model.optimizer.scale_loss(torch.mean((keras_forward(model, x) - y) ** 2))
    loss.backward()
    variables = model.trainable_variables
    with torch.no_grad():
        model.optimizer.apply([v.value.grad for v in variables], variables)


def start(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5, 3))
    y = rng.normal(size=(16, 2))
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4), keras.layers.Dense(2)])
    model.save(tmp_path / "start.keras")
    return model, lamina.models.load_model(tmp_path / "start.keras"), x, y


def test_forward_pass_is_keras_model(tmp_path, float64_everywhere):
    # The hand-written forward pass is the Keras model's, up to Keras's float32 matmul rounding.
    model, ours, x, y = start(tmp_path)
    expected = keras.ops.convert_to_numpy(model(x))
    mine = keras_forward(model, torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.predict(x, verbose=0), mine, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "arguments"), CASES, ids=IDS)
def test_training_matches_keras_step_for_step(tmp_path, float64_everywhere, name, arguments):
    model, ours, x, y = start(tmp_path)
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=make_optimizer(keras, name, arguments), loss="mse")
    ours.compile(optimizer=make_optimizer(lamina, name, arguments), loss="mse")
    x_tensor, y_tensor = torch.as_tensor(x), torch.as_tensor(y)
    for _ in range(STEPS):
        keras_train_step(model, x_tensor, y_tensor)
        ours.train_on_batch(x, y)
    model.optimizer.finalize_variable_values(model.trainable_variables)
    ours.optimizer.finalize_variable_values(ours.trainable_weights)
    assert int(ours.optimizer.iterations) == int(model.optimizer.iterations)
    for mine, expected, initial in zip(ours.get_weights(), model.get_weights(), before):
        assert mine.dtype == np.float64
        np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-8)
        assert not np.allclose(expected, initial)


@pytest.mark.parametrize(("name", "arguments"), CASES, ids=IDS)
def test_same_gradients_same_updates(float64_everywhere, name, arguments):
    # The optimizers alone, fed the same gradients (scales 1e-6..1): float64 rounding apart.
    arguments = {k: v for k, v in arguments.items() if k != "exclude"}
    rng = np.random.default_rng(1)
    shapes = [(3, 16), (4, 16), (16,)]
    start_values = [rng.normal(size=shape) for shape in shapes]
    theirs = [keras.Variable(value) for value in start_values]
    mine = [torch.nn.Parameter(torch.tensor(value)) for value in start_values]
    keras_optimizer = make_optimizer(keras, name, arguments)
    our_optimizer = make_optimizer(lamina, name, arguments)
    for _ in range(50):
        grads = [rng.normal(size=s) * 10.0 ** rng.uniform(-6, 0) for s in shapes]
        keras_optimizer.apply([torch.tensor(g) for g in grads], theirs)
        our_optimizer.apply([torch.tensor(g) for g in grads], mine)
    for ours_now, keras_now in zip(mine, theirs):
        np.testing.assert_allclose(ours_now.detach().numpy(), keras_now.numpy(), rtol=1e-11, atol=1e-14)
