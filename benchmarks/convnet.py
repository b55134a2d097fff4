"""The keras-io convnet (Conv2D 32 3x3 relu, MaxPooling 2, Conv2D 64 3x3 relu, MaxPooling 2,
Flatten, Dropout 0.5, Dense 10 softmax; Adam; batch 128) on real Fashion-MNIST, images
(28, 28, 1): lamina vs a plain PyTorch loop (vs Keras 3 on each installed backend).

Workers run in their own processes, alternately, round after round; the first epoch of
each is warm-up and the figure reported is the median of the later (steady) epochs. The
test accuracy is measured after the last epoch (3 by default).

lamina runs channels_last (Keras's default layout); its convolutions hand PyTorch a
channels-first view of the same memory, which oneDNN runs in its channels_last format.
"torch" is the NCHW loop a PyTorch user writes (the reference of the ratios);
"torch-nhwc" is the same loop tuned with torch.channels_last (NHWC memory).
lamina's fit sets glibc's malloc to reuse freed blocks (lamina/backend/host_memory.py);
"lamina-glibc-malloc" turns that off and "torch-reuse-malloc" gives the NCHW loop the same
settings, to show how much of the difference that is.

    python benchmarks/convnet.py                  # 2 rounds of 3 epochs each
    python benchmarks/convnet.py --rounds 3 --no-keras
    python benchmarks/convnet.py --quick          # smoke test on a small subset
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness  # noqa: E402

BATCH = 128


def load_data(quick=False):
    return _harness.fashion_mnist(quick, image_shape=(28, 28, 1))


def lamina_model(jit_compile=False):
    import lamina as tf

    layers = tf.keras.layers
    model = tf.keras.models.Sequential(
        [
            tf.keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


def plain_torch_model():
    """The convnet as a PyTorch user writes it (NCHW, logits out)."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )


def plain_torch_inputs(images):
    """(N, 28, 28, 1) images as the NCHW array ``plain_torch_model`` takes."""
    return images.transpose(0, 3, 1, 2).copy()


def run_torch(epochs, quick=False, channels_last=False):
    """The loop a PyTorch user writes by hand (``_harness.train_plain_torch``) on NCHW
    images; ``channels_last`` is the tuned variant: model and images in torch.channels_last."""
    import torch

    memory_format = torch.channels_last if channels_last else None
    return _harness.run_plain_torch(
        plain_torch_model(), plain_torch_inputs, load_data(quick), epochs, BATCH, memory_format
    )


def run_torch_channels_last(epochs, quick=False):
    return run_torch(epochs, quick, channels_last=True)


def run_torch_reusing_memory(epochs, quick=False):
    """The NCHW loop with the glibc malloc settings lamina applies in ``fit``."""
    from lamina.backend import host_memory

    assert host_memory.reuse_freed_memory(), "glibc malloc settings not applied"
    return run_torch(epochs, quick)


def run_lamina_glibc_defaults(epochs, quick=False):
    """lamina with its malloc settings turned off (``LAMINA_TUNE_MALLOC=0``)."""
    os.environ["LAMINA_TUNE_MALLOC"] = "0"
    return _harness.fit_timed(lamina_model(), load_data(quick), epochs, BATCH)


def keras_model():
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run_keras(epochs, quick=False):
    return _harness.fit_timed(keras_model(), load_data(quick), epochs, BATCH)


if __name__ == "__main__":
    _harness.main(
        __file__,
        __doc__,
        {
            **_harness.lamina_workers(lamina_model, load_data, BATCH),
            "lamina-glibc-malloc": run_lamina_glibc_defaults,
            "torch": run_torch,
            "torch-nhwc": run_torch_channels_last,
            "torch-reuse-malloc": run_torch_reusing_memory,
        },
        run_keras,
        f"steady seconds per epoch (median), batch {BATCH}, Fashion-MNIST 60k",
    )
