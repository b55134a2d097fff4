"""Compiled metrics honour output masks and split ``metrics`` / ``weighted_metrics`` as
Keras 3 does; real Keras (same weights) is the oracle."""

import keras
import numpy as np
import pytest
import torch
from oracle import assert_same_logs, twin_models

import lamina
from lamina.training.output_mask import detach_output

STEPS, CLASSES = 6, 3


def padded_data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 10, size=(n, STEPS)).astype("int32")
    for row, kept in enumerate(rng.integers(1, STEPS, size=n)):
        x[row, kept:] = 0
    y = rng.integers(0, CLASSES, size=(n, STEPS))
    return x, y


def sequence_model(library, rnn="LSTM"):
    inputs = library.Input((STEPS,), dtype="int32")
    x = library.layers.Embedding(10, 4, mask_zero=True)(inputs)
    x = getattr(library.layers, rnn)(5, return_sequences=True)(x)
    return library.Model(inputs, library.layers.Dense(CLASSES, activation="softmax")(x))


def twins(rnn="LSTM"):
    return twin_models(lambda library: sequence_model(library, rnn))


@pytest.mark.parametrize("rnn", ["LSTM", "SimpleRNN"])
def test_evaluate_accuracy_leaves_out_masked_timesteps_as_keras(rnn):
    ours, theirs = twins(rnn)
    x, y = padded_data()
    for model in (ours, theirs):
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    expected = theirs.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    got = ours.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    assert_same_logs(got, expected)

    correct = theirs.predict(x, verbose=0).argmax(-1) == y
    assert abs(correct.mean() - got["accuracy"]) > 1e-3  # the mask really changes the value
    np.testing.assert_allclose(got["accuracy"], correct[x != 0].mean(), atol=1e-6)


def test_metrics_ignore_sample_weight_and_weighted_metrics_use_it_with_the_mask():
    ours, theirs = twins()
    x, y = padded_data(seed=1)
    weights = np.random.default_rng(2).uniform(0.2, 2.0, size=y.shape).astype("float32")
    for model, library in ((ours, lamina), (theirs, keras)):
        model.compile(
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            weighted_metrics=[library.metrics.SparseCategoricalAccuracy(name="weighted_accuracy")],
        )
    # One batch: on PyTorch, Keras's loss multiplies the weights tensor in place by its
    # (per-batch rescaled) mask before the metrics see it; within one batch that scale
    # cancels out of the weighted mean, across batches it would not.
    expected = theirs.evaluate(x, y, sample_weight=weights, batch_size=len(x), return_dict=True, verbose=0)
    got = ours.evaluate(x, y, sample_weight=weights, batch_size=len(x), return_dict=True, verbose=0)
    assert_same_logs(got, expected)

    correct = theirs.predict(x, verbose=0).argmax(-1) == y
    mask = x != 0
    np.testing.assert_allclose(got["accuracy"], correct[mask].mean(), atol=1e-6)
    expected_weighted = (correct * mask * weights).sum() / (mask * weights).sum()
    np.testing.assert_allclose(got["weighted_accuracy"], expected_weighted, atol=1e-6)


def test_fit_logs_masked_metrics_as_keras():
    ours, theirs = twins("SimpleRNN")
    x, y = padded_data(seed=3)
    ours.compile(optimizer=lamina.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    expected = theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    got = ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    assert_same_logs(got, expected)


def test_mean_metric_wrapper_weighs_out_masked_entries_as_keras():
    rng = np.random.default_rng(4)
    y_true = rng.integers(0, CLASSES, size=(2, 4, STEPS))
    probabilities = rng.random((2, 4, STEPS, CLASSES)).astype("float32")
    masks = rng.random((2, 4, STEPS)) > 0.4
    weights = rng.uniform(0.5, 2.0, size=(2, 4, STEPS)).astype("float32")  # Keras needs per-timestep weights here
    ours = lamina.metrics.SparseCategoricalAccuracy()
    theirs = keras.metrics.SparseCategoricalAccuracy()
    for batch in range(2):
        for metric in (ours, theirs):
            y_pred = torch.from_numpy(probabilities[batch])
            y_pred._keras_mask = torch.from_numpy(masks[batch])
            metric.update_state(torch.from_numpy(y_true[batch]), y_pred, sample_weight=torch.from_numpy(weights[batch]))
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()), atol=1e-6)


def test_train_step_hands_the_output_mask_to_compute_metrics():
    seen = []
    inputs = lamina.Input((STEPS,), dtype="int32")
    x = lamina.layers.Embedding(10, 4, mask_zero=True)(inputs)
    model = lamina.Model(inputs, lamina.layers.Dense(CLASSES)(x))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    compute_metrics = model.compute_metrics

    def recording(x, y, y_pred, sample_weight=None, loss=None):
        seen.append(getattr(y_pred, "_keras_mask", None))
        return compute_metrics(x, y, y_pred, sample_weight, loss)

    model.compute_metrics = recording
    ids, y = padded_data(n=4)
    model.train_on_batch(ids, y)
    assert seen and torch.equal(seen[-1].cpu(), torch.from_numpy(ids != 0))


def test_detaching_an_unmasked_output_adds_no_mask():
    output = torch.ones(2, 3, requires_grad=True) * 2
    detached = detach_output(output)
    assert not detached.requires_grad and getattr(detached, "_keras_mask", None) is None
    output._keras_mask = torch.tensor([True, False])
    assert detach_output(output)._keras_mask is output._keras_mask
    pair = [output, output]
    assert detach_output(pair) is pair


def test_weighted_metrics_survive_saving(tmp_path):
    model = sequence_model(lamina)
    weighted = [lamina.metrics.SparseCategoricalAccuracy(name="weighted_accuracy")]
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"], weighted_metrics=weighted)
    x, y = padded_data(n=8)
    before = model.evaluate(x, y, return_dict=True, verbose=0)
    model.save(tmp_path / "weighted.keras")
    loaded = lamina.models.load_model(tmp_path / "weighted.keras")
    after = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert set(after) == {"loss", "accuracy", "weighted_accuracy"}
    assert_same_logs(after, before, atol=1e-6)
