"""Adadelta, Adamax, Nadam, Lion and gradient accumulation against real Keras 3 optimizers,
NumPy formulas and torch.optim."""

import copy

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import optimizers
from lamina.errors import ConfigurationError
from lamina.optimizers import Adadelta, Adam, Adamax, Lion, Nadam, schedules

SHAPES = [(4, 3), (3,)]


def start_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(np.float32) for s in SHAPES]


def gradient(weights):
    """A smooth, non-trivial gradient field (different signs and magnitudes)."""
    return [np.sin(2.0 * w) + 0.1 * w**2 - 0.05 for w in weights]


def run_lamina(optimizer, steps, seed=0):
    params = [torch.nn.Parameter(torch.tensor(w)) for w in start_weights(seed)]
    for _ in range(steps):
        grads = gradient([p.detach().numpy() for p in params])
        optimizer.apply([torch.tensor(g) for g in grads], params)
    return [p.detach().numpy() for p in params]


def run_keras(optimizer, steps, seed=0):
    variables = [keras.Variable(w) for w in start_weights(seed)]
    for _ in range(steps):
        grads = gradient([keras.ops.convert_to_numpy(v) for v in variables])
        optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
    return [keras.ops.convert_to_numpy(v) for v in variables]


def assert_trajectories_close(ours, theirs, rtol=1e-5, atol=1e-6):
    for got, expected in zip(ours, theirs):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


KERAS_CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}),
    ("Adamax", {"epsilon": 0.0, "learning_rate": 0.01}),
    ("Adamax", {"learning_rate": 0.02, "beta_1": 0.8}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}),
    ("Lion", {"weight_decay": 0.1}),
    ("Nadam", {"weight_decay": 0.05, "clipnorm": 0.5}),
    ("Adamax", {"global_clipnorm": 1.0, "learning_rate": 0.01}),
]


@pytest.mark.parametrize(
    "class_name, config",
    KERAS_CASES,
    ids=[f"{c}-{'-'.join(f'{k}={v}' for k, v in cfg.items())}" for c, cfg in KERAS_CASES],
)
def test_trajectory_matches_keras(class_name, config):
    steps = 25
    ours = run_lamina(getattr(optimizers, class_name)(**config), steps)
    theirs = run_keras(getattr(keras.optimizers, class_name)(**config), steps)
    # Adamax's default epsilon sits in a different place in torch (see its docstring).
    rtol = 1e-4 if class_name == "Adamax" and config.get("epsilon", 1e-7) else 1e-5
    atol = rtol / 10
    assert_trajectories_close(ours, theirs, rtol=rtol, atol=atol)
    moved = max(np.abs(o - s).max() for o, s in zip(ours, start_weights()))
    assert moved > 10 * atol  # the weights moved well beyond the tolerance


def numpy_lion(weights, steps, lr=1e-3, beta_1=0.9, beta_2=0.99):
    weights = [w.astype(np.float64) for w in weights]
    momenta = [np.zeros_like(w) for w in weights]
    for _ in range(steps):
        grads = gradient(weights)
        for i, (w, g, m) in enumerate(zip(weights, grads, momenta)):
            weights[i] = w - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
            momenta[i] = beta_2 * m + (1 - beta_2) * g
    return weights


def test_lion_matches_the_paper_formula_in_numpy():
    ours = run_lamina(Lion(learning_rate=0.01, beta_1=0.7, beta_2=0.95), 30)
    expected = numpy_lion(start_weights(), 30, lr=0.01, beta_1=0.7, beta_2=0.95)
    assert_trajectories_close(ours, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (
            lambda: Adadelta(learning_rate=0.5, rho=0.9, epsilon=1e-6),
            lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.9, eps=1e-6),
        ),
        (
            lambda: Adamax(learning_rate=0.01, epsilon=1e-8),
            lambda p: torch.optim.Adamax(p, lr=0.01, eps=1e-8),
        ),
        (
            lambda: Nadam(learning_rate=0.01, epsilon=1e-8),
            lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-8, momentum_decay=1.0),
        ),
    ],
    ids=["Adadelta", "Adamax", "Nadam"],
)
def test_trajectory_matches_torch_optim(ours, theirs):
    expected_params = [torch.nn.Parameter(torch.tensor(w)) for w in start_weights()]
    torch_optimizer = theirs(expected_params)
    for _ in range(20):
        grads = gradient([p.detach().numpy() for p in expected_params])
        for p, g in zip(expected_params, grads):
            p.grad = torch.tensor(g)
        torch_optimizer.step()
    got = run_lamina(ours(), 20)
    assert_trajectories_close(got, [p.detach().numpy() for p in expected_params], 1e-6, 1e-7)


# ------------------------------------------------------------------ gradient accumulation
@pytest.mark.parametrize(
    "class_name, config",
    [
        ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
        ("Adam", {"learning_rate": 0.01, "epsilon": 0.0}),
        ("Nadam", {"learning_rate": 0.01}),
        ("Lion", {"learning_rate": 0.01, "weight_decay": 0.1}),
        ("Adam", {"learning_rate": 0.01, "epsilon": 0.0, "global_clipnorm": 0.5}),
    ],
)
def test_gradient_accumulation_matches_keras(class_name, config):
    steps = 3 * 7
    ours = getattr(optimizers, class_name)(gradient_accumulation_steps=3, **config)
    theirs = getattr(keras.optimizers, class_name)(gradient_accumulation_steps=3, **config)
    assert_trajectories_close(run_lamina(ours, steps), run_keras(theirs, steps), 1e-5, 1e-6)
    assert ours.iterations == 7


def test_gradient_accumulation_with_a_schedule_sees_every_micro_step_like_keras():
    kwargs = {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5}
    ours = optimizers.SGD(schedules.ExponentialDecay(**kwargs), gradient_accumulation_steps=2)
    theirs = keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(**kwargs), gradient_accumulation_steps=2
    )
    assert_trajectories_close(run_lamina(ours, 10), run_keras(theirs, 10), 1e-6, 1e-7)


def test_accumulation_only_updates_every_n_steps_with_the_mean_gradient():
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=4)
    optimizer.build([weight])
    for k, g in enumerate([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [0.0, 2.0]]):
        optimizer.zero_grad()
        (weight * torch.tensor(g)).sum().backward()
        optimizer.step()
        if k < 3:
            assert weight.detach().tolist() == [0.0, 0.0]
            assert optimizer.iterations == 0
    assert weight.detach().tolist() == [-1.0, -1.0]  # mean of the four gradients
    assert optimizer.iterations == 1
    optimizer.zero_grad()
    assert weight.grad is None  # a new window starts clean


def test_fit_with_accumulation_equals_one_large_batch():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    y = rng.normal(size=(64, 2)).astype(np.float32)

    def trained(batch_size, accumulation):
        lamina.utils.set_random_seed(0)
        model = lamina.Sequential([lamina.layers.Dense(2, input_shape=(5,))])
        model.compile(
            optimizer=optimizers.SGD(0.1, gradient_accumulation_steps=accumulation), loss="mse"
        )
        model.fit(x, y, batch_size=batch_size, epochs=3, shuffle=False, verbose=0)
        return [w.copy() for w in model.get_weights()], model.optimizer.iterations

    small, small_updates = trained(8, 4)
    large, large_updates = trained(32, None)
    assert small_updates == large_updates == 6
    for a, b in zip(small, large):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_state_dict_in_the_middle_of_a_window_resumes_exactly():
    def make():
        params = [torch.nn.Parameter(torch.tensor(w)) for w in start_weights()]
        optimizer = Adam(learning_rate=0.01, gradient_accumulation_steps=3)
        optimizer.build(params)
        return params, optimizer

    def step(params, optimizer):
        grads = gradient([p.detach().numpy() for p in params])
        optimizer.apply([torch.tensor(g) for g in grads], params)

    params, optimizer = make()
    for _ in range(4):
        step(params, optimizer)
    saved_params = [p.detach().clone() for p in params]
    state = copy.deepcopy(optimizer.state_dict())
    assert state["accumulation"]["steps"] == 4 and state["accumulation"]["gradients"] is not None
    for _ in range(5):
        step(params, optimizer)
    resumed_params, resumed = make()
    with torch.no_grad():
        for p, saved in zip(resumed_params, saved_params):
            p.copy_(saved)
    resumed.load_state_dict(state)
    for _ in range(5):
        step(resumed_params, resumed)
    for a, b in zip(params, resumed_params):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert resumed.iterations == optimizer.iterations == 3


# ------------------------------------------------------------------ registry and config
@pytest.mark.parametrize(
    "name, cls", [("adadelta", Adadelta), ("Adamax", Adamax), ("nadam", Nadam), ("LION", Lion)]
)
def test_get_by_name_gives_keras_defaults(name, cls):
    optimizer = optimizers.get(name)
    assert type(optimizer) is cls
    keras_defaults = getattr(keras.optimizers, cls.__name__)().get_config()
    for key, value in optimizer.get_config().items():
        if key not in ("name",) and key in keras_defaults:
            assert value == pytest.approx(keras_defaults[key]), key


@pytest.mark.parametrize(
    "optimizer",
    [
        Adadelta(rho=0.9, weight_decay=0.01),
        Adamax(beta_2=0.99, clipvalue=0.5),
        Nadam(gradient_accumulation_steps=4),
        Lion(learning_rate=schedules.CosineDecay(1e-3, 1000), beta_1=0.95),
    ],
    ids=lambda o: type(o).__name__,
)
def test_serialize_round_trip(optimizer):
    rebuilt = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(rebuilt) is type(optimizer)
    assert rebuilt.get_config() == optimizer.get_config()


def test_keras_config_with_gradient_accumulation_loads():
    keras_nadam = keras.optimizers.Nadam(gradient_accumulation_steps=5)
    config = {
        "module": "keras.optimizers",
        "class_name": "Nadam",
        "config": keras_nadam.get_config(),
    }
    optimizer = optimizers.deserialize(config)
    assert isinstance(optimizer, Nadam) and optimizer.gradient_accumulation_steps == 5


def test_bad_arguments_are_named():
    with pytest.raises(ConfigurationError, match="gradient_accumulation_steps"):
        Adam(gradient_accumulation_steps=1)
    with pytest.raises(ConfigurationError, match="beta_1"):
        Lion(beta_1=0.0)
    with pytest.raises(ConfigurationError, match="rho"):
        Adadelta(rho=1.5)
    with pytest.raises(ConfigurationError, match="epsilon"):
        Nadam(epsilon=-1.0)


@pytest.mark.parametrize("accumulation", [None, 2])
def test_grad_scaler_steps_keep_clipping_schedule_and_accumulation(accumulation):
    def train(scaled):
        weight = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))
        optimizer = optimizers.SGD(
            schedules.ExponentialDecay(0.1, 1, 0.5),
            clipnorm=0.5,
            gradient_accumulation_steps=accumulation,
        )
        optimizer.build([weight])
        scaler = torch.amp.GradScaler("cpu", init_scale=1024.0) if scaled else None
        for _ in range(4):
            optimizer.zero_grad()
            loss = (weight**2).sum()
            (scaler.scale(loss) if scaled else loss).backward()
            optimizer.step(grad_scaler=scaler)
        return weight.detach(), optimizer.iterations

    plain, plain_updates = train(scaled=False)
    scaled, scaled_updates = train(scaled=True)
    torch.testing.assert_close(scaled, plain)
    assert scaled_updates == plain_updates == (4 // (accumulation or 1))
    assert not torch.equal(plain, torch.tensor([1.0, -2.0, 3.0]))


def test_grad_scaler_skips_an_overflowing_update():
    weight = torch.nn.Parameter(torch.tensor([1.0]))
    optimizer = optimizers.SGD(0.1)
    optimizer.build([weight])
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    optimizer.zero_grad()
    scaler.scale((weight * float("inf")).sum()).backward()
    optimizer.step(grad_scaler=scaler)
    assert weight.item() == 1.0 and scaler.get_scale() < 2.0**16
