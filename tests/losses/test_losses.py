"""Losses against NumPy formulas written out independently of lamina's code."""

import keras
import numpy as np
import pytest
import torch

from lamina import losses
from lamina.errors import ConfigurationError, InputError

EPS = 1e-7
RNG = np.random.default_rng(0)


# ---------------------------------------------------------------- NumPy references
def np_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def np_log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def np_log_probs(probs):
    """Keras 3 from probabilities: normalise, clip to [eps, 1-eps], log."""
    probs = probs / probs.sum(axis=-1, keepdims=True)
    return np.log(np.clip(probs, EPS, 1 - EPS))


def np_categorical_ce(one_hot, y_pred, from_logits=False, smoothing=0.0):
    if smoothing:
        one_hot = one_hot * (1 - smoothing) + smoothing / one_hot.shape[-1]
    log_p = np_log_softmax(y_pred) if from_logits else np_log_probs(y_pred)
    return -(one_hot * log_p).sum(axis=-1)


def np_binary_ce(y_true, y_pred, from_logits=False, smoothing=0.0):
    if smoothing:
        y_true = y_true * (1 - smoothing) + 0.5 * smoothing
    if from_logits:
        per_entry = np.maximum(y_pred, 0) - y_pred * y_true + np.log1p(np.exp(-np.abs(y_pred)))
    else:
        p = np.clip(y_pred, EPS, 1 - EPS)
        per_entry = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return per_entry.mean(axis=-1)


def np_huber(y_true, y_pred, delta):
    err = np.abs(y_pred - y_true)
    return np.where(err <= delta, 0.5 * err**2, delta * err - 0.5 * delta**2).mean(axis=-1)


def one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]


def t(array, dtype=torch.float64):
    return torch.tensor(np.asarray(array), dtype=dtype)


def close(actual, expected, tol=1e-5):
    np.testing.assert_allclose(actual.detach().double().numpy(), expected, rtol=tol, atol=tol)


@pytest.fixture
def classification():
    labels = np.array([0, 3, 1, 2, 3, 0])
    logits = RNG.normal(size=(6, 4)) * 3
    probs = np_softmax(logits)
    probs[0] = [1.0, 0.0, 0.0, 0.0]  # exercises the clip at 1 - eps and eps
    return labels, logits, probs


# ---------------------------------------------------------------- crossentropy
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_matches_numpy(classification, from_logits):
    labels, logits, probs = classification
    y_pred = logits if from_logits else probs
    expected = np_categorical_ce(one_hot(labels, 4), y_pred, from_logits)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, dtype="float64")
    close(loss(t(labels, torch.long), t(y_pred)), expected.mean())
    close(
        losses.sparse_categorical_crossentropy(t(labels, torch.long), t(y_pred), from_logits),
        expected,
    )


@pytest.mark.parametrize(
    "labels_as",
    [
        lambda y: torch.tensor(y),  # int64 (batch,)
        lambda y: torch.tensor(y).reshape(-1, 1),  # int64 (batch, 1)
        lambda y: torch.tensor(y, dtype=torch.float32),  # float (batch,)
        lambda y: torch.tensor(y, dtype=torch.float32).reshape(-1, 1),  # float (batch, 1)
        lambda y: torch.tensor(y, dtype=torch.uint8),
        lambda y: y.reshape(-1, 1),  # NumPy array
    ],
)
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_labels_of_any_dtype_and_shape(classification, labels_as, from_logits):
    labels, logits, probs = classification
    y_pred = logits if from_logits else probs
    expected = np_categorical_ce(one_hot(labels, 4), y_pred, from_logits)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    close(loss(labels_as(labels), t(y_pred, torch.float32)), expected.mean(), tol=1e-5)
    # The slow path (weights, no fused reduction) gives the same per-sample values.
    unreduced = losses.SparseCategoricalCrossentropy(from_logits=from_logits, reduction=None)
    close(unreduced(labels_as(labels), t(y_pred, torch.float32)), expected, tol=1e-5)


def test_sparse_crossentropy_over_a_sequence_axis():
    labels = RNG.integers(0, 5, size=(3, 7))
    logits = RNG.normal(size=(3, 7, 5))
    expected = np_categorical_ce(one_hot(labels, 5), logits, from_logits=True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    close(loss(t(labels, torch.long), t(logits)), expected.mean())
    # Class axis first: (batch, classes, time) as torch's own convention.
    channels_first = losses.SparseCategoricalCrossentropy(from_logits=True, axis=1, dtype="float64")
    close(channels_first(t(labels, torch.long), t(logits).transpose(1, 2)), expected.mean())


def test_sparse_ignore_class_leaves_entries_out_of_the_mean(classification):
    labels, logits, _ = classification
    labels = labels.copy()
    labels[[1, 4]] = -1
    keep = labels != -1
    per_sample = np_categorical_ce(one_hot(labels[keep], 4), logits[keep], from_logits=True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, dtype="float64")
    close(loss(t(labels, torch.long), t(logits)), per_sample.mean())
    summed = losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=-1, reduction="sum", dtype="float64"
    )
    close(summed(t(labels, torch.long), t(logits)), per_sample.sum())
    values = losses.sparse_categorical_crossentropy(
        t(labels, torch.long), t(logits), from_logits=True, ignore_class=-1
    )
    close(values[~torch.tensor(keep)], [0.0, 0.0])


@pytest.mark.parametrize("bad_label, index", [(4, 2), (-1, 3), (-100, 0), (17, 5)])
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_out_of_range_sparse_label_names_value_index_and_classes(
    bad_label, index, from_logits, weighted
):
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    labels[index] = bad_label
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    sample_weight = torch.ones(6) if weighted else None
    with pytest.raises(InputError) as info:
        loss(labels, torch.rand(6, 4), sample_weight=sample_weight)
    message = str(info.value)
    assert f"label {bad_label} at index {index}" in message
    assert "4 classes" in message


def test_out_of_range_float_label_reports_the_value_as_given():
    with pytest.raises(InputError, match=r"label 9\.0 at index 1 .* 3 classes"):
        losses.SparseCategoricalCrossentropy()(torch.tensor([[0.0], [9.0]]), torch.rand(2, 3))


def test_validate_sparse_labels_catches_what_a_cast_would_hide():
    losses.validate_sparse_labels(torch.tensor([0, 1, 2]), 3)
    losses.validate_sparse_labels(torch.tensor([0, -1, 2]), 3, ignore_class=-1)
    with pytest.raises(InputError, match=r"label 1\.5 at index 1"):
        losses.validate_sparse_labels(torch.tensor([0.0, 1.5]), 3)
    with pytest.raises(InputError, match=r"label nan at index \(1, 0\)"):
        losses.validate_sparse_labels(torch.tensor([[0.0, 1.0], [float("nan"), 2.0]]), 3)
    with pytest.raises(InputError, match=r"label 3 at index 2 .* 3 classes"):
        losses.validate_sparse_labels(np.array([0, 2, 3]), 3)


def test_sparse_shape_mismatch_points_to_categorical():
    with pytest.raises(InputError, match="categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy()(torch.eye(4)[:3], torch.rand(3, 4))


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_categorical_crossentropy_matches_numpy(classification, from_logits, smoothing):
    labels, logits, probs = classification
    y_pred = logits if from_logits else probs
    expected = np_categorical_ce(one_hot(labels, 4), y_pred, from_logits, smoothing)
    loss = losses.CategoricalCrossentropy(
        from_logits=from_logits, label_smoothing=smoothing, dtype="float64"
    )
    close(loss(t(one_hot(labels, 4)), t(y_pred)), expected.mean())


def test_categorical_crossentropy_normalises_unnormalised_probabilities():
    scores = np.array([[2.0, 1.0, 1.0], [0.5, 0.25, 0.25]])
    y_true = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    expected = -np.log([0.5, 0.25])
    close(losses.categorical_crossentropy(t(y_true), t(scores)), expected)


def test_categorical_crossentropy_with_integer_labels_suggests_sparse():
    with pytest.raises(InputError, match="sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(torch.tensor([0, 1]), torch.rand(2, 3))


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_binary_crossentropy_matches_numpy(from_logits, smoothing):
    y_true = RNG.integers(0, 2, size=(8, 3)).astype(float)
    logits = RNG.normal(size=(8, 3)) * 4
    y_pred = logits if from_logits else 1 / (1 + np.exp(-logits))
    y_pred[0, 0] = 0.0 if not from_logits else y_pred[0, 0]  # clipped at eps
    expected = np_binary_ce(y_true, y_pred, from_logits, smoothing)
    loss = losses.BinaryCrossentropy(
        from_logits=from_logits, label_smoothing=smoothing, dtype="float64"
    )
    close(loss(t(y_true), t(y_pred)), expected.mean())


def test_binary_crossentropy_aligns_batch_targets_with_one_unit_output():
    y_true = np.array([0, 1, 1, 0])
    probs = np.array([[0.1], [0.8], [0.4], [0.3]])
    expected = np_binary_ce(y_true[:, None].astype(float), probs).mean()
    close(losses.BinaryCrossentropy(dtype="float64")(t(y_true, torch.long), t(probs)), expected)


# ---------------------------------------------------------------- regression
@pytest.mark.parametrize(
    "loss, reference",
    [
        (losses.MeanSquaredError(), lambda y, p: ((y - p) ** 2).mean(axis=-1)),
        (losses.MeanAbsoluteError(), lambda y, p: np.abs(y - p).mean(axis=-1)),
        (losses.Huber(), lambda y, p: np_huber(y, p, 1.0)),
        (losses.Huber(delta=0.3), lambda y, p: np_huber(y, p, 0.3)),
    ],
    ids=["mse", "mae", "huber", "huber_0.3"],
)
def test_regression_losses_match_numpy(loss, reference):
    y_true = RNG.normal(size=(5, 3))
    y_pred = RNG.normal(size=(5, 3))
    per_sample = reference(y_true, y_pred)
    close(loss(t(y_true), t(y_pred)), per_sample.mean())
    close(loss.fn(t(y_true), t(y_pred), **loss._fn_kwargs), per_sample)


def test_regression_functions_and_aliases():
    y_true, y_pred = RNG.normal(size=(4, 2)), RNG.normal(size=(4, 2))
    close(losses.mse(t(y_true), t(y_pred)), ((y_true - y_pred) ** 2).mean(-1))
    close(losses.mae(t(y_true), t(y_pred)), np.abs(y_true - y_pred).mean(-1))
    close(losses.huber(t(y_true), t(y_pred), delta=0.5), np_huber(y_true, y_pred, 0.5))


def test_batch_targets_against_one_unit_output_do_not_broadcast_to_a_matrix():
    y_true = np.array([1.0, 2.0, 3.0])
    y_pred = np.array([[1.5], [2.0], [2.0]])
    expected = ((y_true - y_pred[:, 0]) ** 2).mean()
    close(losses.MeanSquaredError()(t(y_true), t(y_pred)), expected)


def test_regression_shape_mismatch_raises_instead_of_broadcasting():
    with pytest.raises(InputError, match="incompatible shapes"):
        losses.MeanSquaredError()(torch.rand(4, 3), torch.rand(4, 2))


# ---------------------------------------------------------------- reductions
@pytest.mark.parametrize("weights", [None, [0.5, 0.0, 2.0, 1.0, 0.0, 3.0]])
@pytest.mark.parametrize(
    "reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", None, "none"]
)
def test_every_reduction_with_and_without_sample_weight(classification, reduction, weights):
    labels, logits, _ = classification
    per_sample = np_categorical_ce(one_hot(labels, 4), logits, from_logits=True)
    w = np.ones(6) if weights is None else np.asarray(weights)
    weighted = per_sample * w
    expected = {
        "sum_over_batch_size": weighted.sum() / 6,
        "mean": weighted.sum() / 6,
        "sum": weighted.sum(),
        "mean_with_sample_weight": weighted.sum() / (w.sum() if weights is not None else 6),
        None: weighted,
        "none": weighted,
    }[reduction]
    sample_weight = None if weights is None else t(weights)
    for loss in (
        losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=reduction, dtype="float64"
        ),
        losses.CategoricalCrossentropy(from_logits=True, reduction=reduction, dtype="float64"),
    ):
        y_true = t(labels, torch.long) if loss.name.startswith("sparse") else t(one_hot(labels, 4))
        close(loss(y_true, t(logits), sample_weight=sample_weight), expected)


def test_sample_weight_of_shape_batch_1_and_per_timestep():
    y_true, y_pred = RNG.normal(size=(4, 3, 2)), RNG.normal(size=(4, 3, 2))
    per_step = ((y_true - y_pred) ** 2).mean(-1)  # (4, 3)
    w = np.array([1.0, 0.0, 2.0, 0.5])
    mse = losses.MeanSquaredError(reduction="sum")
    close(mse(t(y_true), t(y_pred), sample_weight=t(w)), (per_step * w[:, None]).sum())
    close(mse(t(y_true), t(y_pred), sample_weight=t(w[:, None])), (per_step * w[:, None]).sum())
    steps = RNG.uniform(size=(4, 3))
    close(mse(t(y_true), t(y_pred), sample_weight=t(steps)), (per_step * steps).sum())


def test_mean_with_sample_weight_all_zero_weights_is_zero_not_nan():
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert loss(torch.ones(3, 2), torch.zeros(3, 2), sample_weight=torch.zeros(3)).item() == 0.0


def test_invalid_reduction_lists_the_valid_ones():
    with pytest.raises(ConfigurationError, match="sum_over_batch_size"):
        losses.MeanSquaredError(reduction="average")


# ---------------------------------------------------------------- gradients, dtypes
@pytest.mark.parametrize(
    "make", [losses.SparseCategoricalCrossentropy, losses.CategoricalCrossentropy]
)
def test_gradient_from_logits_is_softmax_minus_target_over_batch(classification, make):
    labels, logits, _ = classification
    x = t(logits).requires_grad_(True)
    y = (
        t(labels, torch.long)
        if make is losses.SparseCategoricalCrossentropy
        else t(one_hot(labels, 4))
    )
    make(from_logits=True, dtype="float64")(y, x).backward()
    close(x.grad, (np_softmax(logits) - one_hot(labels, 4)) / 6, tol=1e-10)


def test_loss_computes_in_its_dtype_and_accepts_arrays():
    loss = losses.MeanSquaredError()
    out = loss(np.ones((2, 2)), np.zeros((2, 2), dtype=np.float64))
    assert out.dtype == torch.float32 and out.item() == 1.0
    assert (
        losses.MeanSquaredError(dtype="float64")(torch.ones(2), torch.zeros(2)).dtype
        == torch.float64
    )
    with pytest.raises(ConfigurationError, match="not a float dtype"):
        losses.MeanSquaredError(dtype="int32")


def test_custom_loss_subclass_and_wrapper():
    class Quartic(losses.Loss):
        def call(self, y_true, y_pred):
            return ((y_pred - y_true) ** 4).mean(dim=-1)

    y_true, y_pred = RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))
    quartic = Quartic(reduction="sum")
    assert quartic.name == "quartic"
    close(quartic(t(y_true), t(y_pred)), ((y_pred - y_true) ** 4).mean(-1).sum())

    def scaled_error(y_true, y_pred, scale=1.0):
        return (scale * (y_pred - y_true)).abs().mean(dim=-1)

    wrapper = losses.LossFunctionWrapper(scaled_error, scale=3.0)
    assert wrapper.name == "scaled_error"
    close(wrapper(t(y_true), t(y_pred)), (3 * np.abs(y_pred - y_true)).mean())


# ---------------------------------------------------------------- registry
@pytest.mark.parametrize(
    "name, cls",
    [
        ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
        ("categorical_crossentropy", losses.CategoricalCrossentropy),
        ("binary_crossentropy", losses.BinaryCrossentropy),
        ("mse", losses.MeanSquaredError),
        ("mean_squared_error", losses.MeanSquaredError),
        ("mae", losses.MeanAbsoluteError),
        ("mean_absolute_error", losses.MeanAbsoluteError),
        ("huber", losses.Huber),
        ("SparseCategoricalCrossentropy", losses.SparseCategoricalCrossentropy),
        ("MeanSquaredError", losses.MeanSquaredError),
        ("Huber", losses.Huber),
        ("MSE", losses.MeanSquaredError),
    ],
)
def test_get_by_name(name, cls):
    assert type(losses.get(name)) is cls


def test_get_passes_instances_wraps_functions_and_classes():
    instance = losses.Huber(delta=2.0)
    assert losses.get(instance) is instance
    assert losses.get(None) is None
    assert type(losses.get(losses.BinaryCrossentropy)) is losses.BinaryCrossentropy
    wrapped = losses.get(losses.sparse_categorical_crossentropy)
    assert isinstance(wrapped, losses.LossFunctionWrapper)
    close(wrapped(torch.tensor([1]), torch.tensor([[0.25, 0.75]])), -np.log(0.75))


def test_unknown_name_lists_valid_names():
    with pytest.raises(ConfigurationError) as info:
        losses.get("sparse_crossentropy")
    message = str(info.value)
    assert "'sparse_crossentropy'" in message
    for name in ("sparse_categorical_crossentropy", "mse", "huber", "binary_crossentropy"):
        assert name in message
    with pytest.raises(ConfigurationError, match="Could not interpret"):
        losses.get(42)


@pytest.mark.parametrize(
    "loss",
    [
        losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction="sum"),
        losses.CategoricalCrossentropy(label_smoothing=0.1, name="cce"),
        losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, dtype="float64"),
        losses.MeanSquaredError(reduction=None),
        losses.MeanAbsoluteError(),
        losses.Huber(delta=0.5),
        losses.LossFunctionWrapper(losses.mean_absolute_error, reduction="sum"),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_serialize_round_trip(loss):
    config = losses.serialize(loss)
    assert config["class_name"] == type(loss).__name__
    rebuilt = losses.get(config)
    assert type(rebuilt) is type(loss)
    assert rebuilt.get_config() == loss.get_config()
    y_true, y_pred = torch.rand(3, 4), torch.rand(3, 4)
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        y_true = torch.tensor([0, -1, 3])
    torch.testing.assert_close(rebuilt(y_true, y_pred), loss(y_true, y_pred))


def test_custom_function_round_trip_needs_custom_objects():
    def my_loss(y_true, y_pred):
        return (y_pred - y_true).abs().amax(dim=-1)

    config = losses.serialize(my_loss)
    with pytest.raises(ConfigurationError, match="custom_objects"):
        losses.deserialize(config)
    assert losses.deserialize(config, custom_objects={"my_loss": my_loss}).fn is my_loss


def test_bad_constructor_arguments():
    with pytest.raises(ConfigurationError, match="label_smoothing"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ConfigurationError, match="delta"):
        losses.Huber(delta=0)
    with pytest.raises(ConfigurationError, match="ignore_class"):
        losses.SparseCategoricalCrossentropy(ignore_class="none")


@pytest.mark.parametrize("how", ["plain", "sample_weight of ones", "reduction none, mean", "ignore_class unused"])
def test_crossentropy_of_a_softmax_output_is_the_same_on_every_path(how):
    import lamina

    logits = torch.tensor([[50.0, -50.0, 0.0], [0.0, 1.0, 2.0], [-50.0, 50.0, 0.0]])
    labels = torch.tensor([1, 2, 0])
    exact = torch.nn.functional.cross_entropy(logits, labels)  # 66.80: no clipping at 1e-7
    probabilities = lamina.activations.softmax(logits)
    loss = {
        "plain": lambda: lamina.losses.SparseCategoricalCrossentropy()(labels, probabilities),
        "sample_weight of ones": lambda: lamina.losses.SparseCategoricalCrossentropy()(
            labels, probabilities, sample_weight=torch.ones(3)),
        "reduction none, mean": lambda: lamina.losses.SparseCategoricalCrossentropy(reduction="none")(
            labels, probabilities).mean(),
        "ignore_class unused": lambda: lamina.losses.SparseCategoricalCrossentropy(ignore_class=7)(labels, probabilities),
    }[how]()
    torch.testing.assert_close(loss, exact)


def test_reversed_numpy_views_are_taken_as_their_values():
    import lamina

    y = np.arange(6, dtype=np.float32).reshape(3, 2)
    reversed_view, reversed_copy = y[::-1], y[::-1].copy()  # negative strides vs a plain copy
    for compute in (lambda a: lamina.losses.MeanSquaredError()(a, a * 2, sample_weight=np.flip(np.arange(3.0))),
                    lambda a: lamina.metrics.R2Score()(a, a + 1)):
        torch.testing.assert_close(compute(reversed_view), compute(reversed_copy))


def test_categorical_focal_crossentropy_takes_one_alpha_per_class_as_keras():
    import lamina

    rng = np.random.default_rng(4)
    y_true = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 5)]
    y_pred = rng.dirichlet(np.ones(3), size=5).astype(np.float32)
    alpha = [0.2, 0.5, 0.3]
    ours = lamina.losses.CategoricalFocalCrossentropy(alpha=alpha)
    theirs = keras.losses.CategoricalFocalCrossentropy(alpha=alpha)
    assert float(ours(y_true, y_pred)) == pytest.approx(float(theirs(y_true, y_pred)), rel=1e-5)
    assert lamina.losses.CategoricalFocalCrossentropy.from_config(ours.get_config()).get_config()["alpha"] == alpha


def test_sparse_crossentropy_squeezes_a_size_one_class_axis_of_the_labels_as_keras():
    import lamina

    rng = np.random.default_rng(5)
    y_pred = rng.dirichlet(np.ones(4), size=(3, 5)).transpose(0, 2, 1).astype(np.float32)  # (n, C, T)
    y_true = rng.integers(0, 4, size=(3, 1, 5))  # class axis 1 of size 1
    ours = lamina.losses.SparseCategoricalCrossentropy(axis=1)(y_true, y_pred)
    theirs = keras.losses.SparseCategoricalCrossentropy(axis=1)(y_true, y_pred)
    assert float(ours) == pytest.approx(float(theirs), rel=1e-5)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_losses_leave_out_what_the_predictions_mask_marks_as_keras(reduction):
    import lamina

    rng = np.random.default_rng(1)
    y_true = torch.tensor(rng.normal(size=(4, 3, 1)).astype("float32"))
    y_pred = torch.tensor(rng.normal(size=(4, 3, 1)).astype("float32"))
    y_pred._keras_mask = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=torch.bool)
    ours = lamina.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred)
    theirs = keras.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred)
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs.detach().cpu()), rtol=1e-6)
    logits = torch.tensor(rng.normal(size=(4, 3, 5)).astype("float32"))
    logits._keras_mask = y_pred._keras_mask
    labels = torch.tensor(rng.integers(0, 5, (4, 3)))
    ours = lamina.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)(labels, logits)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)(labels, logits)
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs.detach().cpu()), rtol=1e-5)
