"""Ops between layers, a layer written with ``ops`` and ``lamina.random``, and a custom
``train_step``: a Keras 3 program on PyTorch.

The task: each sample is a short sequence of 6 feature vectors; the target is a number that
depends on the mean of the sequence and on its first step. The model

* takes the first step with slicing (``inputs[:, 0]``) and the mean with ``ops.mean``,
* passes the sequence through ``NoisyProjection``, a layer written with ``lamina.ops`` that
  adds Gaussian noise (``lamina.random.normal`` with its own ``SeedGenerator``) in training,
* and is trained by its own ``train_step`` (the loss, ``backward`` and the optimizer step
  written out), then saved to ``.keras`` and reloaded with the same predictions.

Run:  python examples/ops_functional.py      (LAMINA_EXAMPLE_QUICK=1 for a few seconds' run)
"""

import os
import tempfile

import numpy as np

import lamina as keras
from lamina import layers, ops

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"


@keras.saving.register_keras_serializable(package="examples")
class NoisyProjection(layers.Layer):
    """``tanh(inputs @ w)``, with Gaussian noise of ``stddev`` added to the inputs in training."""

    def __init__(self, units, stddev=0.1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.stddev = stddev
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")

    def call(self, inputs, training=None):
        if training:
            noise = keras.random.normal(ops.shape(inputs), stddev=self.stddev, seed=self.seed_generator)
            inputs = inputs + noise
        return ops.tanh(ops.matmul(inputs, self.w))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "stddev": self.stddev}


class RegressionModel(keras.Model):
    """A functional model whose training step is written out."""

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss.detach())
            else:
                metric.update_state(y, y_pred)
        return {metric.name: metric.result() for metric in self.metrics}


def build_model(steps=6, features=4):
    inputs = keras.Input((steps, features))
    projected = NoisyProjection(8, seed=1)(inputs)
    first = inputs[:, 0]                                   # a GetItem node
    summary = ops.concatenate([ops.mean(projected, axis=1), first], axis=-1)
    hidden = layers.Dense(16, activation="relu")(summary)
    outputs = layers.Dense(1)(hidden) * 2.0                # a Multiply node
    return RegressionModel(inputs, outputs)


def make_data(count, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, 6, 4)).astype("float32")
    y = (np.tanh(x.mean(axis=1)).sum(axis=1) + 0.5 * x[:, 0, 0]).reshape(-1, 1).astype("float32")
    return x, y


def main():
    keras.utils.set_random_seed(0)
    x, y = make_data(256 if QUICK else 4096)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse", metrics=["mae"])
    model.summary()
    history = model.fit(x, y, batch_size=32, epochs=2 if QUICK else 20, verbose=0)
    first, last = history.history["loss"][0], history.history["loss"][-1]
    print(f"loss: first epoch {first:.4f}, last epoch {last:.4f}")

    path = os.path.join(tempfile.mkdtemp(), "ops_functional.keras")
    model.save(path)
    reloaded = keras.models.load_model(path, custom_objects={"RegressionModel": RegressionModel})
    same = np.allclose(reloaded.predict(x[:16], verbose=0), model.predict(x[:16], verbose=0), atol=1e-6)
    print(f"reloaded from .keras, same predictions: {same}")


if __name__ == "__main__":
    main()
