"""compile(jit_compile=True): the step methods under torch.compile give eager's results."""

import logging

import numpy as np
import pytest

import lamina as tf
from lamina.errors import ConfigurationError


def trained(jit_compile):
    tf.utils.set_random_seed(0)
    model = tf.models.Sequential(
        [tf.Input((12,)), tf.layers.Dense(16, activation="relu"), tf.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    x, y = rng.random((300, 12), dtype=np.float32), rng.integers(0, 3, 300)
    history = model.fit(x, y, epochs=3, batch_size=64, validation_split=0.2, verbose=0)
    return model, history.history, model.evaluate(x, y, verbose=0), model.predict(x[:5], verbose=0)


def test_compiled_steps_match_eager_without_recompiling(caplog):
    eager_model, eager_history, eager_scores, eager_predictions = trained(False)
    with caplog.at_level(logging.WARNING, logger="torch"):
        model, history, scores, predictions = trained(True)
    assert model.jit_compile and not eager_model.jit_compile
    assert set(model._jit_steps) == {"train_step", "test_step", "predict_step"}
    for key, values in eager_history.items():
        np.testing.assert_allclose(history[key], values, rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(scores, eager_scores, rtol=1e-5)
    np.testing.assert_allclose(predictions, eager_predictions, rtol=1e-5, atol=1e-6)
    # Step counters and metric counts stay eager: no graph per step, no cache-limit warning.
    assert not [r for r in caplog.records if "recompil" in r.getMessage()]


def test_auto_and_run_eagerly_mean_eager_and_bad_values_are_named():
    model = tf.models.Sequential([tf.Input((2,)), tf.layers.Dense(1)], name="tiny")
    model.compile(loss="mse", jit_compile="auto")
    assert model.jit_compile is False
    model.compile(loss="mse", jit_compile=True, run_eagerly=True)
    assert model.jit_compile is False
    with pytest.raises(ConfigurationError, match=r"Model 'tiny': jit_compile must be True, False or 'auto'.*'yes'"):
        model.compile(loss="mse", jit_compile="yes")
