"""The training API against real Keras 3 (KERAS_BACKEND=torch): the same model, weights
and plain SGD in both, compared call by call."""

import keras
import numpy as np
import pytest
from oracle import assert_same_weights, twin_models

import lamina

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

rng = np.random.default_rng(0)
X = rng.normal(size=(96, 4)).astype("float32")
Y = rng.integers(0, 3, size=(96,))


def twins(build, loss="sparse_categorical_crossentropy", metrics=(), **compile_kwargs):
    """``build(library)`` in Keras and lamina, same weights, compiled alike (SGD 0.1)."""
    ours, theirs = twin_models(build)
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, metrics=list(metrics), **compile_kwargs)
    ours.compile(optimizer=lamina.optimizers.SGD(0.1), loss=loss, metrics=list(metrics), **compile_kwargs)
    return theirs, ours


def softmax_classifier(library):
    return library.Sequential([library.Input(shape=(4,)), library.layers.Dense(3, activation="softmax")])


@pytest.mark.parametrize("metrics", [(), ("accuracy",)])
def test_on_batch_calls_report_their_own_batch(metrics):
    theirs, ours = twins(softmax_classifier, metrics=metrics)
    for i in range(3):
        batch = slice(16 * i, 16 * i + 16)
        np.testing.assert_allclose(ours.train_on_batch(X[batch], Y[batch]), theirs.train_on_batch(X[batch], Y[batch]),
                                   rtol=1e-5, atol=1e-6)
    ours.evaluate(X, Y, verbose=0)
    theirs.evaluate(X, Y, verbose=0)
    for i in range(2):
        batch = slice(16 * i, 16 * i + 16)
        np.testing.assert_allclose(ours.test_on_batch(X[batch], Y[batch]), theirs.test_on_batch(X[batch], Y[batch]),
                                   rtol=1e-5, atol=1e-6)


def test_steps_per_epoch_short_of_a_pass_goes_on_through_the_arrays():
    theirs, ours = twins(softmax_classifier)
    x, y = X[:50], Y[:50]  # 4 batches of 16: epochs take 0-1, 2-3, then 0-1 again
    options = dict(batch_size=16, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    expected = theirs.fit(x, y, **options).history["loss"]
    np.testing.assert_allclose(ours.fit(x, y, **options).history["loss"], expected, rtol=1e-5, atol=1e-6)
    assert_same_weights(ours, theirs, rtol=1e-5, atol=1e-6)


def test_steps_per_epoch_short_of_a_pass_goes_on_through_a_data_loader():
    import torch

    theirs, ours = twins(softmax_classifier)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X[:50]), torch.from_numpy(Y[:50])), batch_size=16
    )
    expected = theirs.fit(loader, epochs=3, steps_per_epoch=2, verbose=0).history["loss"]
    np.testing.assert_allclose(ours.fit(loader, epochs=3, steps_per_epoch=2, verbose=0).history["loss"], expected,
                               rtol=1e-5, atol=1e-6)


def sigmoid_classifier(library):
    return library.Sequential([library.Input(shape=(4,)), library.layers.Dense(1, activation="sigmoid")])


@pytest.mark.parametrize("shape", [(96,), (96, 1)])
def test_class_weight_reads_float_binary_labels_as_keras(shape):
    theirs, ours = twins(sigmoid_classifier, loss="binary_crossentropy")
    y = (X[:, 0] > 0.3).astype("float32").reshape(shape)
    options = dict(batch_size=16, epochs=2, shuffle=False, verbose=0, class_weight={0: 0.5, 1: 4.0})
    expected = theirs.fit(X, y, **options).history["loss"]
    np.testing.assert_allclose(ours.fit(X, y, **options).history["loss"], expected, rtol=1e-5, atol=1e-6)


def sparse_loss(y_true, y_pred):
    """A custom loss: the crossentropy of integer labels, written out."""
    import torch

    picked = torch.gather(y_pred, 1, y_true.long().reshape(-1, 1))
    return -torch.log(picked.clamp_min(1e-7)).reshape(-1)


def keras_sparse_loss(y_true, y_pred):
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


@pytest.mark.parametrize("case", ["custom loss, labels (n,)", "mse, labels (n, 1)"])
def test_accuracy_follows_the_target_shapes_where_the_loss_does_not_say(case):
    y = Y if case.startswith("custom") else Y.reshape(-1, 1).astype("float32")
    theirs, ours = twins(softmax_classifier, metrics=["accuracy"],
                         loss=keras_sparse_loss if case.startswith("custom") else "mse")
    if case.startswith("custom"):
        ours.compile(optimizer=lamina.optimizers.SGD(0.1), loss=sparse_loss, metrics=["accuracy"])
    options = dict(batch_size=16, epochs=1, shuffle=False, verbose=0)
    expected = theirs.fit(X, y, **options).history["accuracy"]
    np.testing.assert_allclose(ours.fit(X, y, **options).history["accuracy"], expected)
    assert type(ours.metrics[-1]).__name__ == "SparseCategoricalAccuracy"


def test_repeated_metric_names_are_told_apart_as_keras_does():
    theirs, ours = twins(softmax_classifier, metrics=["accuracy"], weighted_metrics=["accuracy"])
    options = dict(batch_size=16, epochs=1, shuffle=False, verbose=0, sample_weight=np.linspace(0.1, 2, 96))
    expected = theirs.fit(X, Y, **options).history
    history = ours.fit(X, Y, **options).history
    assert sorted(history) == sorted(expected) == ["accuracy", "loss", "weighted_accuracy"]
    for key in expected:
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-5)
    model = softmax_classifier(lamina)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", lamina.metrics.SparseCategoricalAccuracy(name="accuracy")])
    assert list(model.fit(X, Y, epochs=1, verbose=0).history) == ["loss", "accuracy", "accuracy_1"]


def two_heads(library):
    inputs = library.Input(shape=(4,))
    return library.Model(inputs, [library.layers.Dense(3, activation="softmax", name="out1")(inputs),
                                  library.layers.Dense(1, name="out2")(inputs)])


def test_an_output_without_a_loss_logs_no_loss_of_its_own():
    theirs, ours = twins(two_heads, loss=["sparse_categorical_crossentropy", None])
    y = [Y, X[:, :1]]
    expected = theirs.fit(X, y, epochs=1, verbose=0).history
    assert list(ours.fit(X, y, epochs=1, verbose=0).history) == list(expected) == ["loss"]
    theirs, ours = twins(two_heads, loss=["sparse_categorical_crossentropy", "mse"])
    assert sorted(ours.fit(X, y, epochs=1, verbose=0).history) == sorted(theirs.fit(X, y, epochs=1, verbose=0).history)


class HalveEachBatch:
    """A callback (made for either library) halving the learning rate before each batch."""

    @staticmethod
    def make(library):
        class Halve(library.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                optimizer = self.model.optimizer
                optimizer.learning_rate = float(optimizer.learning_rate) * 0.5

        return Halve()


@pytest.mark.parametrize("optimizer, arguments", [
    ("SGD", dict(momentum=0.9)), ("SGD", dict(momentum=0.9, nesterov=True)), ("RMSprop", dict(momentum=0.5, epsilon=0.0)),
])
@pytest.mark.parametrize("how", ["schedule", "callback"])
def test_momentum_follows_keras_when_the_learning_rate_changes(optimizer, arguments, how):
    ours, theirs = twin_models(softmax_classifier)
    for model, library in ((theirs, keras), (ours, lamina)):
        rate = (library.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
                if how == "schedule" else 0.2)
        model.compile(optimizer=getattr(library.optimizers, optimizer)(rate, **arguments),
                      loss="sparse_categorical_crossentropy")
        callbacks = [HalveEachBatch.make(library)] if how == "callback" else []
        model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=callbacks)
    assert_same_weights(ours, theirs, rtol=1e-5, atol=1e-6)


def masked_two_heads(library):
    tokens = library.Input(shape=(6,), dtype="int32")
    states = library.layers.LSTM(4, return_sequences=True)(library.layers.Embedding(10, 3, mask_zero=True)(tokens))
    return library.Model(tokens, [library.layers.Dense(1, name="a")(states), library.layers.Dense(2, name="b")(states)])


def test_each_output_of_a_masked_model_leaves_the_padding_out_as_keras():
    theirs, ours = twins(masked_two_heads, loss=["mse", "mse"])
    ids = rng.integers(1, 10, size=(32, 6))
    ids[:, 4:] = 0  # padding
    targets = [rng.normal(size=(32, 6, 1)).astype("float32"), rng.normal(size=(32, 6, 2)).astype("float32")]
    options = dict(batch_size=8, epochs=2, shuffle=False, verbose=0)
    expected = theirs.fit(ids, targets, **options).history
    history = ours.fit(ids, targets, **options).history
    for key in ("loss", "a_loss", "b_loss"):
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-4)
