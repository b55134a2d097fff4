"""Learning-rate schedules against Keras 3's schedules, step by step, and inside optimizers."""

import keras
import numpy as np
import pytest
import torch

from lamina import optimizers
from lamina.errors import ConfigurationError
from lamina.optimizers import schedules

STEPS = list(range(0, 120)) + [150, 199, 200, 201, 255, 256, 300, 1000, 5000]

CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9}),
    (
        "ExponentialDecay",
        {"initial_learning_rate": 0.5, "decay_steps": 7, "decay_rate": 0.5, "staircase": True},
    ),
    ("PiecewiseConstantDecay", {"boundaries": [10, 50, 100], "values": [1.0, 0.5, 0.1, 0.01]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 100}),
    (
        "PolynomialDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 30,
            "end_learning_rate": 0.01,
            "power": 2.0,
            "cycle": True,
        },
    ),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5}),
    (
        "InverseTimeDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": True},
    ),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.2}),
    (
        "CosineDecay",
        {
            "initial_learning_rate": 0.0,
            "decay_steps": 80,
            "alpha": 0.1,
            "warmup_target": 0.3,
            "warmup_steps": 20,
        },
    ),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 20}),
    (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 15, "t_mul": 1.0, "m_mul": 0.5},
    ),
    (
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.2,
            "first_decay_steps": 12,
            "t_mul": 1.5,
            "m_mul": 0.8,
            "alpha": 0.05,
        },
    ),
]


def case_id(case):
    return case[0] + "".join(
        f"-{k}={v}" for k, v in case[1].items() if k != "initial_learning_rate"
    )


def keras_serialized(obj, module="keras.optimizers.schedules"):
    """Keras 3's serialized layout (as keras.saving.serialize_keras_object writes it, which
    is slow to import here), built from the object's own get_config()."""
    return {
        "module": module,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": None,
    }


def keras_value(schedule, step):
    return float(keras.ops.convert_to_numpy(schedule(step)))


def rounding_decided_jumps(name, kwargs):
    """The steps of STEPS where float32 rounding decides which side of a jump Keras lands on.

    Staircases, boundaries and t_mul=1 restarts compare integers or floor exact quotients, so
    every CPU agrees there. Geometric restarts (t_mul != 1) floor a ratio of float32
    logarithms: at an exact restart that ratio is an integer only up to the CPU's ``log``.
    """
    if name != "CosineDecayRestarts" or kwargs.get("t_mul", 2.0) == 1.0:
        return {}
    t_mul, first = kwargs.get("t_mul", 2.0), kwargs["first_decay_steps"]
    jumps, restart = {}, 1
    while first * (t_mul**restart - 1) / (t_mul - 1) <= max(STEPS):
        start = first * (t_mul**restart - 1) / (t_mul - 1)
        if abs(start - round(start)) < 1e-9:
            jumps[round(start)] = restart
        restart += 1
    return jumps


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_schedule_matches_keras_at_many_steps(case):
    name, kwargs = case
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    jumps = rounding_decided_jumps(name, kwargs)
    steps = [step for step in STEPS if step not in jumps]
    got = np.array([ours(step) for step in steps])
    expected = np.array([keras_value(theirs, step) for step in steps])
    # Keras computes in float32, lamina in Python floats (float64).
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-8)
    assert all(isinstance(ours(step), float) for step in (0, 3, 10**6))
    # At an exact restart lamina starts the new period; Keras lands on either side of the
    # jump (the new peak, or the old period's floor alpha), depending on the CPU.
    for step, restart in jumps.items():
        initial, alpha = kwargs["initial_learning_rate"], kwargs.get("alpha", 0.0)
        peak = initial * ((1 - alpha) * kwargs.get("m_mul", 1.0) ** restart + alpha)
        assert ours(step) == pytest.approx(peak, rel=1e-12)
        sides = [peak, initial * alpha]
        assert min(abs(keras_value(theirs, step) - side) for side in sides) <= 2e-6 * initial


@pytest.mark.parametrize(
    ("first", "t_mul", "restarts"),
    [(12, 1.5, [12, 30, 57]), (2, 3.0, [2, 8, 26, 80, 242]), (20, 2.0, [20, 60, 140, 300])],
)
def test_cosine_decay_restarts_starts_each_period_at_its_exact_restart(first, t_mul, restarts):
    schedule = schedules.CosineDecayRestarts(1.0, first, t_mul=t_mul, m_mul=0.8, alpha=0.1)
    for index, step in enumerate(restarts, start=1):
        assert schedule(step) == pytest.approx(0.9 * 0.8**index + 0.1, rel=1e-12)
        assert schedule(step - 1) < schedule(step)  # the previous period decayed


def test_cosine_decay_restarts_periods_grow_by_t_mul():
    schedule = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    # Restarts at steps 10 and 30 (periods of 10 and 20 steps), each peak halved.
    assert schedule(0) == pytest.approx(1.0)
    assert schedule(10) == pytest.approx(0.5)
    assert schedule(30) == pytest.approx(0.25)
    assert schedule(20) == pytest.approx(0.5 * 0.5 * (1 + np.cos(np.pi * 0.5)))


def test_schedule_drives_the_optimizer_step_by_step():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    weight = torch.nn.Parameter(torch.tensor([1.0]))
    optimizer = optimizers.SGD(learning_rate=schedule)
    assert optimizer.learning_rate == pytest.approx(0.1)
    optimizer.build([weight])
    expected = 1.0
    for step in range(6):
        assert optimizer.learning_rate == pytest.approx(schedule(step))
        optimizer.zero_grad()
        (weight * 1.0).sum().backward()  # gradient 1
        optimizer.step()
        expected -= schedule(step)
        assert weight.item() == pytest.approx(expected)
    assert optimizer.iterations == 6
    assert optimizer.learning_rate == pytest.approx(schedule(6))
    assert optimizer.torch_optimizer.param_groups[0]["lr"] == pytest.approx(schedule(5))


def test_optimizer_with_schedule_matches_keras_sgd_trajectory():
    kwargs = {"initial_learning_rate": 0.2, "decay_steps": 5, "alpha": 0.1}
    w0 = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    ours = torch.nn.Parameter(torch.tensor(w0))
    optimizer = optimizers.SGD(schedules.CosineDecay(**kwargs), momentum=0.9)
    optimizer.build([ours])
    theirs = keras.Variable(w0)
    keras_optimizer = keras.optimizers.SGD(
        keras.optimizers.schedules.CosineDecay(**kwargs), momentum=0.9
    )
    for _ in range(8):
        gradient = np.sin(keras.ops.convert_to_numpy(theirs)) + 0.3
        optimizer.apply([torch.sin(ours.detach()) + 0.3], [ours])
        keras_optimizer.apply([keras.ops.convert_to_tensor(gradient)], [theirs])
    # torch keeps SGD's momentum in gradient units, Keras in step units: lamina rescales
    # the buffer at each change of rate, so the trajectories agree.
    np.testing.assert_allclose(ours.detach().numpy(), keras.ops.convert_to_numpy(theirs), rtol=1e-6, atol=1e-7)
    plain = torch.nn.Parameter(torch.tensor(w0))
    plain_optimizer = optimizers.SGD(schedules.CosineDecay(**kwargs))
    plain_optimizer.build([plain])
    keras_plain = keras.Variable(w0)
    keras_plain_optimizer = keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(**kwargs))
    for _ in range(8):
        gradient = np.sin(keras.ops.convert_to_numpy(keras_plain)) + 0.3
        plain_optimizer.apply([torch.sin(plain.detach()) + 0.3], [plain])
        keras_plain_optimizer.apply([keras.ops.convert_to_tensor(gradient)], [keras_plain])
    np.testing.assert_allclose(
        plain.detach().numpy(), keras.ops.convert_to_numpy(keras_plain), rtol=1e-6, atol=1e-7
    )


def test_learning_rate_of_a_scheduled_optimizer_cannot_be_set_to_a_number():
    optimizer = optimizers.Adam(schedules.PolynomialDecay(0.1, 10))
    with pytest.raises(ConfigurationError, match="schedule"):
        optimizer.learning_rate = 0.01
    optimizer.learning_rate = schedules.ExponentialDecay(0.5, 10, 0.5)
    assert optimizer.learning_rate == pytest.approx(0.5)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_serialize_round_trip_and_keras_configs(case):
    name, kwargs = case
    schedule = getattr(schedules, name)(**kwargs)
    rebuilt = schedules.deserialize(schedules.serialize(schedule))
    assert type(rebuilt) is type(schedule) and rebuilt.get_config() == schedule.get_config()
    keras_config = keras_serialized(getattr(keras.optimizers.schedules, name)(**kwargs))
    from_keras = schedules.deserialize(keras_config)
    assert [from_keras(s) for s in (0, 17, 99)] == pytest.approx([schedule(s) for s in (0, 17, 99)])


def test_optimizer_config_carries_the_schedule():
    optimizer = optimizers.Adam(
        schedules.CosineDecay(1e-3, 100, warmup_target=1e-2, warmup_steps=10)
    )
    config = optimizer.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    rebuilt = optimizers.Adam.from_config(config)
    assert isinstance(rebuilt.learning_rate_schedule, schedules.CosineDecay)
    # Keras nests a schedule in its optimizer config in this layout (its own serializer would
    # import TensorFlow, which takes seconds when installed).
    keras_adam = keras_serialized(keras.optimizers.Adam(0.01), "keras.optimizers")
    keras_schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
    keras_adam["config"]["learning_rate"] = keras_serialized(keras_schedule)
    from_keras = optimizers.deserialize(keras_adam)
    assert from_keras.learning_rate == pytest.approx(0.01)


def test_bad_schedule_arguments_are_named():
    with pytest.raises(ConfigurationError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ConfigurationError, match="one more entry"):
        schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5])
    with pytest.raises(ConfigurationError, match="increase"):
        schedules.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1])
    with pytest.raises(ConfigurationError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, -5)
    with pytest.raises(ConfigurationError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Triangular", "config": {}})
