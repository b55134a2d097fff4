"""``layer.losses`` per call, fit without targets and models without trainable weights,
as Keras 3 (issue #16, item 5)."""

import warnings

import keras
import numpy as np
import pytest
import torch
from oracle import twin_models

import lamina
from lamina import layers


def _ops(base):
    """keras.ops for Keras, torch for lamina (the test does not depend on lamina.ops)."""
    return keras.ops if base is keras else torch


def _adds_its_sum(base):
    class AddsSum(base.layers.Layer):
        def call(self, x):
            self.add_loss(_ops(base).sum(x))
            return x

    return AddsSum


@pytest.mark.parametrize("calls", [1, 2, 3])
def test_losses_hold_the_latest_call_only(calls):
    theirs, ours = _adds_its_sum(keras)(), _adds_its_sum(lamina)()
    for _ in range(calls):
        theirs(np.ones((2, 3), "float32"))
        ours(torch.ones(2, 3))
    assert len(ours.losses) == len(theirs.losses) == 1


def test_a_layer_shared_inside_one_call_keeps_both_losses():
    def model(base, ones):
        shared = _adds_its_sum(base)()
        x = base.Input((3,))
        return base.Model(x, shared(shared(x)))

    theirs, ours = model(keras, None), model(lamina, None)
    for _ in range(2):
        theirs(np.ones((2, 3), "float32"))
        ours(torch.ones(2, 3))
    assert len(ours.losses) == len(theirs.losses) == 2
    assert float(sum(ours.losses)) == pytest.approx(float(sum(theirs.losses)))


def _endpoint_model(base):
    class Endpoint(base.layers.Layer):
        def call(self, logits, targets):
            self.add_loss(_ops(base).mean(_ops(base).square(logits - targets)))
            return logits

    x, t = base.Input((3,)), base.Input((1,))
    return base.Model([x, t], Endpoint()(base.layers.Dense(1)(x), t))


def _fit_both(make, data, **fit_args):
    ours, theirs = twin_models(make)
    theirs.compile(optimizer=keras.optimizers.SGD(0.1))
    ours.compile(optimizer=lamina.optimizers.SGD(0.1))
    expected = theirs.fit(data, epochs=3, shuffle=False, verbose=0, **fit_args).history["loss"]
    got = ours.fit(data, epochs=3, shuffle=False, verbose=0, **fit_args).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(ours.evaluate(data, verbose=0), theirs.evaluate(data, verbose=0), rtol=1e-5)


def test_fit_without_targets_trains_on_the_losses_of_an_endpoint_layer():
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")]
    _fit_both(_endpoint_model, data, batch_size=8)


def _autoencoder(base):
    class AutoEncoder(base.Model):
        def __init__(self):
            super().__init__()
            self.encode = base.layers.Dense(2)
            self.decode = base.layers.Dense(4)

        def call(self, x):
            code = self.encode(x)
            self.add_loss(1e-2 * _ops(base).mean(_ops(base).square(code)))
            reconstruction = self.decode(code)
            self.add_loss(_ops(base).mean(_ops(base).square(reconstruction - x)))
            return reconstruction

    model = AutoEncoder()
    model(np.zeros((1, 4), "float32") if base is keras else torch.zeros(1, 4))
    return model


def test_fit_without_targets_trains_a_subclassed_model_on_its_added_losses():
    data = np.random.default_rng(1).normal(size=(16, 4)).astype("float32")
    _fit_both(_autoencoder, data, batch_size=4)


def test_a_model_without_trainable_weights_fits_and_evaluates_as_in_keras():
    def make(base):
        return base.Sequential([base.Input((3,)), base.layers.Rescaling(2.0)])

    theirs, ours = make(keras), make(lamina)
    theirs.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    ours.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 3), "float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = theirs.fit(x, y, epochs=2, verbose=0).history
        got = ours.fit(x, y, epochs=2, verbose=0).history
    assert any("trainable weights" in str(w.message) for w in caught)
    assert got.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-6)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-6)


def test_a_frozen_model_fits_without_changing_its_weights():
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.trainable = False
    model.compile(optimizer="adam", loss="mse")
    before = model.get_weights()
    with pytest.warns(UserWarning, match="no trainable weights"):
        model.fit(np.ones((4, 3)), np.zeros((4, 2)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_fit_without_targets_and_a_compiled_loss_still_asks_for_targets():
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(lamina.errors.InputError, match="fit needs targets"):
        model.fit(np.ones((4, 3)), verbose=0)
