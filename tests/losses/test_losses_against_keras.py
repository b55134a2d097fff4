"""Losses against real Keras 3 losses fed the same inputs (KERAS_BACKEND=torch): every reduction,
sample weights, the function forms, Keras's names, configs and argument errors."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import losses
from lamina.errors import ConfigurationError

RNG = np.random.default_rng(7)
BATCH, CLASSES = 6, 4
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]
WEIGHTS = np.array([0.5, 0.0, 2.0, 1.0, 0.25, 3.0])


def _probabilities():
    logits = RNG.normal(size=(BATCH, CLASSES)) * 2
    return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)


def _one_hot():
    return np.eye(CLASSES)[RNG.integers(0, CLASSES, size=BATCH)]


def _binary():
    return RNG.integers(0, 2, size=(BATCH, CLASSES)).astype(float)


def _positive():
    return RNG.uniform(0.05, 3.0, size=(BATCH, CLASSES))


def _normal():
    return RNG.normal(size=(BATCH, CLASSES))


def _unit():
    return RNG.uniform(size=(BATCH, CLASSES))


# (lamina class, keras class name, constructor kwargs, y_true maker, y_pred maker)
CASES = [
    ("MeanAbsolutePercentageError", {}, _normal, _normal),
    ("MeanSquaredLogarithmicError", {}, _positive, _normal),
    ("CosineSimilarity", {}, _normal, _normal),
    ("CosineSimilarity", {"axis": 0}, _normal, _normal),
    ("LogCosh", {}, lambda: _normal() * 30, _normal),
    ("Hinge", {}, _binary, _normal),
    ("Hinge", {}, lambda: 2 * _binary() - 1, _normal),
    ("SquaredHinge", {}, _binary, _normal),
    ("CategoricalHinge", {}, _one_hot, _normal),
    ("KLDivergence", {}, _probabilities, _probabilities),
    ("Poisson", {}, lambda: RNG.poisson(2.0, size=(BATCH, CLASSES)).astype(float), _positive),
    ("BinaryFocalCrossentropy", {}, _binary, _unit),
    (
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5, "label_smoothing": 0.1},
        _binary,
        _unit,
    ),
    ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 3.0}, _binary, _normal),
    ("CategoricalFocalCrossentropy", {}, _one_hot, _probabilities),
    (
        "CategoricalFocalCrossentropy",
        {"from_logits": True, "alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.2},
        _one_hot,
        _normal,
    ),
    ("Dice", {"axis": 1}, _binary, _unit),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": 1}, _binary, _unit),
]


def case_id(case):
    name, kwargs = case[0], case[1]
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


# Per-sample weights need one loss per sample; CosineSimilarity(axis=0) gives one per feature.
WEIGHTED_CASES = [
    pytest.param(case, weighted, id=f"{case_id(case)}-{'weighted' if weighted else 'unweighted'}")
    for case in CASES
    for weighted in (False, True)
    if not (weighted and case[1].get("axis") == 0)
]


@pytest.mark.parametrize("case, weighted", WEIGHTED_CASES)
def test_loss_matches_keras_for_every_reduction(case, weighted):
    name, kwargs, make_true, make_pred = case
    y_true, y_pred = make_true(), make_pred()
    sample_weight = WEIGHTS if weighted else None
    for reduction in REDUCTIONS:
        ours = getattr(losses, name)(reduction=reduction, dtype="float64", **kwargs)
        theirs = getattr(keras.losses, name)(reduction=reduction, dtype="float64", **kwargs)
        expected = np.asarray(
            keras.ops.convert_to_numpy(theirs(y_true, y_pred, sample_weight=sample_weight))
        )
        got = ours(
            torch.tensor(y_true),
            torch.tensor(y_pred),
            sample_weight=None if sample_weight is None else torch.tensor(sample_weight),
        )
        np.testing.assert_allclose(
            got.numpy(), expected, rtol=1e-6, atol=1e-9, err_msg=f"reduction={reduction}"
        )


@pytest.mark.parametrize("name", ["Dice", "Tversky"])
def test_overlap_losses_over_the_whole_batch_by_default(name):
    y_true, y_pred = _binary(), _unit()
    expected = keras.ops.convert_to_numpy(
        getattr(keras.losses, name)(dtype="float64")(y_true, y_pred)
    )
    got = getattr(losses, name)(dtype="float64")(torch.tensor(y_true), torch.tensor(y_pred))
    assert got.dim() == 0
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-7)


FUNCTIONS = [
    ("mean_absolute_percentage_error", {}, _normal, _normal),
    ("mean_squared_logarithmic_error", {}, _positive, _positive),
    ("cosine_similarity", {}, _normal, _normal),
    ("log_cosh", {}, _normal, _normal),
    ("hinge", {}, _binary, _normal),
    ("squared_hinge", {}, _binary, _normal),
    ("categorical_hinge", {}, _one_hot, _normal),
    ("kl_divergence", {}, _probabilities, _probabilities),
    ("poisson", {}, _positive, _positive),
    ("binary_focal_crossentropy", {"gamma": 1.0}, _binary, _unit),
    ("categorical_focal_crossentropy", {}, _one_hot, _probabilities),
    ("dice", {"axis": 1}, _binary, _unit),
    ("tversky", {"axis": 1}, _binary, _unit),
]


@pytest.mark.parametrize("case", FUNCTIONS, ids=[c[0] for c in FUNCTIONS])
def test_per_sample_functions_match_keras(case):
    name, kwargs, make_true, make_pred = case
    y_true, y_pred = make_true(), make_pred()
    expected = keras.ops.convert_to_numpy(getattr(keras.losses, name)(y_true, y_pred, **kwargs))
    got = getattr(losses, name)(torch.tensor(y_true), torch.tensor(y_pred), **kwargs)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-9)


def test_hinge_decides_label_convention_on_the_device_without_a_sync():
    # Mixed labels (not all 0/1) are used as given, as Keras does.
    y_true = torch.tensor([[0.0, 1.0], [-1.0, 1.0]])
    y_pred = torch.tensor([[0.3, -0.2], [0.5, 2.0]])
    expected = np.maximum(1 - y_true.numpy() * y_pred.numpy(), 0).mean(-1)
    np.testing.assert_allclose(losses.hinge(y_true, y_pred).numpy(), expected, rtol=1e-6)


def test_log_cosh_does_not_overflow_for_large_errors():
    value = losses.log_cosh(torch.tensor([[0.0]]), torch.tensor([[1000.0]]))
    assert torch.isfinite(value).all()
    assert float(value) == pytest.approx(1000.0 - np.log(2.0))


def test_focal_loss_with_gamma_zero_is_crossentropy():
    y_true, y_pred = _binary(), _unit()
    focal = losses.BinaryFocalCrossentropy(gamma=0.0, dtype="float64")
    plain = losses.BinaryCrossentropy(dtype="float64")
    torch.testing.assert_close(
        focal(torch.tensor(y_true), torch.tensor(y_pred)),
        plain(torch.tensor(y_true), torch.tensor(y_pred)),
    )


@pytest.mark.parametrize(
    "name, cls",
    [
        ("mape", losses.MeanAbsolutePercentageError),
        ("msle", losses.MeanSquaredLogarithmicError),
        ("kld", losses.KLDivergence),
        ("kl_divergence", losses.KLDivergence),
        ("logcosh", losses.LogCosh),
        ("log_cosh", losses.LogCosh),
        ("poisson", losses.Poisson),
        ("hinge", losses.Hinge),
        ("squared_hinge", losses.SquaredHinge),
        ("categorical_hinge", losses.CategoricalHinge),
        ("cosine_similarity", losses.CosineSimilarity),
        ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy),
        ("CategoricalFocalCrossentropy", losses.CategoricalFocalCrossentropy),
        ("dice", losses.Dice),
        ("Tversky", losses.Tversky),
    ],
)
def test_get_by_keras_names(name, cls):
    assert type(losses.get(name)) is cls


@pytest.mark.parametrize(
    "loss",
    [
        losses.MeanAbsolutePercentageError(reduction="sum"),
        losses.MeanSquaredLogarithmicError(),
        losses.CosineSimilarity(axis=0),
        losses.LogCosh(name="lc"),
        losses.Hinge(),
        losses.SquaredHinge(),
        losses.CategoricalHinge(),
        losses.KLDivergence(),
        losses.Poisson(dtype="float64"),
        losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.0),
        losses.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.1),
        losses.Dice(axis=(1,)),
        losses.Tversky(alpha=0.2, beta=0.8),
        losses.LossFunctionWrapper(losses.poisson),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_serialize_round_trip(loss):
    rebuilt = losses.get(losses.serialize(loss))
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()
    y_true, y_pred = torch.rand(3, 4), torch.rand(3, 4)
    torch.testing.assert_close(rebuilt(y_true, y_pred), loss(y_true, y_pred))


def test_bad_arguments_name_the_argument():
    with pytest.raises(ConfigurationError, match="gamma"):
        losses.BinaryFocalCrossentropy(gamma=-1)
    with pytest.raises(ConfigurationError, match="label_smoothing"):
        losses.CategoricalFocalCrossentropy(label_smoothing=2.0)
    with pytest.raises(ConfigurationError, match="axis"):
        losses.Dice(axis="rows")
    with pytest.raises(ConfigurationError, match="axis"):
        losses.CosineSimilarity(axis=1.5)


def test_focal_loss_trains_a_classifier():
    x = RNG.normal(size=(64, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[(x[:, 0] > 0).astype(int) + (x[:, 1] > 1).astype(int)]
    model = lamina.Sequential([lamina.layers.Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer=lamina.optimizers.Adam(0.05), loss="categorical_focal_crossentropy")
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
