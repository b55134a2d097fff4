"""Keras 3's mixed-precision names: DTypePolicy, set_dtype_policy, LossScaleOptimizer."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import mixed_precision
from lamina.errors import ConfigurationError


@pytest.fixture(autouse=True)
def restore_policy():
    yield
    mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_dtype_policy_matches_keras(name):
    ours, theirs = mixed_precision.DTypePolicy(name), keras.mixed_precision.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype
    )
    assert ours.get_config() == theirs.get_config()
    assert keras.mixed_precision.DTypePolicy.from_config(ours.get_config()).name == name
    assert mixed_precision.DTypePolicy.from_config(theirs.get_config()) == ours


def test_keras_aliases():
    assert mixed_precision.Policy is mixed_precision.DTypePolicy
    assert mixed_precision.DTypePolicy().name == "float32"
    mixed_precision.set_dtype_policy("mixed_bfloat16")
    assert mixed_precision.dtype_policy() == mixed_precision.global_policy()
    assert mixed_precision.dtype_policy().name == "mixed_bfloat16"
    assert mixed_precision.LossScaleOptimizer is lamina.optimizers.LossScaleOptimizer


def test_unknown_policy_is_refused():
    with pytest.raises(ConfigurationError, match="'int8'"):
        mixed_precision.DTypePolicy("int8")


def test_loss_scale_optimizer_config_round_trips_both_ways():
    keras.backend.clear_session()  # Keras numbers default names per session: a fresh one, as lamina's
    ours = lamina.optimizers.LossScaleOptimizer(
        lamina.optimizers.SGD(0.1), initial_scale=1024.0, dynamic_growth_steps=5
    )
    theirs = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(0.1), initial_scale=1024.0, dynamic_growth_steps=5
    )
    config, expected = ours.get_config(), theirs.get_config()
    assert {k: v for k, v in config.items() if k != "inner_optimizer"} == {
        k: v for k, v in expected.items() if k != "inner_optimizer"
    }
    back = lamina.optimizers.LossScaleOptimizer.from_config(expected)
    assert type(back.inner_optimizer) is lamina.optimizers.SGD
    assert back.learning_rate == pytest.approx(0.1)
    rebuilt = keras.optimizers.LossScaleOptimizer.from_config(config)
    assert rebuilt.get_config()["dynamic_growth_steps"] == 5


def _step(optimizer, model, x, y):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    optimizer.scale_loss(loss).backward()
    optimizer.step()


def test_loss_scale_optimizer_trains_like_its_inner_optimizer():
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    plain = torch.nn.Linear(3, 1)
    scaled = torch.nn.Linear(3, 1)
    scaled.load_state_dict(plain.state_dict())
    inner = lamina.optimizers.SGD(0.1)
    inner.build(plain.parameters())
    wrapped = lamina.optimizers.LossScaleOptimizer(lamina.optimizers.SGD(0.1), initial_scale=256.0)
    wrapped.build(scaled.parameters())
    for _ in range(3):
        _step(inner, plain, x, y)
        _step(wrapped, scaled, x, y)
    for a, b in zip(plain.parameters(), scaled.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert wrapped.iterations == 3 and wrapped.dynamic_scale == 256.0


def test_overflow_skips_the_step_and_halves_the_scale_growth_doubles_it():
    model = torch.nn.Linear(2, 1)
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = lamina.optimizers.LossScaleOptimizer(
        lamina.optimizers.SGD(0.1), initial_scale=8.0, dynamic_growth_steps=2
    )
    optimizer.build(model.parameters())
    optimizer.zero_grad()
    optimizer.scale_loss(model(torch.tensor([[float("inf"), 1.0]])).sum()).backward()
    optimizer.step()
    for p, b in zip(model.parameters(), before):
        assert torch.equal(p.detach(), b)
    assert optimizer.dynamic_scale == 4.0
    for _ in range(2):
        _step(optimizer, model, torch.ones(4, 2), torch.zeros(4, 1))
    assert optimizer.dynamic_scale == 8.0


def test_bad_arguments_are_named():
    with pytest.raises(ConfigurationError, match="inner_optimizer"):
        lamina.optimizers.LossScaleOptimizer("adam")
    with pytest.raises(ConfigurationError, match="initial_scale=0"):
        lamina.optimizers.LossScaleOptimizer(lamina.optimizers.SGD(), initial_scale=0)
