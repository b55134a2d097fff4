"""Metrics accumulate over batches to the NumPy value over all the data."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import losses, metrics
from lamina.errors import ConfigurationError, InputError, SavingError

RNG = np.random.default_rng(1)
N, CLASSES = 50, 5


def batches(*arrays, size=16):
    """Split arrays into uneven batches (16, 16, 16, 2) as tensors."""
    for start in range(0, len(arrays[0]), size):
        yield tuple(torch.as_tensor(a[start : start + size]) for a in arrays)


def accumulate(metric, *arrays, weights=None):
    data = arrays if weights is None else (*arrays, weights)
    for batch in batches(*data):
        metric.update_state(*batch)
    return float(metric.result())


@pytest.fixture
def data():
    labels = RNG.integers(0, CLASSES, size=N)
    scores = RNG.normal(size=(N, CLASSES)).astype(np.float32)
    scores[np.arange(0, N, 3), labels[::3]] += 5.0  # a third right for sure
    weights = RNG.uniform(0, 2, size=N).astype(np.float32)
    weights[::7] = 0.0
    return labels, scores, weights


def np_weighted_mean(values, weights=None):
    weights = np.ones(len(values)) if weights is None else weights
    return float((values * weights).sum() / weights.sum())


# ---------------------------------------------------------------- accuracies
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_shape", ["flat", "column", "float"])
def test_sparse_categorical_accuracy_over_batches(data, weighted, label_shape):
    labels, scores, weights = data
    y = {"flat": labels, "column": labels[:, None], "float": labels.astype(np.float32)}[label_shape]
    matches = (scores.argmax(-1) == labels).astype(float)
    expected = np_weighted_mean(matches, weights if weighted else None)
    metric = metrics.SparseCategoricalAccuracy()
    got = accumulate(metric, y, scores, weights=weights if weighted else None)
    assert got == pytest.approx(expected, abs=1e-6)
    assert metric.name == "sparse_categorical_accuracy"


@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_accuracy_over_batches(data, weighted):
    labels, scores, weights = data
    matches = (scores.argmax(-1) == labels).astype(float)
    metric = metrics.CategoricalAccuracy()
    got = accumulate(metric, np.eye(CLASSES)[labels], scores, weights=weights if weighted else None)
    assert got == pytest.approx(np_weighted_mean(matches, weights if weighted else None), abs=1e-6)


@pytest.mark.parametrize("threshold", [0.5, 0.2])
def test_binary_accuracy_over_batches(threshold):
    y_true = RNG.integers(0, 2, size=(N, 1)).astype(np.float32)
    probs = RNG.uniform(size=(N, 1)).astype(np.float32)
    expected = ((probs > threshold) == y_true).mean()
    metric = metrics.BinaryAccuracy(threshold=threshold)
    # (batch,) targets against a (batch, 1) output, as from a Dense(1) model.
    assert accumulate(metric, y_true[:, 0], probs) == pytest.approx(expected, abs=1e-6)


def test_binary_accuracy_of_multi_label_output_averages_each_sample():
    y_true = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.float32)
    probs = np.array([[0.9, 0.2, 0.1], [0.1, 0.8, 0.7]], dtype=np.float32)
    weights = np.array([1.0, 3.0], dtype=np.float32)
    per_sample = ((probs > 0.5) == y_true).mean(-1)  # [2/3, 2/3]... checked by weights
    metric = metrics.BinaryAccuracy()
    metric.update_state(y_true, probs, sample_weight=weights)
    assert float(metric.result()) == pytest.approx(np_weighted_mean(per_sample, weights))


def test_accuracy_counts_exact_matches():
    metric = metrics.Accuracy()
    metric.update_state([[1], [2], [3], [4]], [[0.0], [2.0], [3.0], [4.0]])
    assert float(metric.result()) == pytest.approx(0.75)


def test_wrong_label_layout_is_an_input_error():
    with pytest.raises(InputError, match="categorical_accuracy"):
        metrics.SparseCategoricalAccuracy().update_state(torch.eye(3), torch.rand(3, 3))
    with pytest.raises(InputError, match="sparse_categorical_accuracy"):
        metrics.CategoricalAccuracy().update_state(torch.tensor([0, 1]), torch.rand(2, 3))


# ---------------------------------------------------------------- regression, Mean, Sum
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "make, per_sample",
    [
        (metrics.MeanSquaredError, lambda y, p: ((y - p) ** 2).mean(-1)),
        (metrics.MeanAbsoluteError, lambda y, p: np.abs(y - p).mean(-1)),
    ],
)
def test_regression_metrics_over_batches(make, per_sample, weighted, data):
    _, _, weights = data
    y_true = RNG.normal(size=(N, 3)).astype(np.float32)
    y_pred = RNG.normal(size=(N, 3)).astype(np.float32)
    expected = np_weighted_mean(per_sample(y_true, y_pred), weights if weighted else None)
    got = accumulate(make(), y_true, y_pred, weights=weights if weighted else None)
    assert got == pytest.approx(expected, rel=1e-5)


def test_mean_and_sum_with_weights_and_trailing_axes():
    values = RNG.normal(size=(N, 4)).astype(np.float32)
    weights = RNG.uniform(size=N).astype(np.float32)
    per_sample_mean = values.mean(-1)
    assert accumulate(metrics.Mean(), values) == pytest.approx(per_sample_mean.mean(), abs=1e-6)
    assert accumulate(metrics.Mean(), values, weights=weights) == pytest.approx(
        np_weighted_mean(per_sample_mean, weights), abs=1e-6
    )
    assert accumulate(metrics.Sum(), values) == pytest.approx(values.sum(), rel=1e-5)
    assert accumulate(metrics.Sum(), values, weights=weights) == pytest.approx(
        (values.sum(-1) * weights).sum(), rel=1e-5
    )


def test_mean_of_batch_losses_weighted_by_a_python_batch_size():
    tracker = metrics.Mean(name="loss")
    for loss, size in [(2.0, 32), (1.0, 32), (4.0, 8)]:
        tracker.update_state(torch.tensor(loss), sample_weight=size)
    assert float(tracker.result()) == pytest.approx((64 + 32 + 32) / 72)


def test_mean_with_nothing_seen_is_zero():
    assert float(metrics.Mean().result()) == 0.0
    zero_weights = metrics.Mean()
    zero_weights.update_state(torch.ones(3), sample_weight=torch.zeros(3))
    assert float(zero_weights.result()) == 0.0


def test_mean_metric_wrapper_uses_function_name_and_kwargs():
    def within(y_true, y_pred, tolerance=0.1):
        return ((y_true - y_pred).abs() <= tolerance).float().mean(dim=-1)

    metric = metrics.MeanMetricWrapper(within, tolerance=0.5)
    assert metric.name == "within"
    metric.update_state(torch.zeros(4, 1), torch.tensor([[0.1], [0.4], [0.6], [2.0]]))
    assert float(metric.result()) == pytest.approx(0.5)


# ---------------------------------------------------------------- state handling
def test_reset_state_zeroes_in_place(data):
    labels, scores, _ = data
    metric = metrics.SparseCategoricalAccuracy()
    accumulate(metric, labels, scores)
    total_before = metric.total
    metric.reset_state()
    assert metric.total is total_before
    assert [float(v) for v in metric.variables] == [0.0, 0.0]
    assert float(metric.result()) == 0.0
    expected = (scores[:10].argmax(-1) == labels[:10]).mean()
    metric.update_state(labels[:10], scores[:10])
    assert float(metric.result()) == pytest.approx(expected)


def test_update_builds_no_graph_and_result_is_a_0d_tensor():
    metric = metrics.MeanSquaredError()
    y_pred = torch.rand(4, 2, requires_grad=True)
    metric.update_state(torch.rand(4, 2), y_pred)
    result = metric.result()
    assert isinstance(result, torch.Tensor) and result.dim() == 0
    assert not result.requires_grad and all(not v.requires_grad for v in metric.variables)

    class Custom(metrics.Metric):
        def __init__(self):
            super().__init__()
            self.total = self.add_variable((), name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.add_(self._to_device(y_pred).sum())

        def result(self):
            return self.total.clone()

    custom = Custom()
    custom.update_state(None, y_pred * 2)
    assert custom.name == "custom" and not custom.total.requires_grad


def test_result_is_not_aliased_to_the_state():
    metric = metrics.Sum()
    metric.update_state(torch.ones(3))
    result = metric.result()
    metric.update_state(torch.ones(3))
    assert float(result) == 3.0


def test_state_lives_on_the_metric_device():
    # The meta device stands in for an accelerator: it tracks devices without data.
    metric = metrics.SparseCategoricalAccuracy().to("meta")
    assert all(v.device.type == "meta" for v in metric.variables)
    assert metric.total.device.type == "meta" and metric.count.device.type == "meta"
    metric.update_state(torch.tensor([0, 1]), torch.rand(2, 3))  # CPU inputs move to it
    metric.reset_state()
    assert metric.result().device.type == "meta"
    assert all(v.device.type == "meta" for v in metric.variables)


def test_unplaced_metric_adopts_the_first_batch_device_then_stays():
    metric = metrics.Mean()
    assert metric.device.type == "cpu"
    metric.update_state(torch.ones(2, device="meta"))
    assert metric.device.type == "meta" and metric.total.device.type == "meta"
    metric.update_state(torch.ones(2))
    assert metric.result().device.type == "meta"


def test_state_dict_resume_is_exact(data):
    labels, scores, weights = data
    whole = metrics.SparseCategoricalAccuracy()
    accumulate(whole, labels, scores, weights=weights)

    first = metrics.SparseCategoricalAccuracy()
    first.update_state(labels[:20], scores[:20], weights[:20])
    saved = first.state_dict()
    first.update_state(labels[:5], scores[:5])  # later changes must not leak into `saved`
    resumed = metrics.SparseCategoricalAccuracy()
    resumed.load_state_dict(saved)
    for batch in batches(labels[20:], scores[20:], weights[20:]):
        resumed.update_state(*batch)
    # Same sums in a different batching: equal up to float32 rounding.
    assert float(resumed.result()) == pytest.approx(float(whole.result()), abs=1e-6)
    assert set(saved) == {"total", "count"}


def test_load_state_dict_mismatch_is_a_saving_error():
    with pytest.raises(SavingError, match="Missing: \\['count'\\]"):
        metrics.Mean().load_state_dict({"total": torch.tensor(1.0)})
    with pytest.raises(SavingError, match="shape"):
        metrics.Mean().load_state_dict({"total": torch.ones(2), "count": torch.tensor(1.0)})


def test_call_updates_and_returns_result():
    metric = metrics.MeanAbsoluteError()
    assert float(metric(torch.zeros(2, 1), torch.ones(2, 1))) == 1.0
    assert float(metric(torch.zeros(2, 1), torch.zeros(2, 1))) == 0.5


# ---------------------------------------------------------------- registry
@pytest.mark.parametrize(
    "name, cls",
    [
        ("mse", metrics.MeanSquaredError),
        ("mean_squared_error", metrics.MeanSquaredError),
        ("mae", metrics.MeanAbsoluteError),
        ("mean_absolute_error", metrics.MeanAbsoluteError),
        ("binary_accuracy", metrics.BinaryAccuracy),
        ("categorical_accuracy", metrics.CategoricalAccuracy),
        ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
        ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy),
        ("MeanAbsoluteError", metrics.MeanAbsoluteError),
    ],
)
def test_get_by_name_keeps_the_name_as_written(name, cls):
    metric = metrics.get(name)
    assert type(metric) is cls and metric.name == name


def test_get_instances_classes_and_functions():
    instance = metrics.BinaryAccuracy(threshold=0.3)
    assert metrics.get(instance) is instance
    assert metrics.get(None) is None
    assert type(metrics.get(metrics.CategoricalAccuracy)) is metrics.CategoricalAccuracy

    def top_is_zero(y_true, y_pred):
        return (y_pred.argmax(-1) == 0).float()

    wrapped = metrics.get(top_is_zero)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "top_is_zero"
    wrapped.update_state(torch.zeros(2), torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    assert float(wrapped.result()) == 0.5


def test_accuracy_by_name_points_to_resolve_accuracy():
    for name in ("accuracy", "acc", "Accuracy"):
        with pytest.raises(ConfigurationError, match="resolve_accuracy"):
            metrics.get(name)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ConfigurationError) as info:
        metrics.get("f3_measure")
    message = str(info.value)
    assert "'f3_measure'" in message
    for name in ("sparse_categorical_accuracy", "mse", "mae", "binary_accuracy"):
        assert name in message


@pytest.mark.parametrize(
    "metric",
    [
        metrics.Mean(name="loss"),
        metrics.Sum(dtype="float64"),
        metrics.Accuracy(),
        metrics.BinaryAccuracy(threshold=0.2, name="acc"),
        metrics.CategoricalAccuracy(),
        metrics.SparseCategoricalAccuracy(),
        metrics.MeanSquaredError(),
        metrics.MeanAbsoluteError(name="l1"),
        metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.7),
    ],
    ids=lambda metric: type(metric).__name__,
)
def test_serialize_round_trip(metric):
    config = metrics.serialize(metric)
    rebuilt = metrics.get(config)
    assert type(rebuilt) is type(metric)
    assert rebuilt.get_config() == metric.get_config()
    assert rebuilt.name == metric.name and rebuilt.dtype == metric.dtype


def test_threshold_survives_the_round_trip():
    rebuilt = metrics.deserialize(metrics.serialize(metrics.BinaryAccuracy(threshold=0.8)))
    rebuilt.update_state(torch.tensor([1.0, 1.0]), torch.tensor([0.7, 0.9]))
    assert float(rebuilt.result()) == 0.5


# ---------------------------------------------------------------- resolve_accuracy
@pytest.mark.parametrize(
    "loss, output_shape, expected",
    [
        ("sparse_categorical_crossentropy", (None, 10), metrics.SparseCategoricalAccuracy),
        (
            losses.SparseCategoricalCrossentropy(from_logits=True),
            (None, 10),
            metrics.SparseCategoricalAccuracy,
        ),
        (losses.sparse_categorical_crossentropy, (None, 10), metrics.SparseCategoricalAccuracy),
        (
            losses.get(losses.sparse_categorical_crossentropy),
            (None, 10),
            metrics.SparseCategoricalAccuracy,
        ),
        ("binary_crossentropy", (None, 3), metrics.BinaryAccuracy),
        (losses.BinaryCrossentropy(from_logits=True), (None, 1), metrics.BinaryAccuracy),
        ("mse", (None, 1), metrics.BinaryAccuracy),
        ("categorical_crossentropy", (None, 10), metrics.CategoricalAccuracy),
        (losses.CategoricalCrossentropy(), (None, 4), metrics.CategoricalAccuracy),
        (None, (None, 10), metrics.CategoricalAccuracy),
    ],
)
@pytest.mark.parametrize("written", ["accuracy", "acc"])
def test_resolve_accuracy_picks_kerass_rule(loss, output_shape, expected, written):
    metric = metrics.resolve_accuracy(written, loss, output_shape)
    assert type(metric) is expected and metric.name == written


@pytest.mark.parametrize("weight", [2.0, np.float32(2.0), np.array(2.0, "float32"), "tensor"])
def test_a_number_sample_weight_weighs_the_whole_batch_as_keras_does(weight):
    weight = torch.tensor(2.0) if isinstance(weight, str) else weight
    results = []
    for library in (lamina, keras):
        mean = library.metrics.Mean()
        mean.update_state(np.array([1.0, 2.0, 3.0], "float32"), sample_weight=weight)
        mean.update_state(np.array([10.0], "float32"))
        results.append(float(mean.result()))
    assert results[0] == pytest.approx(results[1]) == pytest.approx(14 / 3)


def test_sparse_crossentropy_metric_leaves_ignore_class_entries_out_like_the_loss():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=(6,))
    p = rng.dirichlet(np.ones(3), size=6).astype("float32")
    weights = np.linspace(0.5, 2, 6).astype("float32")
    metric = metrics.SparseCategoricalCrossentropy.from_config(
        keras.metrics.SparseCategoricalCrossentropy(ignore_class=1).get_config())
    metric.update_state(y, p, sample_weight=weights)
    keep = (y != 1) * weights
    per_sample = -np.log(p[np.arange(6), y])
    assert float(metric.result()) == pytest.approx(float((per_sample * keep).sum() / keep.sum()), rel=1e-6)
    loss = losses.SparseCategoricalCrossentropy(ignore_class=1)(y, p, sample_weight=np.ones(6))
    unweighted = metrics.SparseCategoricalCrossentropy(ignore_class=1)
    unweighted.update_state(y, p)
    assert float(unweighted.result()) == pytest.approx(float(loss), rel=1e-6)


def test_iou_metrics_load_keras_configs_with_their_integer_dtype():
    config = keras.metrics.MeanIoU(num_classes=3).get_config()
    metric = metrics.MeanIoU.from_config(config)
    metric.update_state(np.array([0, 1, 2, 1]), np.array([0, 1, 1, 1]), sample_weight=np.array([0.5, 1.0, 1.0, 1.0]))
    # float counts: class 1's IoU is 2/3, class 0's 1, class 2's 0 (an integer dtype would truncate the 0.5)
    assert float(metric.result()) == pytest.approx((1 + 2 / 3 + 0) / 3, rel=1e-6)
