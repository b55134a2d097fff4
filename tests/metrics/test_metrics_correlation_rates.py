"""Correlation metrics, the ``...At...`` rate metrics and the metric function forms vs Keras 3."""

import keras
import numpy as np
import pytest
import torch
from oracle import to_numpy

import lamina
from lamina import metrics
from lamina.errors import ConfigurationError


def regression_batches(seed, shape=(6, 5), count=3):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        y_true = rng.normal(size=shape).astype("float32")
        y_pred = (0.7 * y_true + 0.5 * rng.normal(size=shape)).astype("float32")
        out.append((y_true, y_pred, rng.uniform(0.2, 2.0, shape[0]).astype("float32")))
    return out


@pytest.mark.parametrize("name", ["PearsonCorrelation", "ConcordanceCorrelation"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("weighted", [False, True])
def test_correlation_metrics_match_keras(name, seed, axis, weighted):
    ours = getattr(metrics, name)(axis=axis)
    theirs = getattr(keras.metrics, name)(axis=axis)
    for y_true, y_pred, weights in regression_batches(seed):
        weights = weights if weighted and axis == -1 else None
        ours.update_state(y_true, y_pred, sample_weight=weights)
        theirs.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(float(ours.result()), float(to_numpy(theirs.result())), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation"])
def test_correlation_functions_match_keras(name):
    for y_true, y_pred, _ in regression_batches(4):
        np.testing.assert_allclose(
            getattr(metrics, name)(y_true, y_pred).numpy(),
            to_numpy(getattr(keras.metrics, name)(y_true, y_pred)),
            rtol=1e-5,
            atol=1e-6,
        )


def classification_batches(seed, classes=None, count=3, batch=64):
    rng = np.random.default_rng(seed)
    shape = (batch,) if classes is None else (batch, classes)
    out = []
    for _ in range(count):
        y_true = (rng.uniform(size=shape) < 0.4).astype("float32")
        # scores kept off the 1/199 threshold grid so no count depends on float32 rounding
        grid = rng.integers(0, 199, size=shape)
        y_pred = np.clip((grid + 0.5) / 199 + 0.25 * (y_true - 0.5), 0.001, 0.999)
        y_pred = ((np.floor(y_pred * 199) + 0.5) / 199).astype("float32")
        out.append((y_true, y_pred, rng.uniform(0.2, 2.0, batch).astype("float32")))
    return out


RATE_METRICS = [
    ("SensitivityAtSpecificity", "specificity"),
    ("SpecificityAtSensitivity", "sensitivity"),
    ("PrecisionAtRecall", "recall"),
    ("RecallAtPrecision", "precision"),
]


@pytest.mark.parametrize("name, argument", RATE_METRICS)
@pytest.mark.parametrize("target", [0.37, 0.8, 0.95])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("weighted", [False, True])
def test_rate_metrics_match_keras(name, argument, target, seed, weighted):
    ours = getattr(metrics, name)(**{argument: target})
    theirs = getattr(keras.metrics, name)(**{argument: target})
    for y_true, y_pred, weights in classification_batches(seed):
        weights = weights if weighted else None
        ours.update_state(y_true, y_pred, sample_weight=weights)
        theirs.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(float(ours.result()), float(to_numpy(theirs.result())), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, argument", RATE_METRICS)
@pytest.mark.parametrize("num_thresholds", [1, 2, 17])
def test_rate_metrics_with_class_id_and_few_thresholds(name, argument, num_thresholds):
    arguments = {argument: 0.6, "num_thresholds": num_thresholds, "class_id": 2, "name": "rate"}
    ours = getattr(metrics, name)(**arguments)
    theirs = getattr(keras.metrics, name)(**arguments)
    for y_true, y_pred, _ in classification_batches(7, classes=4):
        ours.update_state(y_true, y_pred)
        theirs.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(ours.result()), float(to_numpy(theirs.result())), rtol=1e-5, atol=1e-6)
    assert ours.get_config() == {**theirs.get_config(), "dtype": None}
    ours.reset_state()
    assert float(ours.result()) == 0.0


def test_rate_metric_state_stays_on_the_device_without_host_reads(monkeypatch):
    metric = metrics.PrecisionAtRecall(recall=0.5)
    y_true, y_pred, _ = classification_batches(0)[0]
    y_true, y_pred = torch.tensor(y_true), torch.tensor(y_pred)

    def refuse(*args, **kwargs):
        raise AssertionError("update_state read a value back to the host")

    monkeypatch.setattr(torch.Tensor, "item", refuse)
    monkeypatch.setattr(torch.Tensor, "tolist", refuse)
    metric.update_state(y_true, y_pred)
    assert isinstance(metric.result(), torch.Tensor)


@pytest.mark.parametrize(
    "name, arguments",
    [
        ("PearsonCorrelation", {"axis": 0}),
        ("ConcordanceCorrelation", {}),
        ("SensitivityAtSpecificity", {"specificity": 0.3, "num_thresholds": 50}),
        ("SpecificityAtSensitivity", {"sensitivity": 0.4, "class_id": 1}),
        ("PrecisionAtRecall", {"recall": 0.5}),
        ("RecallAtPrecision", {"precision": 0.9}),
    ],
)
def test_configs_round_trip_both_ways(name, arguments):
    ours = getattr(metrics, name)(name="custom", **arguments)
    theirs = getattr(keras.metrics, name)(name="custom", **arguments)
    config = ours.get_config()
    assert {**config, "dtype": "float32"} == theirs.get_config()
    assert type(theirs).from_config(config).get_config() == theirs.get_config()
    back = metrics.deserialize(keras.saving.serialize_keras_object(theirs))
    assert type(back) is type(ours) and back.get_config() == {**config, "dtype": "float32"}


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation", "PearsonCorrelation"])
def test_get_by_name(name):
    assert isinstance(metrics.get(name), (metrics.PearsonCorrelation, metrics.ConcordanceCorrelation))


def test_rate_metrics_refuse_bad_targets():
    with pytest.raises(ConfigurationError, match=r"recall=1\.5"):
        metrics.PrecisionAtRecall(recall=1.5)
    with pytest.raises(ConfigurationError, match="num_thresholds=0"):
        metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)


def keras_metric_functions():
    return sorted(
        n for n in dir(keras.metrics)
        if not n.startswith("_") and n[0].islower() and n not in ("get", "serialize", "deserialize")
    )


@pytest.mark.parametrize("name", keras_metric_functions())
def test_every_keras_metric_function_is_exported(name):
    assert name in metrics.__all__ and callable(getattr(metrics, name))


@pytest.mark.parametrize(
    "name", ["mean_squared_error", "huber", "log_cosh", "poisson", "mean_absolute_percentage_error"]
)
def test_metric_function_forms_match_keras(name):
    y_true, y_pred, _ = regression_batches(9)[0]
    y_true, y_pred = np.abs(y_true) + 0.1, np.abs(y_pred) + 0.1
    np.testing.assert_allclose(
        getattr(metrics, name)(y_true, y_pred).numpy(),
        to_numpy(getattr(keras.metrics, name)(y_true, y_pred)),
        rtol=1e-5,
    )


@pytest.mark.parametrize("direction", ["keras to lamina", "lamina to keras"])
def test_compiled_model_files_cross_over(tmp_path, direction):
    source, target = (keras, lamina) if direction == "keras to lamina" else (lamina, keras)
    model = source.Sequential([source.Input((4,)), source.layers.Dense(1, activation="sigmoid")])
    model.compile(
        optimizer="sgd",
        loss="binary_crossentropy",
        metrics=[
            source.metrics.PrecisionAtRecall(recall=0.7, num_thresholds=31, name="par"),
            source.metrics.PearsonCorrelation(axis=0, name="pcc"),
        ],
    )
    model.save(tmp_path / "rates.keras")
    loaded = target.models.load_model(tmp_path / "rates.keras")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (rng.uniform(size=(32, 1)) < 0.5).astype("float32")
    logs = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert set(logs) == {"loss", "par", "pcc"}
    assert np.isfinite(logs["pcc"]) and 0 <= logs["par"] <= 1
