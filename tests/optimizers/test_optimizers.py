"""lamina.optimizers against Keras's update formulas (NumPy) and against torch.optim itself."""

import copy
import math

import numpy as np
import pytest
import torch

from lamina import optimizers
from lamina.errors import ConfigurationError, SavingError
from lamina.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop, TorchOptimizer

# --------------------------------------------------------------------------------------------
# Keras 3's update rules, written out in NumPy (float64). ``slot`` holds one variable's state.


def keras_sgd(w, g, slot, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g
    slot["m"] = momentum * slot.get("m", 0.0) - lr * g
    return w + momentum * slot["m"] - lr * g if nesterov else w + slot["m"]


def keras_adam(w, g, slot, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    slot["m"] = slot.get("m", 0.0) + (g - slot.get("m", 0.0)) * (1 - beta_1)
    slot["v"] = slot.get("v", 0.0) + (g * g - slot.get("v", 0.0)) * (1 - beta_2)
    v = slot["v"]
    if amsgrad:
        slot["v_hat"] = np.maximum(slot.get("v_hat", 0.0), v)
        v = slot["v_hat"]
    alpha = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return w - slot["m"] * alpha / (np.sqrt(v) + epsilon)


def keras_rmsprop(w, g, slot, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    slot["v"] = rho * slot.get("v", 0.0) + (1 - rho) * g * g
    denominator = slot["v"] + epsilon
    if centered:
        slot["a"] = rho * slot.get("a", 0.0) + (1 - rho) * g
        denominator = denominator - slot["a"] ** 2
    increment = lr * g / np.sqrt(denominator)
    if momentum > 0:
        slot["m"] = momentum * slot.get("m", 0.0) + increment
        return w - slot["m"]
    return w - increment


def keras_adagrad(w, g, slot, t, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    slot["acc"] = slot.get("acc", initial_accumulator_value) + g * g
    return w - lr * g / np.sqrt(slot["acc"] + epsilon)


KERAS_RULES = {
    "SGD": keras_sgd,
    "Adam": keras_adam,
    "AdamW": keras_adam,
    "RMSprop": keras_rmsprop,
    "Adagrad": keras_adagrad,
}
KERAS_DEFAULTS = {
    "SGD": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "Adam": {
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "amsgrad": False,
    },
    "AdamW": {
        "learning_rate": 0.001,
        "weight_decay": 0.004,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "amsgrad": False,
    },
    "RMSprop": {
        "learning_rate": 0.001,
        "rho": 0.9,
        "momentum": 0.0,
        "epsilon": 1e-7,
        "centered": False,
    },
    "Adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
}


class KerasReference:
    """Keras's ``apply``: clip the gradients, decay the weights, then the update rule."""

    def __init__(self, class_name, **config):
        config = {**KERAS_DEFAULTS[class_name], **config}
        self.rule = KERAS_RULES[class_name]
        self.learning_rate = config.pop("learning_rate")
        self.weight_decay = config.pop("weight_decay", None)
        self.clipnorm = config.pop("clipnorm", None)
        self.clipvalue = config.pop("clipvalue", None)
        self.global_clipnorm = config.pop("global_clipnorm", None)
        self.hyper = config
        self.slots = None
        self.iterations = 0

    def apply(self, weights, grads):
        if self.slots is None:
            self.slots = [{} for _ in weights]
        if self.clipnorm is not None:
            grads = [g * self.clipnorm / max(np.linalg.norm(g), self.clipnorm) for g in grads]
        elif self.global_clipnorm is not None:
            norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
            grads = [g * self.global_clipnorm / max(norm, self.global_clipnorm) for g in grads]
        elif self.clipvalue is not None:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        lr = self.learning_rate
        if self.weight_decay is not None:
            weights = [w - w * self.weight_decay * lr for w in weights]
        self.iterations += 1
        return [
            self.rule(w, g, slot, self.iterations, lr, **self.hyper)
            for w, g, slot in zip(weights, grads, self.slots)
        ]


# --------------------------------------------------------------------------------------------
# A separable quadratic: loss = sum(0.5 * curvature * (w - target)**2 * scale).


class Quadratic:
    shapes = [(4, 3), (3,)]

    def __init__(self, seed=0, scale=1.0):
        rng = np.random.default_rng(seed)
        self.start = [rng.normal(size=s) for s in self.shapes]
        self.target = [rng.normal(size=s) for s in self.shapes]
        self.curvature = [rng.uniform(0.5, 2.0, size=s) for s in self.shapes]
        self.scale = scale

    def grads(self, weights):
        return [self.scale * h * (w - c) for w, c, h in zip(weights, self.target, self.curvature)]

    def parameters(self, dtype=torch.float64):
        return [torch.nn.Parameter(torch.tensor(w, dtype=dtype)) for w in self.start]

    def backward(self, parameters):
        dtype = parameters[0].dtype
        if getattr(self, "_constants_dtype", None) != dtype:
            as_torch = lambda arrays: [torch.as_tensor(a, dtype=dtype) for a in arrays]  # noqa: E731
            self._constants = list(zip(as_torch(self.target), as_torch(self.curvature)))
            self._constants_dtype = dtype
        loss = sum(
            (0.5 * self.scale * h * (p - c) ** 2).sum()
            for p, (c, h) in zip(parameters, self._constants)
        )
        loss.backward()


def run_lamina(optimizer, problem, steps, dtype=torch.float64):
    parameters = problem.parameters(dtype)
    optimizer.build(parameters)
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        problem.backward(parameters)
        optimizer.step()
        trajectory.append([p.detach().numpy().astype(np.float64).copy() for p in parameters])
    return trajectory


def run_keras(reference, problem, steps):
    weights = [w.copy() for w in problem.start]
    trajectory = []
    for _ in range(steps):
        weights = reference.apply(weights, problem.grads(weights))
        trajectory.append(weights)
    return trajectory


def assert_same_displacements(ours, reference, start, rtol):
    """Compare the distance travelled from the start (far more sensitive than the values)."""
    for step, (ours_step, reference_step) in enumerate(zip(ours, reference)):
        for a, b, w0 in zip(ours_step, reference_step, start):
            travelled = b - w0
            np.testing.assert_allclose(
                a - w0,
                travelled,
                rtol=rtol,
                atol=rtol * np.abs(travelled).max(),
                err_msg=f"step {step + 1}",
            )


CLASSES = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW, "RMSprop": RMSprop, "Adagrad": Adagrad}

# Adam's and RMSprop's epsilon sits in a different place in Keras and torch (see their
# docstrings); with gradients well above epsilon (scale 100) the two formulas agree to 1e-6.
ADAPTIVE = 100.0
KERAS_CASES = [
    ("SGD", {"learning_rate": 0.1}, 1.0),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}, 1.0),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, 1.0),
    ("SGD", {"learning_rate": 0.1, "nesterov": True}, 1.0),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.5, "weight_decay": 0.1}, 1.0),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "clipnorm": 0.5, "weight_decay": 0.2}, 1.0),
    ("Adam", {"learning_rate": 0.05}, ADAPTIVE),
    ("Adam", {"learning_rate": 0.05, "epsilon": 0.0}, 1.0),
    ("Adam", {"learning_rate": 0.05, "amsgrad": True}, ADAPTIVE),
    ("Adam", {"learning_rate": 0.05, "weight_decay": 0.1, "global_clipnorm": 150.0}, ADAPTIVE),
    ("AdamW", {"learning_rate": 0.05}, ADAPTIVE),
    (
        "AdamW",
        {"learning_rate": 0.05, "weight_decay": 0.3, "amsgrad": True, "beta_1": 0.8},
        ADAPTIVE,
    ),
    ("RMSprop", {"learning_rate": 0.01}, ADAPTIVE),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.9}, ADAPTIVE),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "rho": 0.8}, ADAPTIVE),
    (
        "RMSprop",
        {
            "learning_rate": 0.01,
            "centered": True,
            "momentum": 0.5,
            "weight_decay": 0.1,
            "clipvalue": 30.0,
        },
        ADAPTIVE,
    ),
    ("Adagrad", {"learning_rate": 0.1}, 1.0),
    ("Adagrad", {"learning_rate": 0.1, "weight_decay": 0.2, "initial_accumulator_value": 0.5}, 1.0),
]


@pytest.mark.parametrize(("class_name", "config", "scale"), KERAS_CASES, ids=lambda v: str(v))
def test_trajectory_matches_keras_update_formula(class_name, config, scale):
    problem = Quadratic(seed=1, scale=scale)
    ours = run_lamina(CLASSES[class_name](**config), problem, steps=40)
    keras = run_keras(KerasReference(class_name, **config), problem, steps=40)
    assert_same_displacements(ours, keras, problem.start, rtol=1e-6)


def test_keras_reference_is_sensitive_to_the_hyper_parameters():
    # Guards the comparison above: a different momentum must not pass it.
    problem = Quadratic(seed=1)
    ours = run_lamina(SGD(learning_rate=0.05, momentum=0.9), problem, steps=40)
    keras = run_keras(KerasReference("SGD", learning_rate=0.05, momentum=0.89), problem, steps=40)
    with pytest.raises(AssertionError):
        assert_same_displacements(ours, keras, problem.start, rtol=1e-6)


# --------------------------------------------------------------------------------------------
# The same runs with gradients around 1 and tiny ones (1e-7 scale), where epsilon's placement
# decides the step: Keras's placement, in float64, to rounding.

TINY_CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.05}),
    ("Adam", {"amsgrad": True, "epsilon": 1e-6}),
    ("AdamW", {"weight_decay": 0.3}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True, "epsilon": 1e-6}),
    ("Adagrad", {"initial_accumulator_value": 0.0}),
]


@pytest.mark.parametrize("scale", [1.0, 1e-7])
@pytest.mark.parametrize(("class_name", "config"), TINY_CASES, ids=lambda v: str(v))
def test_trajectory_matches_keras_with_tiny_gradients(class_name, config, scale):
    problem = Quadratic(seed=2, scale=scale)
    ours = run_lamina(CLASSES[class_name](**config), problem, steps=30)
    keras = run_keras(KerasReference(class_name, **config), problem, steps=30)
    assert_same_displacements(ours, keras, problem.start, rtol=1e-9)


@pytest.mark.parametrize("class_name", ["Adam", "AdamW"])
def test_cpu_adam_runs_torch_fused_kernel_with_keras_epsilon_in_float32(class_name):
    optimizer = CLASSES[class_name]()
    problem = Quadratic(seed=3, scale=0.01)
    ours = run_lamina(optimizer, problem, steps=20, dtype=torch.float32)
    assert optimizer.torch_optimizer.param_groups[0]["fused"] is True
    keras = run_keras(KerasReference(class_name), problem, steps=20)
    for a, b in zip(ours[-1], keras[-1]):  # float32 weights: compare values, not displacements
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_sgd_momentum_keeps_moving_at_learning_rate_zero_as_keras():
    problem = Quadratic(seed=5)
    optimizer = SGD(learning_rate=0.05, momentum=0.9)
    parameters = problem.parameters()
    optimizer.build(parameters)
    reference = KerasReference("SGD", learning_rate=0.05, momentum=0.9)
    weights = [w.copy() for w in problem.start]
    for rate in (0.05, 0.05, 0.0, 0.0, 0.02):
        optimizer.learning_rate = rate
        reference.learning_rate = rate
        optimizer.zero_grad()
        problem.backward(parameters)
        optimizer.step()
        weights = reference.apply(weights, problem.grads(weights))
        for ours, theirs in zip(parameters, weights):
            np.testing.assert_allclose(ours.detach().numpy(), theirs, rtol=1e-12)
    assert not np.allclose(weights[0], problem.start[0])


# --------------------------------------------------------------------------------------------
# Clipping and weight decay, step by step.


def parameters_with_grads(grads):
    parameters = []
    for grad in grads:
        p = torch.nn.Parameter(torch.zeros_like(grad))
        p.grad = grad.clone()
        parameters.append(p)
    return parameters


GRADS = [torch.tensor([3.0, 4.0]), torch.tensor([[0.3, -0.4]]), torch.zeros(3)]


def one_sgd_step(**clipping):
    """Parameters start at 0; plain SGD with learning rate 1 leaves them at -clipped grad."""
    parameters = parameters_with_grads(GRADS)
    optimizer = SGD(learning_rate=1.0, **clipping)
    optimizer.build(parameters)
    optimizer.step()
    return [-p.detach() for p in parameters]


def test_clipnorm_scales_each_tensor_to_the_limit():
    clipped = one_sgd_step(clipnorm=1.0)
    torch.testing.assert_close(clipped[0], torch.tensor([0.6, 0.8]))  # norm 5 -> 1
    torch.testing.assert_close(clipped[1], GRADS[1])  # norm 0.5, kept
    torch.testing.assert_close(clipped[2], GRADS[2])  # norm 0, no NaN


def test_clipvalue_clips_each_element():
    clipped = one_sgd_step(clipvalue=0.35)
    torch.testing.assert_close(clipped[0], torch.tensor([0.35, 0.35]))
    torch.testing.assert_close(clipped[1], torch.tensor([[0.3, -0.35]]))


def test_global_clipnorm_scales_all_tensors_together():
    clipped = one_sgd_step(global_clipnorm=2.0)
    total = math.sqrt(25 + 0.25)
    for got, grad in zip(clipped, GRADS):
        torch.testing.assert_close(got, grad * 2.0 / total, rtol=1e-5, atol=1e-7)


def test_no_clipping_when_below_the_global_limit():
    unclipped = one_sgd_step(global_clipnorm=100.0)
    for got, grad in zip(unclipped, GRADS):
        torch.testing.assert_close(got, grad)


def test_parameter_without_gradient_is_left_alone_by_clipping_and_decay():
    parameters = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))]
    parameters[0].grad = torch.tensor([10.0, 0.0])
    optimizer = SGD(learning_rate=0.1, clipnorm=1.0, weight_decay=0.5)
    optimizer.build(parameters)
    optimizer.step()
    torch.testing.assert_close(parameters[0].detach(), torch.tensor([1 - 0.05 - 0.1, 1 - 0.05]))
    torch.testing.assert_close(parameters[1].detach(), torch.ones(2))


@pytest.mark.parametrize("class_name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_weight_decay_is_decoupled_and_uses_the_current_learning_rate(class_name):
    # Zero gradients isolate the decay: w <- w * (1 - lr * wd) each step, whatever the rule.
    parameter = torch.nn.Parameter(torch.full((3,), 2.0, dtype=torch.float64))
    optimizer = CLASSES[class_name](learning_rate=0.1, weight_decay=0.5)
    optimizer.build([parameter])
    expected = 2.0
    for lr in (0.1, 0.1, 0.02):
        optimizer.learning_rate = lr
        parameter.grad = torch.zeros_like(parameter)
        optimizer.step()
        expected *= 1 - lr * 0.5
    torch.testing.assert_close(parameter.detach(), torch.full((3,), expected, dtype=torch.float64))


def test_weight_decay_differs_from_torch_l2_regularisation():
    problem = Quadratic(seed=4)
    ours = run_lamina(SGD(learning_rate=0.05, momentum=0.9, weight_decay=0.2), problem, steps=10)
    parameters = problem.parameters()
    l2 = torch.optim.SGD(parameters, lr=0.05, momentum=0.9, weight_decay=0.2)
    for _ in range(10):
        l2.zero_grad()
        problem.backward(parameters)
        l2.step()
    assert not np.allclose(ours[-1][0], parameters[0].detach().numpy(), rtol=1e-3)


# --------------------------------------------------------------------------------------------
# Learning rate, iterations, build.


def test_learning_rate_get_and_set_before_and_after_build():
    optimizer = Adam()
    assert optimizer.learning_rate == 0.001
    optimizer.learning_rate = 0.01
    assert optimizer.learning_rate == 0.01
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    optimizer.build(model.parameters())
    assert [g["lr"] for g in optimizer.torch_optimizer.param_groups] == [0.01]
    optimizer.learning_rate = torch.tensor(2e-4)
    assert optimizer.learning_rate == pytest.approx(2e-4)
    assert isinstance(optimizer.learning_rate, float)
    assert optimizer.torch_optimizer.param_groups[0]["lr"] == pytest.approx(2e-4)
    assert optimizer.get_config()["learning_rate"] == pytest.approx(2e-4)


def test_setting_learning_rate_changes_the_step_size():
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = SGD(learning_rate=0.5)
    optimizer.build([parameter])
    parameter.grad = torch.ones(1)
    optimizer.step()
    optimizer.learning_rate = 0.25
    optimizer.step()
    assert parameter.item() == pytest.approx(-0.75)
    assert optimizer.iterations == 2


def test_learning_rate_setter_rejects_bad_values():
    optimizer = SGD()
    with pytest.raises(ConfigurationError, match=r"learning_rate.*Received: learning_rate=-1"):
        optimizer.learning_rate = -1


def test_build_is_idempotent_and_refuses_other_parameters():
    model = torch.nn.Linear(2, 2)
    optimizer = SGD()
    optimizer.build(model.parameters())
    first = optimizer.torch_optimizer
    optimizer.build(list(model.parameters()))
    assert optimizer.torch_optimizer is first
    with pytest.raises(ConfigurationError, match="already built for other parameters"):
        optimizer.build(torch.nn.Linear(2, 2).parameters())


def test_build_deduplicates_shared_parameters():
    layer = torch.nn.Linear(2, 2)
    optimizer = Adam()
    optimizer.build([*layer.parameters(), *layer.parameters()])
    assert len(optimizer.torch_optimizer.param_groups[0]["params"]) == 2


def test_build_errors():
    with pytest.raises(ConfigurationError, match="no parameters to optimize"):
        SGD().build([])
    with pytest.raises(ConfigurationError, match="expected torch Parameters"):
        SGD().build([1.0, 2.0])
    with pytest.raises(ConfigurationError, match=r"step\(\) was called before build"):
        SGD().step()
    SGD().zero_grad()  # nothing to clear yet: a no-op, not an error


def test_zero_grad_sets_gradients_to_none():
    layer = torch.nn.Linear(2, 1)
    optimizer = SGD()
    optimizer.build(layer.parameters())
    layer(torch.ones(1, 2)).sum().backward()
    optimizer.zero_grad()
    assert all(p.grad is None for p in layer.parameters())


def test_apply_gradients_like_a_keras_custom_loop():
    a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))
    optimizer = SGD(learning_rate=0.5)
    assert optimizer.apply_gradients([(torch.tensor([1.0, 2.0]), a), (None, b)]) == 1
    torch.testing.assert_close(a.detach(), torch.tensor([0.5, 0.0]))
    torch.testing.assert_close(b.detach(), torch.ones(2))
    optimizer.apply([torch.ones(2)], [b])
    torch.testing.assert_close(a.detach(), torch.tensor([0.5, 0.0]))
    torch.testing.assert_close(b.detach(), torch.full((2,), 0.5))
    with pytest.raises(ConfigurationError, match="not among those"):
        optimizer.apply([torch.ones(2)], [torch.nn.Parameter(torch.ones(2))])
    with pytest.raises(ConfigurationError, match="one gradient per variable"):
        optimizer.apply([torch.ones(2)])


# --------------------------------------------------------------------------------------------
# state_dict: exact resume.


def mlp(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


BATCHES = [
    (torch.randn(5, 6, generator=torch.Generator().manual_seed(i)), i % 3) for i in range(10)
]


def train(model, optimizer, batches):
    for x, label in batches:
        optimizer.zero_grad()
        target = torch.full((x.shape[0],), label)
        torch.nn.functional.cross_entropy(model(x), target).backward()
        optimizer.step()


STATE_CASES = [
    (SGD, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (Adam, {"amsgrad": True, "clipnorm": 1.0}),
    (AdamW, {}),
    (RMSprop, {"momentum": 0.5, "centered": True}),
    (Adagrad, {"global_clipnorm": 0.5}),
]


@pytest.mark.parametrize("load_before_build", [False, True])
@pytest.mark.parametrize(
    ("cls", "config"), STATE_CASES, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_state_dict_round_trip_resumes_bitwise(cls, config, load_before_build):
    model_a, optimizer_a = mlp(0), cls(**config)
    optimizer_a.build(model_a.parameters())
    train(model_a, optimizer_a, BATCHES[:5])
    optimizer_a.learning_rate = optimizer_a.learning_rate / 2
    saved_model = copy.deepcopy(model_a.state_dict())
    saved_optimizer = copy.deepcopy(optimizer_a.state_dict())

    model_b, optimizer_b = mlp(1), cls(**config)
    model_b.load_state_dict(saved_model)
    if load_before_build:
        optimizer_b.load_state_dict(saved_optimizer)
        optimizer_b.build(model_b.parameters())
    else:
        optimizer_b.build(model_b.parameters())
        optimizer_b.load_state_dict(saved_optimizer)
    assert optimizer_b.iterations == 5
    assert optimizer_b.learning_rate == optimizer_a.learning_rate

    train(model_a, optimizer_a, BATCHES[5:])
    train(model_b, optimizer_b, BATCHES[5:])
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)
    assert optimizer_b.iterations == optimizer_a.iterations == 10


def test_loaded_state_is_not_shared_with_the_source_optimizer():
    # Live state straight from another optimizer: torch alone would share its tensors.
    model_a, optimizer_a = mlp(0), Adam()
    optimizer_a.build(model_a.parameters())
    train(model_a, optimizer_a, BATCHES[:5])
    model_b, optimizer_b = mlp(1), Adam()
    model_b.load_state_dict(model_a.state_dict())
    optimizer_b.build(model_b.parameters())
    optimizer_b.load_state_dict(optimizer_a.state_dict())
    train(model_a, optimizer_a, BATCHES[5:])
    train(model_b, optimizer_b, BATCHES[5:])
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)


def test_state_from_another_torch_implementation_keeps_own_fused_choice():
    model_a = mlp(0)
    optimizer_a = Adam()
    optimizer_a.build(model_a.parameters())
    for group in optimizer_a.torch_optimizer.param_groups:  # torch's for-loop implementation
        group.update(fused=None, foreach=False)
    train(model_a, optimizer_a, BATCHES[:5])
    model_b = mlp(1)
    model_b.load_state_dict(model_a.state_dict())
    optimizer_b = Adam()
    optimizer_b.build(model_b.parameters())
    optimizer_b.load_state_dict(copy.deepcopy(optimizer_a.state_dict()))
    assert optimizer_b.torch_optimizer.param_groups[0]["fused"] is True
    train(model_a, optimizer_a, BATCHES[5:])
    train(model_b, optimizer_b, BATCHES[5:])
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_load_state_dict_errors():
    optimizer = Adam()
    optimizer.build(mlp(0).parameters())
    with pytest.raises(SavingError, match="missing"):
        optimizer.load_state_dict({"iterations": 3})
    other = Adam()
    other.build(torch.nn.Linear(2, 2).parameters())
    with pytest.raises(SavingError, match="does not fit"):
        optimizer.load_state_dict(other.state_dict())


# --------------------------------------------------------------------------------------------
# get / serialize.


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("sgd", SGD),
        ("SGD", SGD),
        ("adam", Adam),
        ("Adam", Adam),
        ("adamw", AdamW),
        ("AdamW", AdamW),
        ("rmsprop", RMSprop),
        ("RMSprop", RMSprop),
        ("RMSProp", RMSprop),
        ("adagrad", Adagrad),
        ("Adagrad", Adagrad),
    ],
)
def test_get_by_name_gives_keras_defaults(name, cls):
    optimizer = optimizers.get(name)
    assert type(optimizer) is cls
    config = optimizer.get_config()
    for key, value in KERAS_DEFAULTS[cls.__name__].items():
        assert config[key] == value, key


@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(learning_rate=0.3, momentum=0.5, nesterov=True, clipvalue=2.0, name="my_sgd"),
        Adam(beta_1=0.8, epsilon=1e-6, amsgrad=True, weight_decay=0.01),
        AdamW(learning_rate=0.002, weight_decay=0.1, global_clipnorm=3.0),
        RMSprop(rho=0.95, momentum=0.1, centered=True, clipnorm=1.5),
        Adagrad(initial_accumulator_value=0.0, epsilon=1e-5),
    ],
    ids=lambda o: type(o).__name__,
)
def test_serialize_round_trip(optimizer):
    serialized = optimizers.serialize(optimizer)
    assert serialized["class_name"] == type(optimizer).__name__
    restored = optimizers.get(serialized)
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()
    assert (
        type(optimizer).from_config(optimizer.get_config()).get_config() == optimizer.get_config()
    )


def test_get_passes_instances_and_none_through():
    optimizer = Adam()
    assert optimizers.get(optimizer) is optimizer
    assert optimizers.get(None) is None


def test_deserialize_keras3_config():
    keras_config = {
        "module": "keras.optimizers",
        "class_name": "Adam",
        "config": {
            "name": "adam",
            "learning_rate": 0.0010000000474974513,
            "weight_decay": None,
            "clipnorm": None,
            "global_clipnorm": None,
            "clipvalue": None,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "loss_scale_factor": None,
            "gradient_accumulation_steps": None,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-07,
            "amsgrad": False,
        },
        "registered_name": None,
    }
    optimizer = optimizers.deserialize(keras_config)
    assert isinstance(optimizer, Adam) and optimizer.learning_rate == pytest.approx(1e-3)
    keras_config["config"].update(use_ema=True, ema_momentum=0.9, loss_scale_factor=128.0)
    optimizer = optimizers.deserialize(keras_config)
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    assert optimizer.loss_scale_factor == 128.0
    keras_config["config"]["decay"] = 0.1
    with pytest.raises(ConfigurationError, match="decay"):
        optimizers.deserialize(keras_config)


def test_unknown_or_unusable_identifiers():
    with pytest.raises(
        ConfigurationError, match="Received: optimizer='adabelief'.*sgd, adam, adamw, rmsprop, adagrad"
    ):
        optimizers.get("adabelief")
    with pytest.raises(ConfigurationError, match="Could not interpret"):
        optimizers.get(42)
    with pytest.raises(ConfigurationError, match=r"TorchOptimizer\(Adam, lr=...\)"):
        optimizers.get(torch.optim.Adam)
    with pytest.raises(ConfigurationError, match="does not fit"):
        optimizers.get({"class_name": "SGD", "config": {"momentum": 0.9, "beta": 3}})


# --------------------------------------------------------------------------------------------
# TorchOptimizer: PyTorch users' own optimizers.


def test_get_wraps_a_torch_optimizer_instance():
    model_a, model_b = mlp(0), mlp(0)
    wrapped = optimizers.get(torch.optim.NAdam(model_a.parameters(), lr=0.01))
    assert isinstance(wrapped, TorchOptimizer) and wrapped.built
    wrapped.build(model_a.parameters())  # what compile/fit do: a no-op here
    reference = torch.optim.NAdam(model_b.parameters(), lr=0.01)
    train(model_a, wrapped, BATCHES)
    for x, label in BATCHES:
        reference.zero_grad()
        torch.nn.functional.cross_entropy(model_b(x), torch.full((5,), label)).backward()
        reference.step()
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)
    assert wrapped.iterations == 10
    wrapped.learning_rate = 0.5
    assert wrapped.torch_optimizer.param_groups[0]["lr"] == 0.5


def test_torch_optimizer_class_form_builds_lazily_and_round_trips():
    optimizer = TorchOptimizer(torch.optim.RAdam, lr=0.02, betas=(0.8, 0.9), clipnorm=1.0)
    assert not optimizer.built and optimizer.learning_rate == 0.02
    model = mlp(0)
    optimizer.build(model.parameters())
    assert isinstance(optimizer.torch_optimizer, torch.optim.RAdam)
    assert optimizer.torch_optimizer.defaults["betas"] == (0.8, 0.9)
    config = optimizers.serialize(optimizer)
    assert config["config"]["optimizer"] == "torch.optim.RAdam"
    restored = optimizers.deserialize(config)
    assert not restored.built and restored.learning_rate == 0.02 and restored.clipnorm == 1.0
    restored.build(mlp(0).parameters())
    assert list(restored.torch_optimizer.defaults["betas"]) == [0.8, 0.9]
    assert (
        TorchOptimizer(torch.optim.SGD).learning_rate
        == torch.optim.SGD([torch.zeros(1, requires_grad=True)]).defaults["lr"]
    )


def test_torch_optimizer_errors():
    with pytest.raises(ConfigurationError, match="expected a torch.optim.Optimizer"):
        TorchOptimizer("adam")
    with pytest.raises(ConfigurationError, match="only used with an optimizer class"):
        TorchOptimizer(torch.optim.SGD(mlp(0).parameters()), lr=0.1)
    with pytest.raises(ConfigurationError, match="only torch.optim classes"):
        TorchOptimizer.from_config({"optimizer": "os.system", "optimizer_kwargs": {}})


# --------------------------------------------------------------------------------------------
# Argument errors name the argument and show the value.


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(learning_rate=-0.1), "Received: learning_rate=-0.1"),
        (lambda: Adam(learning_rate="fast"), "Received: learning_rate='fast'"),
        (lambda: Adam(learning_rate=float("nan")), "Received: learning_rate=nan"),
        (
            lambda: SGD(momentum=1.5),
            r"`momentum` must be a number in \[0, 1\). Received: momentum=1.5",
        ),
        (lambda: SGD(momentum=-0.1), "Received: momentum=-0.1"),
        (lambda: SGD(nesterov="yes"), "Received: nesterov='yes'"),
        (lambda: Adam(beta_1=1.0), "Received: beta_1=1.0"),
        (lambda: Adam(beta_2=-0.5), "Received: beta_2=-0.5"),
        (lambda: Adam(epsilon=-1e-7), "Received: epsilon=-1e-07"),
        (lambda: AdamW(weight_decay=None), "Received: weight_decay=None"),
        (lambda: AdamW(weight_decay=-0.1), "Received: weight_decay=-0.1"),
        (lambda: RMSprop(rho=1.0), "Received: rho=1.0"),
        (lambda: RMSprop(momentum=1.0), "Received: momentum=1.0"),
        (lambda: RMSprop(centered=1), "Received: centered=1"),
        (
            lambda: Adagrad(initial_accumulator_value=-0.1),
            "Received: initial_accumulator_value=-0.1",
        ),
        (
            lambda: Adam(clipnorm=0),
            r"`clipnorm` must be a number in \(0, inf\]. Received: clipnorm=0",
        ),
        (
            lambda: Adam(clipnorm=1.0, clipvalue=1.0),
            "only one of `clipnorm`, `clipvalue` and `global_clipnorm`",
        ),
        (lambda: Adam(name=3), "Received: name=3"),
    ],
)
def test_invalid_arguments_name_the_argument_and_value(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()
