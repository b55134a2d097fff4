"""Issue #16 item 7: every loss, metric, optimizer and learning-rate schedule class lamina
has is written in a model's compile config as Keras 3 writes it, so Keras's load_model
compiles lamina's files, and lamina compiles Keras's. Keras is the oracle."""

import inspect
import json
import zipfile

import keras
import numpy as np
import pytest

import lamina

# Constructor arguments of the classes that need some; the same for both libraries.
ARGUMENTS = {
    "PrecisionAtRecall": {"recall": 0.5},
    "RecallAtPrecision": {"precision": 0.5},
    "SensitivityAtSpecificity": {"specificity": 0.5},
    "SpecificityAtSensitivity": {"sensitivity": 0.5},
    "IoU": {"num_classes": 3, "target_class_ids": [0]},
    "MeanIoU": {"num_classes": 3},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [0]},
    "OneHotMeanIoU": {"num_classes": 3},
    "ExponentialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9},
    "PiecewiseConstantDecay": {"boundaries": [10], "values": [0.1, 0.01]},
    "PolynomialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10},
    "InverseTimeDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "CosineDecay": {"initial_learning_rate": 0.1, "decay_steps": 10},
    "CosineDecayRestarts": {"initial_learning_rate": 0.1, "first_decay_steps": 10},
}
# Keys lamina writes that Keras's get_config forgets (Keras accepts them when loading).
KERAS_FORGETS = {
    ("loss", "CosineSimilarity"): {"axis"},
    ("loss", "Huber"): {"delta"},
    ("loss", "SparseCategoricalCrossentropy"): {"axis"},
    ("metric", "CosineSimilarity"): {"axis"},
    ("metric", "SparseTopKCategoricalAccuracy"): {"from_sorted_ids"},
}
# Abstract bases, wrappers of a function (tested below) and lamina-only classes.
NOT_CLASSES = {"Loss", "LossFunctionWrapper", "Metric", "MeanMetricWrapper", "Optimizer",
               "TorchOptimizer", "LearningRateSchedule", "LossScaleOptimizer"}


def _classes(module, base):
    names = [n for n in module.__all__ if inspect.isclass(getattr(module, n))]
    return sorted(n for n in names if issubclass(getattr(module, n), base) and n not in NOT_CLASSES)


LOSSES = _classes(lamina.losses, lamina.losses.Loss)
METRICS = _classes(lamina.metrics, lamina.metrics.Metric)
OPTIMIZERS = _classes(lamina.optimizers, lamina.optimizers.Optimizer)
SCHEDULES = _classes(lamina.optimizers.schedules, lamina.optimizers.schedules.LearningRateSchedule)


def _pair(lamina_module, keras_module, name):
    arguments = ARGUMENTS.get(name, {})
    return getattr(lamina_module, name)(**arguments), getattr(keras_module, name)(**arguments)


def _without(config, keys):
    return {k: v for k, v in config.items() if k not in keys}


def _compile_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


def _lamina_model(**compile_arguments):
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(3)])
    model.compile(**{"optimizer": "sgd", "loss": "mse", **compile_arguments})
    return model


def _keras_model(**compile_arguments):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(**{"optimizer": "sgd", "loss": "mse", **compile_arguments})
    return model


def test_every_class_is_covered():
    assert len(LOSSES) >= 22 and len(METRICS) >= 40 and len(OPTIMIZERS) >= 9 and len(SCHEDULES) == 6
    for name in LOSSES:
        assert hasattr(keras.losses, name), name
    for name in METRICS:
        assert hasattr(keras.metrics, name), name


@pytest.mark.parametrize("name", LOSSES)
def test_loss_entry_both_ways(name, tmp_path):
    ours, theirs = _pair(lamina.losses, keras.losses, name)
    written = lamina.saving.serialize_keras_object(ours)
    expected = keras.saving.serialize_keras_object(theirs)
    assert _without(written, ["config"]) == _without(expected, ["config"])
    assert _without(written["config"], KERAS_FORGETS.get(("loss", name), ())) == expected["config"]
    _lamina_model(loss=ours).save(tmp_path / "lamina.keras")
    loaded = keras.saving.load_model(tmp_path / "lamina.keras")
    assert type(loaded.loss).__name__ == name
    assert loaded.loss.get_config() == theirs.get_config()
    _keras_model(loss=theirs).save(tmp_path / "keras.keras")
    back = lamina.saving.load_model(tmp_path / "keras.keras")
    assert type(back._compiled.loss_spec) is type(ours)
    assert back._compiled.loss_spec.get_config() == ours.get_config()


@pytest.mark.parametrize("name", METRICS)
def test_metric_entry_both_ways(name, tmp_path):
    ours, theirs = _pair(lamina.metrics, keras.metrics, name)
    written = lamina.saving.serialize_keras_object(ours)
    expected = keras.saving.serialize_keras_object(theirs)
    assert _without(written, ["config"]) == _without(expected, ["config"])
    assert _without(written["config"], KERAS_FORGETS.get(("metric", name), ())) == expected["config"]
    _lamina_model(metrics=[ours]).save(tmp_path / "lamina.keras")
    assert _compile_config(tmp_path / "lamina.keras")["metrics"] == [written]
    loaded = keras.saving.load_model(tmp_path / "lamina.keras")
    assert loaded.get_compile_config()["metrics"][0]["config"] == expected["config"]
    _keras_model(metrics=[theirs]).save(tmp_path / "keras.keras")
    back = lamina.saving.load_model(tmp_path / "keras.keras")
    (metric,) = back._compiled.metric_specs
    assert type(metric) is type(ours)
    assert lamina.saving.serialize_keras_object(metric) == written


def _optimizer_config(config):
    # Keras keeps the learning rate in a float32 variable: 0.001 comes back 0.0010000000474974513.
    rate = config["learning_rate"]
    return {**config, "learning_rate": rate if isinstance(rate, dict) else pytest.approx(rate, rel=1e-6)}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_entry_both_ways(name, tmp_path):
    ours, theirs = _pair(lamina.optimizers, keras.optimizers, name)
    written = lamina.saving.serialize_keras_object(ours)
    expected = keras.saving.serialize_keras_object(theirs)
    # Keras's torch backend writes its own subclass's module; other backends, and lamina,
    # write the public one. Keras's torch classes also name AdamW/RMSprop "adam_w"/"rm_sprop".
    assert written["module"] == "keras.optimizers" and written["registered_name"] is None
    assert written["class_name"] == expected["class_name"]
    names = ("name",)
    assert _without(written["config"], names) == _optimizer_config(_without(expected["config"], names))
    _lamina_model(optimizer=ours).save(tmp_path / "lamina.keras")
    loaded = keras.saving.load_model(tmp_path / "lamina.keras")
    assert type(loaded.optimizer).__name__ == name
    assert _without(loaded.optimizer.get_config(), names) == _optimizer_config(_without(expected["config"], names))
    _keras_model(optimizer=theirs).save(tmp_path / "keras.keras")
    back = lamina.saving.load_model(tmp_path / "keras.keras")
    assert type(back.optimizer) is type(ours)


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_entry_both_ways(name, tmp_path):
    ours, theirs = _pair(lamina.optimizers.schedules, keras.optimizers.schedules, name)
    assert lamina.saving.serialize_keras_object(ours) == keras.saving.serialize_keras_object(theirs)
    _lamina_model(optimizer=lamina.optimizers.Adam(ours)).save(tmp_path / "lamina.keras")
    loaded = keras.saving.load_model(tmp_path / "lamina.keras")
    assert loaded.optimizer._learning_rate.get_config() == theirs.get_config()
    _keras_model(optimizer=keras.optimizers.Adam(theirs)).save(tmp_path / "keras.keras")
    back = lamina.saving.load_model(tmp_path / "keras.keras")
    schedule = back.optimizer.learning_rate_schedule if hasattr(back.optimizer, "learning_rate_schedule") else None
    config = lamina.saving.serialize_keras_object(schedule or back.optimizer.get_config()["learning_rate"])
    assert config == keras.saving.serialize_keras_object(theirs)


def test_issue_example_keras_loads_and_trains(tmp_path):
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3)])
    model.compile(
        optimizer="adam",
        loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[lamina.metrics.SparseCategoricalAccuracy()],
    )
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.loss.get_config()["from_logits"] is True
    x, y = np.random.rand(8, 4).astype("float32"), np.random.randint(0, 3, 8)
    logs = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "sparse_categorical_accuracy"}


def test_functions_are_written_as_keras_functions(tmp_path):
    @lamina.saving.register_keras_serializable(package="item7")
    def doubled_error(y_true, y_pred):
        return lamina.ops.mean((y_true - y_pred) ** 2, axis=-1) * 2

    @keras.saving.register_keras_serializable(package="item7")
    def doubled_error_k(y_true, y_pred):  # the same name space in Keras
        return keras.ops.mean((y_true - y_pred) ** 2, axis=-1) * 2

    model = _lamina_model(loss=lamina.losses.mean_squared_error, metrics=[doubled_error])
    model.save(tmp_path / "m.keras")
    config = _compile_config(tmp_path / "m.keras")
    assert config["loss"] == keras.saving.serialize_keras_object(keras.losses.mean_squared_error)
    assert config["metrics"] == [
        {"module": "builtins", "class_name": "function", "config": "item7>doubled_error", "registered_name": "function"}
    ]
    back = lamina.saving.load_model(tmp_path / "m.keras")
    assert back._compiled.loss_spec is lamina.losses.mean_squared_error
    assert back._compiled.metric_specs == [doubled_error]
    loaded = keras.saving.load_model(tmp_path / "m.keras", custom_objects={"item7>doubled_error": doubled_error_k})
    assert loaded.loss is keras.losses.mean_squared_error
