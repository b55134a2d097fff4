"""LSTM(128) over the rows of real Fashion-MNIST images (28 timesteps of 28 features),
Dense 10 softmax; Adam; batch 128: lamina vs a plain PyTorch nn.LSTM loop (vs Keras 3 on
each installed backend).

Workers run in their own processes, alternately, round after round; the first epoch of
each is warm-up and the figure reported is the median of the later (steady) epochs.
lamina's LSTM runs on the kernel behind nn.LSTM (torch._VF.lstm) with its own
parameters, so the ratio measures what the Keras-style layer and training loop cost.

    python benchmarks/lstm.py                  # 2 rounds of 3 epochs each
    python benchmarks/lstm.py --rounds 3 --no-keras
    python benchmarks/lstm.py --quick          # smoke test on a small subset
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness  # noqa: E402

BATCH = 128
UNITS = 128


def load_data(quick=False):
    return _harness.fashion_mnist(quick, image_shape=(28, 28))


def lamina_model(jit_compile=False):
    import lamina as tf

    model = tf.keras.models.Sequential(
        [
            tf.keras.Input(shape=(28, 28)),
            tf.keras.layers.LSTM(UNITS),
            tf.keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


def plain_torch_model():
    """nn.LSTM(batch_first) and a Linear head on the last hidden state (logits out)."""
    from torch import nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, UNITS, batch_first=True)
            self.head = nn.Linear(UNITS, 10)

        def forward(self, inputs):
            _, (h, _) = self.lstm(inputs)
            return self.head(h[-1])

    return Model()


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
            keras.layers.LSTM(UNITS),
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
        f"steady seconds per epoch (median), LSTM({UNITS}), batch {BATCH}, Fashion-MNIST 60k",
    )
