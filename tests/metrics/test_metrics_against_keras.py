"""Metrics against real Keras 3 metrics fed the same batches (KERAS_BACKEND=torch), their state on
the device, configs and Keras's names."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import metrics
from lamina.errors import ConfigurationError, InputError

RNG = np.random.default_rng(11)
N, C = 40, 4


def _batches(arrays, size=16):
    for start in range(0, len(arrays[0]), size):
        yield [None if a is None else a[start : start + size] for a in arrays]


def feed_both(ours, theirs, y_true, y_pred, sample_weight=None):
    """Update both metrics with the same uneven batches; return both results as NumPy."""
    for yt, yp, sw in _batches([y_true, y_pred, sample_weight]):
        ours.update_state(
            torch.as_tensor(yt), torch.as_tensor(yp), None if sw is None else torch.as_tensor(sw)
        )
        theirs.update_state(yt, yp, sample_weight=sw)
    expected = np.asarray(keras.ops.convert_to_numpy(theirs.result()), dtype=np.float64)
    return np.asarray(ours.result().cpu().double().numpy()), expected


# ------------------------------------------------------------------------ data
def scores():
    return RNG.normal(size=(N, C)).astype(np.float32)


def probabilities():
    logits = RNG.normal(size=(N, C)).astype(np.float32) * 2
    return (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(np.float32)


def labels():
    return RNG.integers(0, C, size=N)


def one_hot():
    return np.eye(C, dtype=np.float32)[labels()]


def multi_hot():
    return RNG.integers(0, 2, size=(N, C)).astype(np.float32)


def unit():
    return RNG.uniform(size=(N, C)).astype(np.float32)


def binary_column():
    return RNG.integers(0, 2, size=(N, 1)).astype(np.float32)


def unit_column():
    return RNG.uniform(size=(N, 1)).astype(np.float32)


def positive():
    return RNG.uniform(0.1, 3.0, size=(N, C)).astype(np.float32)


def weights():
    w = RNG.uniform(0, 2, size=N).astype(np.float32)
    w[::5] = 0.0
    return w


# (name, lamina kwargs (== keras kwargs), y_true maker, y_pred maker)
CASES = [
    ("TopKCategoricalAccuracy", {"k": 2}, one_hot, scores),
    ("SparseTopKCategoricalAccuracy", {"k": 1}, labels, scores),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, lambda: labels()[:, None], scores),
    ("Precision", {}, multi_hot, unit),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, multi_hot, unit),
    ("Precision", {"thresholds": [0.7, 0.1, 0.4]}, multi_hot, unit),
    ("Precision", {"top_k": 2}, multi_hot, unit),
    ("Precision", {"class_id": 1}, multi_hot, unit),
    ("Precision", {"top_k": 2, "class_id": 3, "thresholds": 0.3}, multi_hot, unit),
    ("Precision", {}, binary_column, unit_column),
    ("Recall", {}, multi_hot, unit),
    ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, multi_hot, unit),
    ("Recall", {"top_k": 1}, one_hot, probabilities),
    ("Recall", {"class_id": 2, "thresholds": [0.25, 0.75]}, multi_hot, unit),
    ("TruePositives", {"thresholds": [0.3, 0.6]}, multi_hot, unit),
    ("FalsePositives", {}, multi_hot, unit),
    ("TrueNegatives", {"thresholds": [0.3, 0.6]}, multi_hot, unit),
    ("FalseNegatives", {}, multi_hot, unit),
    ("AUC", {}, binary_column, unit_column),
    ("AUC", {"num_thresholds": 50}, multi_hot, unit),
    ("AUC", {"curve": "PR"}, binary_column, unit_column),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, multi_hot, unit),
    ("AUC", {"summation_method": "majoring"}, multi_hot, unit),
    ("AUC", {"curve": "PRGAIN"}, multi_hot, unit),
    ("AUC", {"thresholds": [0.1, 0.35, 0.5, 0.9]}, multi_hot, unit),
    ("AUC", {"from_logits": True}, multi_hot, scores),
    ("AUC", {"multi_label": True}, multi_hot, unit),
    ("AUC", {"multi_label": True, "num_labels": C, "curve": "PR"}, multi_hot, unit),
    ("AUC", {"multi_label": True, "label_weights": [0.1, 1.0, 2.0, 0.0]}, multi_hot, unit),
    ("AUC", {"label_weights": [0.1, 1.0, 2.0, 0.5]}, multi_hot, unit),
    ("F1Score", {}, one_hot, probabilities),
    ("F1Score", {"average": "micro"}, one_hot, probabilities),
    ("F1Score", {"average": "macro", "threshold": 0.3}, multi_hot, unit),
    ("F1Score", {"average": "weighted"}, one_hot, probabilities),
    ("FBetaScore", {"beta": 2.0, "average": "macro"}, one_hot, probabilities),
    ("FBetaScore", {"beta": 0.5, "threshold": 0.5}, multi_hot, unit),
    ("MeanIoU", {"num_classes": C}, labels, labels),
    ("MeanIoU", {"num_classes": C, "sparse_y_pred": False}, labels, probabilities),
    ("MeanIoU", {"num_classes": C, "ignore_class": 0}, labels, labels),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, labels, labels),
    ("BinaryIoU", {"threshold": 0.4}, binary_column, unit_column),
    ("OneHotMeanIoU", {"num_classes": C}, one_hot, probabilities),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1]}, one_hot, probabilities),
    ("RootMeanSquaredError", {}, scores, scores),
    ("R2Score", {}, scores, scores),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, scores, scores),
    ("R2Score", {"class_aggregation": None}, scores, scores),
    ("R2Score", {"num_regressors": 3}, scores, scores),
    ("MeanAbsolutePercentageError", {}, scores, scores),
    ("MeanSquaredLogarithmicError", {}, positive, positive),
    ("CosineSimilarity", {}, scores, scores),
    ("LogCoshError", {}, scores, scores),
    ("KLDivergence", {}, probabilities, probabilities),
    ("Poisson", {}, positive, positive),
    ("BinaryCrossentropy", {}, multi_hot, unit),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, multi_hot, scores),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, one_hot, probabilities),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, labels, scores),
    ("Hinge", {}, multi_hot, scores),
    ("SquaredHinge", {}, multi_hot, scores),
    ("CategoricalHinge", {}, one_hot, scores),
]


def case_id(case):
    name, kwargs = case[0], case[1]
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_metric_matches_keras_over_batches(case, weighted):
    name, kwargs, make_true, make_pred = case
    y_true, y_pred = make_true(), make_pred()
    sample_weight = weights() if weighted else None
    ours = getattr(metrics, name)(**kwargs)
    theirs = getattr(keras.metrics, name)(**kwargs)
    if name.endswith("IoU") and weighted:
        theirs = getattr(keras.metrics, name)(**kwargs, dtype="float32")  # Keras: int by default
    got, expected = feed_both(ours, theirs, y_true, y_pred, sample_weight)
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-6)
    # reset_state starts over: the same data again gives the same result.
    ours.reset_state()
    theirs.reset_state()
    again, expected_again = feed_both(ours, theirs, y_true, y_pred, sample_weight)
    np.testing.assert_allclose(again, expected_again, rtol=2e-5, atol=2e-6)


def test_auc_is_close_to_the_exact_rank_statistic():
    y = RNG.integers(0, 2, size=2000)
    p = np.clip(0.3 * y + RNG.uniform(size=2000) * 0.7, 0, 1).astype(np.float32)
    auc = metrics.AUC(num_thresholds=1000)
    auc.update_state(torch.tensor(y), torch.tensor(p))
    positives, negatives = p[y == 1], p[y == 0]
    exact = (positives[:, None] > negatives[None, :]).mean()
    assert float(auc.result()) == pytest.approx(exact, abs=2e-3)


def test_precision_recall_match_numpy_counts():
    y_true, y_pred, w = multi_hot(), unit(), weights()
    predicted = y_pred > 0.5
    wide = w[:, None]
    tp = (predicted & (y_true == 1)) * wide
    fp = (predicted & (y_true == 0)) * wide
    fn = (~predicted & (y_true == 1)) * wide
    precision = metrics.Precision()
    recall = metrics.Recall()
    for metric in (precision, recall):
        metric.update_state(torch.tensor(y_true), torch.tensor(y_pred), torch.tensor(w))
    assert float(precision.result()) == pytest.approx(tp.sum() / (tp.sum() + fp.sum()), rel=1e-6)
    assert float(recall.result()) == pytest.approx(tp.sum() / (tp.sum() + fn.sum()), rel=1e-6)


def test_updates_never_read_values_back_to_the_host():
    # On the meta device tensors have no values: any .item()/bool()/bincount would raise.
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch.empty(3, device="meta").sum().item()
    cases = [
        (metrics.Precision(thresholds=[0.7, 0.2]), "multi"),
        (metrics.Recall(top_k=2, class_id=1), "multi"),
        (metrics.AUC(), "multi"),
        (metrics.AUC(multi_label=True), "multi"),
        (metrics.F1Score(average="weighted"), "multi"),
        (metrics.FBetaScore(beta=2.0, threshold=0.5), "multi"),
        (metrics.MeanIoU(C, sparse_y_pred=False), "sparse"),
        (metrics.R2Score(num_regressors=1), "multi"),
        (metrics.SparseTopKCategoricalAccuracy(k=2), "sparse"),
        (metrics.TopKCategoricalAccuracy(k=2), "multi"),
        (metrics.RootMeanSquaredError(), "multi"),
        (metrics.Hinge(), "multi"),
    ]
    for metric, kind in cases:
        metric.to("meta")
        if kind == "sparse":
            y_true = torch.empty(8, dtype=torch.long, device="meta")
        else:
            y_true = torch.empty(8, C, device="meta")
        metric.update_state(y_true, torch.empty(8, C, device="meta"), torch.empty(8, device="meta"))
        assert metric.result().device.type == "meta", type(metric).__name__


def test_lazily_built_state_follows_the_metric_device_and_resumes_exactly():
    y_true, y_pred = one_hot(), probabilities()
    first = metrics.F1Score(average="macro")
    first.update_state(torch.tensor(y_true[:20]), torch.tensor(y_pred[:20]))
    resumed = metrics.F1Score(average="macro")
    resumed.load_state_dict(first.state_dict())
    for metric in (first, resumed):
        metric.update_state(torch.tensor(y_true[20:]), torch.tensor(y_pred[20:]))
    assert float(resumed.result()) == float(first.result())
    r2 = metrics.R2Score(num_regressors=2)
    r2.update_state(torch.tensor(y_true), torch.tensor(y_pred))
    copy = metrics.R2Score(num_regressors=2)
    copy.load_state_dict(r2.state_dict())
    assert float(copy.result()) == float(r2.result())


@pytest.mark.parametrize(
    "metric",
    [
        metrics.TopKCategoricalAccuracy(k=3, name="top3"),
        metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
        metrics.Precision(thresholds=[0.3, 0.6], class_id=1),
        metrics.Recall(top_k=2),
        metrics.TruePositives(thresholds=0.4),
        metrics.AUC(num_thresholds=37, curve="PR", summation_method="minoring"),
        metrics.AUC(thresholds=[0.2, 0.4], multi_label=True, label_weights=[1.0, 2.0, 3.0, 4.0]),
        metrics.F1Score(average="micro", threshold=0.4),
        metrics.FBetaScore(beta=2.0),
        metrics.MeanIoU(num_classes=3, ignore_class=0, sparse_y_pred=False),
        metrics.IoU(num_classes=3, target_class_ids=[1, 2]),
        metrics.BinaryIoU(target_class_ids=[1], threshold=0.3),
        metrics.OneHotMeanIoU(num_classes=4),
        metrics.R2Score(class_aggregation=None, num_regressors=1),
        metrics.RootMeanSquaredError(),
        metrics.CosineSimilarity(axis=0),
        metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
        metrics.SparseCategoricalCrossentropy(from_logits=True),
        metrics.CategoricalHinge(),
    ],
    ids=lambda m: type(m).__name__,
)
def test_serialize_round_trip(metric):
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    assert type(rebuilt) is type(metric)
    assert rebuilt.get_config() == metric.get_config()


@pytest.mark.parametrize(
    "name, cls",
    [
        ("precision", metrics.Precision),
        ("recall", metrics.Recall),
        ("auc", metrics.AUC),
        ("AUC", metrics.AUC),
        ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
        ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
        ("f1_score", metrics.F1Score),
        ("root_mean_squared_error", metrics.RootMeanSquaredError),
        ("r2_score", metrics.R2Score),
        ("mape", metrics.MeanAbsolutePercentageError),
        ("msle", metrics.MeanSquaredLogarithmicError),
        ("logcosh", metrics.LogCoshError),
        ("kl_divergence", metrics.KLDivergence),
        ("poisson", metrics.Poisson),
        ("binary_crossentropy", metrics.BinaryCrossentropy),
        ("sparse_categorical_crossentropy", metrics.SparseCategoricalCrossentropy),
        ("hinge", metrics.Hinge),
        ("true_positives", metrics.TruePositives),
    ],
)
def test_get_by_keras_names(name, cls):
    metric = metrics.get(name)
    assert type(metric) is cls and metric.name == name


def test_directions_tell_callbacks_which_way_is_better():
    assert metrics.AUC()._direction == "up"
    assert metrics.SparseCategoricalAccuracy()._direction == "up"
    assert metrics.RootMeanSquaredError()._direction == "down"
    assert metrics.MeanMetricWrapper(lamina.losses.poisson)._direction == "down"
    assert metrics.Mean()._direction is None


def test_bad_arguments_and_inputs_are_explained():
    with pytest.raises(ConfigurationError, match="thresholds"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ConfigurationError, match="top_k"):
        metrics.Recall(top_k=0)
    with pytest.raises(ConfigurationError, match="curve"):
        metrics.AUC(curve="DET")
    with pytest.raises(ConfigurationError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ConfigurationError, match="average"):
        metrics.F1Score(average="samples")
    with pytest.raises(ConfigurationError, match="target_class_ids"):
        metrics.IoU(num_classes=2, target_class_ids=[2])
    with pytest.raises(ConfigurationError, match="k must be"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(InputError, match="2-D"):
        metrics.F1Score().update_state(torch.tensor([0, 1]), torch.rand(2))
    with pytest.raises(InputError, match="2-D"):
        metrics.R2Score().update_state(torch.rand(2, 3, 1), torch.rand(2, 3, 1))
    with pytest.raises(InputError, match="one class id per sample"):
        metrics.SparseTopKCategoricalAccuracy().update_state(torch.eye(3), torch.rand(3, 3))


def test_fit_logs_the_new_metrics_for_sparse_and_binary_models():
    x = RNG.normal(size=(64, 6)).astype(np.float32)
    y_class = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    model = lamina.Sequential([lamina.layers.Dense(3, activation="softmax", input_shape=(6,))])
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=[
            metrics.SparseTopKCategoricalAccuracy(k=2),
            metrics.MeanIoU(3, sparse_y_pred=False),
            "sparse_categorical_crossentropy",
        ],
    )
    history = model.fit(x, y_class, epochs=2, batch_size=16, verbose=0, validation_split=0.25)
    for key in ("sparse_top_k_categorical_accuracy", "mean_io_u", "val_mean_io_u"):
        assert len(history.history[key]) == 2
    binary = lamina.Sequential([lamina.layers.Dense(1, activation="sigmoid", input_shape=(6,))])
    binary.compile(optimizer="adam", loss="binary_crossentropy", metrics=["auc", "precision"])
    logs = binary.fit(x, (x[:, 0] > 0).astype(np.float32), epochs=1, verbose=0).history
    assert 0.0 <= logs["auc"][0] <= 1.0 and 0.0 <= logs["precision"][0] <= 1.0
