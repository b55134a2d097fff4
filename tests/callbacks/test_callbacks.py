"""Keras 3 callbacks on lamina models: behaviour against real Keras callbacks fed the same
logs, files read back with their own readers (csv, TensorBoard's EventAccumulator, the
weights files), and exact weight restores."""

import csv
import math
import os

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import callbacks
from lamina.callbacks.callback_list import CallbackList
from lamina.errors import ConfigurationError

RNG = np.random.default_rng(5)
X = RNG.normal(size=(96, 6)).astype(np.float32)
Y = (X[:, :2].sum(-1) > 0).astype(np.int64) + (X[:, 2] > 0.7).astype(np.int64)


def make_model(metrics=None, learning_rate=0.05):
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential(
        [
            lamina.layers.Dense(8, activation="relu", input_shape=(6,)),
            lamina.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=lamina.optimizers.SGD(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=metrics or [],
    )
    return model


def snapshot(model):
    return [w.copy() for w in model.get_weights()]


class Scripted(callbacks.Callback):
    """Puts a scripted value into the epoch logs (runs before the callbacks that read it)."""

    def __init__(self, name, values):
        super().__init__()
        self.name, self.values = name, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.name] = self.values[epoch]


# ------------------------------------------------------------------ EarlyStopping
def test_restore_best_weights_restores_the_best_epoch_exactly():
    model = make_model()
    captured = []
    scores = [5.0, 3.0, 4.0, 2.0, 6.0, 7.0, 8.0, 9.0]
    capture = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: captured.append(snapshot(model))
    )
    stopper = callbacks.EarlyStopping(
        monitor="score", mode="min", patience=2, restore_best_weights=True
    )
    history = model.fit(
        X,
        Y,
        epochs=8,
        batch_size=16,
        verbose=0,
        callbacks=[Scripted("score", scores), capture, stopper],
    )
    assert len(history.history["loss"]) == 6  # stopped after epoch index 5
    assert stopper.stopped_epoch == 5 and stopper.best_epoch == 3 and stopper.best == 2.0
    for restored, best in zip(model.get_weights(), captured[3]):
        np.testing.assert_array_equal(restored, best)
    assert any(not np.array_equal(a, b) for a, b in zip(captured[3], captured[5]))


def _drive(callback, model, values):
    """Feed epoch logs to a callback; return after which epochs training was asked to stop."""
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    stops = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value, "val_accuracy": 1.0 - value})
        stops.append(bool(model.stop_training))
    return stops


def _keras_model(learning_rate=1.0):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


SEQUENCES = [
    [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.99],
    [0.5, 0.5, 0.5, 0.5, 0.5],
    [1.0, 0.8, 0.6, 0.7, 0.5, 0.55, 0.56, 0.57, 0.58],
    [0.3, float("nan"), 0.35, 0.2, 0.4, 0.41],
]
EARLY_SETTINGS = [
    {"patience": 0},
    {"patience": 2},
    {"patience": 1, "min_delta": 0.05},
    {"patience": 2, "baseline": 0.55},
    {"patience": 1, "start_from_epoch": 3},
    {"monitor": "val_accuracy", "mode": "max", "patience": 1},
]


@pytest.mark.parametrize("settings", EARLY_SETTINGS, ids=lambda s: str(s))
@pytest.mark.parametrize("values", SEQUENCES, ids=["dip", "flat", "noisy", "nan"])
def test_early_stopping_decides_as_keras(settings, values):
    ours = callbacks.EarlyStopping(**settings)
    theirs = keras.callbacks.EarlyStopping(**settings)
    with np.errstate(invalid="ignore"):
        expected = _drive(theirs, _keras_model(), values)
    got = _drive(ours, make_model(), values)
    assert got == expected
    assert ours.stopped_epoch == theirs.stopped_epoch


def test_a_nan_is_never_the_best_value():
    # Keras would take a first-epoch NaN as the best value and never improve on it.
    stopper = callbacks.EarlyStopping(patience=1)
    stops = _drive(stopper, make_model(), [float("nan"), 0.5, 0.4, 0.45, 0.46])
    assert stopper.best == 0.4 and stops == [False, False, False, True, True]


def test_early_stopping_auto_mode_follows_the_metric_direction():
    model = make_model(metrics=["accuracy"])
    model.fit(X, Y, epochs=1, verbose=0)
    up = callbacks.EarlyStopping(monitor="val_accuracy")
    up.set_model(model)
    up._set_monitor_op()
    assert up._is_improvement(0.9, 0.8)
    down = callbacks.EarlyStopping(monitor="loss")
    down.set_model(model)
    down._set_monitor_op()
    assert down._is_improvement(0.1, 0.2)
    unknown = callbacks.EarlyStopping(monitor="val_something")
    unknown.set_model(model)
    with pytest.raises(ConfigurationError, match="mode='max'"):
        unknown._set_monitor_op()


def test_early_stopping_warns_about_a_missing_quantity():
    model = make_model()
    with pytest.warns(UserWarning, match="val_loss"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping()])


def test_early_stopping_state_survives_a_round_trip():
    model = make_model()
    stopper = callbacks.EarlyStopping(monitor="score", mode="min", restore_best_weights=True)
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[Scripted("score", [1.0, 2.0]), stopper])
    copy = callbacks.EarlyStopping(monitor="score", mode="min", restore_best_weights=True)
    copy.load_state_dict(stopper.state_dict())
    assert copy.best == 1.0 and copy.wait == 1 and copy.best_epoch == 0
    for name, tensor in stopper.best_weights.items():
        assert torch.equal(copy.best_weights[name], tensor)


# ------------------------------------------------------------------ ReduceLROnPlateau
RLR_SETTINGS = [
    {"factor": 0.5, "patience": 1},
    {"factor": 0.1, "patience": 2, "cooldown": 1, "min_lr": 0.005},
    {"factor": 0.5, "patience": 0, "min_delta": 0.1},
    {"monitor": "val_accuracy", "mode": "max", "factor": 0.2, "patience": 1},
]


@pytest.mark.parametrize("settings", RLR_SETTINGS, ids=lambda s: str(s))
@pytest.mark.parametrize("values", SEQUENCES[:3], ids=["dip", "flat", "noisy"])
def test_reduce_lr_on_plateau_matches_keras(settings, values):
    ours_model, theirs_model = make_model(learning_rate=1.0), _keras_model(1.0)
    ours_model.optimizer.build(list(ours_model.parameters()))
    ours = callbacks.ReduceLROnPlateau(**settings)
    theirs = keras.callbacks.ReduceLROnPlateau(**settings)
    for callback, model in ((ours, ours_model), (theirs, theirs_model)):
        callback.set_model(model)
        callback.on_train_begin()
    got, expected = [], []
    for epoch, value in enumerate(values):
        logs = {"val_loss": value, "val_accuracy": 1.0 - value}
        ours.on_epoch_end(epoch, dict(logs))
        theirs.on_epoch_end(epoch, dict(logs))
        got.append(ours_model.optimizer.learning_rate)
        expected.append(float(keras.ops.convert_to_numpy(theirs_model.optimizer.learning_rate)))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert ours_model.optimizer.torch_optimizer.param_groups[0]["lr"] == pytest.approx(got[-1])


def test_reduce_lr_on_plateau_logs_the_learning_rate_and_rejects_bad_factor():
    model = make_model()
    seen = []
    history = model.fit(
        X,
        Y,
        epochs=3,
        verbose=0,
        validation_split=0.25,
        callbacks=[
            callbacks.ReduceLROnPlateau(patience=0, factor=0.5, min_delta=10.0),
            callbacks.LambdaCallback(
                on_epoch_end=lambda e, logs: seen.append(logs["learning_rate"])
            ),
        ],
    )
    # Logged before the epoch's reduction (as Keras); the first epoch sets the best value.
    assert seen == pytest.approx([0.05, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.0125)
    assert len(history.history["loss"]) == 3
    with pytest.raises(ConfigurationError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.0)


# ------------------------------------------------------------------ LearningRateScheduler
def test_learning_rate_scheduler_sets_each_epoch_and_the_step_uses_it():
    model = make_model(learning_rate=0.1)
    used = []
    record = callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: (
            used.append(model.optimizer.torch_optimizer.param_groups[0]["lr"])
            if batch == 0
            else None
        )
    )
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    model.fit(X, Y, epochs=3, batch_size=32, verbose=0, callbacks=[scheduler, record])
    assert used == pytest.approx([0.1, 0.05, 0.025])
    one_argument = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[one_argument])
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    bad = callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    with pytest.raises(ConfigurationError, match="float"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[bad])


# ------------------------------------------------------------------ ModelCheckpoint
def test_checkpoint_save_best_only_keeps_the_best_weights(tmp_path):
    model = make_model()
    captured = []
    scores = [0.5, 0.4, 0.45, 0.3, 0.35]
    path = tmp_path / "best.weights.h5"
    checkpoint = callbacks.ModelCheckpoint(
        path, monitor="score", mode="min", save_best_only=True, save_weights_only=True
    )
    capture = callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: captured.append(snapshot(model))
    )
    model.fit(X, Y, epochs=5, verbose=0, callbacks=[Scripted("score", scores), capture, checkpoint])
    assert checkpoint.best == 0.3
    fresh = make_model()
    fresh.load_weights(path)
    for loaded, best in zip(fresh.get_weights(), captured[3]):
        np.testing.assert_array_equal(loaded, best)


def test_checkpoint_formats_file_names_from_epoch_and_logs(tmp_path):
    model = make_model()
    pattern = str(tmp_path / "ckpt" / "{epoch:02d}-{val_loss:.2f}.keras")
    model.fit(
        X,
        Y,
        epochs=3,
        verbose=0,
        validation_split=0.25,
        callbacks=[callbacks.ModelCheckpoint(pattern)],
    )
    history = model.history.history
    expected = sorted(f"{e + 1:02d}-{v:.2f}.keras" for e, v in enumerate(history["val_loss"]))
    assert sorted(os.listdir(tmp_path / "ckpt")) == expected
    reloaded = lamina.models.load_model(tmp_path / "ckpt" / expected[-1])
    np.testing.assert_allclose(
        reloaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6
    )


def test_checkpoint_every_n_batches(tmp_path):
    model = make_model()
    pattern = str(tmp_path / "{epoch}-{batch}.weights.h5")
    checkpoint = callbacks.ModelCheckpoint(pattern, save_weights_only=True, save_freq=4)
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0, callbacks=[checkpoint])  # 6 batches/epoch
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["1-4.weights.h5", "2-2.weights.h5", "2-6.weights.h5"]
    )


def test_checkpoint_errors_are_explained(tmp_path):
    with pytest.raises(ConfigurationError, match="save_freq"):
        callbacks.ModelCheckpoint(tmp_path / "m.keras", save_freq="batch")
    model = make_model()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "{epoch}-{accuracy}.keras"))
    with pytest.raises(ConfigurationError, match="filepath"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[checkpoint])


# ------------------------------------------------------------------ CSVLogger
def _read_csv(path, separator=","):
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter=separator))


def test_csv_logger_writes_whole_rows_and_appends_with_one_header(tmp_path):
    path = tmp_path / "log.csv"
    model = make_model(metrics=["accuracy"])
    complete = []

    def check_complete(epoch, logs):
        text = path.read_text()
        complete.append(text.endswith("\n") and text.count("\n") == epoch + 2)

    watcher = callbacks.LambdaCallback(on_epoch_end=check_complete)
    history = model.fit(
        X,
        Y,
        epochs=3,
        verbose=0,
        validation_split=0.25,
        callbacks=[callbacks.CSVLogger(path), watcher],
    )
    assert complete == [True, True, True]
    rows = _read_csv(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    for epoch, row in enumerate(rows[1:]):
        assert int(row[0]) == epoch
        assert float(row[2]) == pytest.approx(history.history["loss"][epoch], rel=1e-6)
        assert float(row[4]) == pytest.approx(history.history["val_loss"][epoch], rel=1e-6)
    model.fit(
        X,
        Y,
        epochs=2,
        verbose=0,
        validation_split=0.25,
        callbacks=[callbacks.CSVLogger(path, append=True)],
    )
    rows = _read_csv(path)
    assert len(rows) == 1 + 3 + 2 and rows.count(rows[0]) == 1
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path, separator=";")])
    rows = _read_csv(path, ";")
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert rows[1][3:] == ["NA", "NA"]  # Keras adds val_ columns even without validation


# ------------------------------------------------------------------ TerminateOnNaN
@pytest.mark.parametrize("raise_error", [False, True])
def test_terminate_on_nan_stops_at_the_bad_batch(raise_error, capsys):
    x = X.copy()
    x[37, 0] = np.nan  # batch 2 with batch_size 16 and no shuffling
    model = make_model()
    stopper = callbacks.TerminateOnNaN(raise_error=raise_error)
    seen = []
    counter = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    if raise_error:
        with pytest.raises(RuntimeError, match="batch 2"):
            model.fit(
                x,
                Y,
                epochs=3,
                batch_size=16,
                shuffle=False,
                verbose=0,
                callbacks=[stopper],
                check_finite=False,
            )
        return
    history = model.fit(
        x,
        Y,
        epochs=3,
        batch_size=16,
        shuffle=False,
        verbose=0,
        callbacks=[stopper, counter],
        check_finite=False,  # fit refuses NaN data by default; here it is the point
    )
    assert stopper.stopped_at == (0, 2)
    assert seen == [0, 1, 2]
    assert len(history.history["loss"]) == 1 and math.isnan(history.history["loss"][0])
    assert "Epoch 1, batch 2: invalid loss" in capsys.readouterr().out


# ------------------------------------------------------------------ LambdaCallback
def test_lambda_callback_calls_the_given_hooks_with_their_arguments():
    events = []
    callback = callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, sorted(logs))),
        on_batch_end=lambda batch, logs: events.append(("batch", batch)),
        on_train_end=lambda logs: events.append("train_end"),
        on_test_end=lambda logs: events.append("test_end"),
    )
    model = make_model()
    model.fit(
        X[:32],
        Y[:32],
        epochs=2,
        batch_size=16,
        verbose=0,
        validation_split=0.5,
        callbacks=[callback],
    )
    assert events[0] == "train_begin" and events[-1] == "train_end"
    assert events[1:6] == [
        ("epoch_begin", 0),
        ("batch", 0),
        "test_end",
        ("epoch_end", 0, ["loss", "val_loss"]),
        ("epoch_begin", 1),
    ]
    with pytest.raises(ConfigurationError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)


def test_epoch_level_callbacks_add_no_per_batch_dispatch(tmp_path):
    model = make_model()
    epoch_level = [
        callbacks.EarlyStopping(),
        callbacks.ReduceLROnPlateau(),
        callbacks.CSVLogger(tmp_path / "log.csv"),
        callbacks.ModelCheckpoint(tmp_path / "m.keras"),
        callbacks.TensorBoard(tmp_path / "tb"),
        callbacks.LearningRateScheduler(lambda epoch, lr: lr),
        callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None),
    ]
    callback_list = CallbackList(epoch_level, model, {})
    assert callback_list.on_train_batch_end.__name__ == "_nothing"
    assert callback_list.on_train_batch_begin.__name__ == "_nothing"
    batch_level = CallbackList(
        [callbacks.ModelCheckpoint(tmp_path / "m.keras", save_freq=5)], model, {}
    )
    assert batch_level.on_train_batch_end.__name__ == "dispatch"


# ------------------------------------------------------------------ TensorBoard
def _events(directory):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(directory), size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return accumulator


def _scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def test_tensorboard_writes_train_and_validation_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    model = make_model(metrics=["accuracy"])
    board = callbacks.TensorBoard(tmp_path, histogram_freq=2, update_freq=2)
    history = model.fit(
        X, Y, epochs=3, batch_size=32, verbose=0, validation_split=0.25, callbacks=[board]
    ).history
    train, validation = _events(tmp_path / "train"), _events(tmp_path / "validation")
    for name in ("loss", "accuracy"):
        steps, values = zip(*_scalars(train, f"epoch_{name}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history[name], rtol=1e-6)
        steps, values = zip(*_scalars(validation, f"epoch_{name}"))
        np.testing.assert_allclose(values, history[f"val_{name}"], rtol=1e-6)
    assert [v for _, v in _scalars(train, "epoch_learning_rate")] == pytest.approx([0.05] * 3)
    batch_steps = [step for step, _ in _scalars(train, "batch_loss")]
    assert batch_steps == [2, 4, 6, 8]  # 3 batches per epoch, every second one
    evaluation = _scalars(validation, "evaluation_loss_vs_iterations")
    assert [step for step, _ in evaluation] == [3, 6, 9]
    histograms = [tag for tag in train.Tags()["histograms"] if tag.endswith("/histogram")]
    assert len(histograms) == 4  # two Dense layers: kernel and bias
    assert [event.step for event in train.Histograms(histograms[0])] == [0, 2]


def test_tensorboard_graph_of_a_model_with_an_input(tmp_path):
    pytest.importorskip("tensorboard")
    model = make_model()
    model.fit(
        X, Y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(tmp_path, write_graph=True)]
    )
    assert _events(tmp_path / "train").Graph() is not None


def test_tensorboard_rejects_unsupported_features():
    with pytest.raises(ConfigurationError, match="profile_batch"):
        callbacks.TensorBoard(profile_batch=2)
    with pytest.raises(ConfigurationError, match="update_freq"):
        callbacks.TensorBoard(update_freq="step")


def test_batch_logs_are_a_dict_of_that_batchs_values_as_keras_gives():
    import json

    kept = []

    class Keep(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            kept.append(logs)
            json.dumps(logs.copy())

    lambda_kept = []
    model = make_model(metrics=["accuracy"])
    model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0,
              callbacks=[Keep(), callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: lambda_kept.append(logs))])
    assert all(type(logs) is dict and set(logs) == {"loss", "accuracy"} for logs in kept)
    losses = [logs["loss"] for logs in kept]
    assert len(set(losses)) == len(losses) == 6  # each its own batch's running value, kept
    assert [logs["loss"] for logs in lambda_kept] == losses

