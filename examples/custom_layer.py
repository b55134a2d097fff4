"""A custom layer, written as a Keras user writes one, trained on synthetic data.

``Linear`` is a Dense-like layer: ``build`` creates its weights with ``add_weight`` (the
kernel with an L2 regularizer), ``call`` computes, ``get_config`` lets it be saved. The
penalty shows up in the loss ``fit`` reports; the model is saved to ``.keras`` and loaded
back with the same predictions.

Run:  python examples/custom_layer.py      (LAMINA_EXAMPLE_QUICK=1 for a few seconds' run)
"""

import os
import tempfile

import numpy as np
import torch

import lamina as tf
from lamina import layers

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"


@tf.saving.register_keras_serializable(package="examples")
class Linear(layers.Layer):
    """``inputs @ w + b`` with an optional kernel regularizer."""

    def __init__(self, units=32, kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_regularizer = tf.regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            regularizer=self.kernel_regularizer,
            name="w",
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return inputs @ self.w + self.b

    def get_config(self):
        config = super().get_config()
        config.update(
            {"units": self.units, "kernel_regularizer": tf.regularizers.serialize(self.kernel_regularizer)}
        )
        return config


def make_data(samples, features=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    true_w = rng.normal(size=(features, 1)).astype("float32")
    y = x @ true_w + 0.1 * rng.normal(size=(samples, 1)).astype("float32")
    return x, y


def main():
    tf.utils.set_random_seed(0)
    x, y = make_data(256 if QUICK else 4096)
    model = tf.Sequential([
        tf.Input(shape=(x.shape[1],)),
        Linear(16, kernel_regularizer=tf.regularizers.L2(1e-2)),
        layers.Activation("relu"),
        Linear(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    model.summary()
    history = model.fit(x, y, batch_size=32, epochs=2 if QUICK else 20, verbose=0 if QUICK else "auto")
    print(f"final training loss (mse + L2 penalty): {history.history['loss'][-1]:.4f}")

    mse = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    penalty = float(sum(model.losses).detach())
    print(f"mse {mse:.4f} + penalty {penalty:.4f} = {mse + penalty:.4f}; "
          f"evaluate() says {model.evaluate(x, y, verbose=0):.4f}")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "linear.keras")
        model.save(path)
        restored = tf.keras.models.load_model(path)
    same = np.allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    print(f"reloaded from .keras, same predictions: {same}")
    assert same and isinstance(restored.layers[0], Linear)
    assert torch.is_tensor(restored.layers[0].w)


if __name__ == "__main__":
    main()
