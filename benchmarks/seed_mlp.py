"""Seed MLP (Flatten, Dense 128 relu, Dropout 0.2, Dense 10 softmax; Adam; batch 32) on
real Fashion-MNIST: lamina vs a plain PyTorch loop (vs Keras 3 on each installed backend).

Each contender trains in its own worker process; workers run alternately, round after
round, so drifts in machine speed hit all of them alike. The first epoch of every worker
is warm-up; the figure reported is the median of the later (steady) epochs.

    python benchmarks/seed_mlp.py                 # 2 rounds of 3 epochs each
    python benchmarks/seed_mlp.py --rounds 3 --epochs 4
    python benchmarks/seed_mlp.py --quick         # smoke test on a small subset
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness  # noqa: E402

BATCH = 32


def load_data(quick=False):
    return _harness.fashion_mnist(quick)


def lamina_model(jit_compile=False):
    import lamina as tf

    model = tf.keras.models.Sequential(
        [
            tf.keras.layers.Flatten(input_shape=(28, 28)),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dropout(0.2),
            tf.keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


def plain_torch_model():
    """The seed MLP as a PyTorch user writes it (logits out)."""
    from torch import nn

    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))


def plain_torch_inputs(images):
    return images


def run_torch(epochs, quick=False):
    """The loop a PyTorch user writes by hand (``_harness.train_plain_torch``)."""
    return _harness.run_plain_torch(plain_torch_model(), plain_torch_inputs, load_data(quick), epochs, BATCH)


def run_keras(epochs, quick=False):
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return _harness.fit_timed(model, load_data(quick), epochs, BATCH)


if __name__ == "__main__":
    _harness.main(
        __file__,
        __doc__,
        {**_harness.lamina_workers(lamina_model, load_data, BATCH), "torch": run_torch},
        run_keras,
        f"steady seconds per epoch (median), batch {BATCH}, Fashion-MNIST 60k",
    )
