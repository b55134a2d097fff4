"""Lamina layers and a plain PyTorch module in one model.

``BasicBlock`` is a ResNet residual block written as torchvision writes it: an
``nn.Module`` with two 3x3 convolutions, batch normalisation and a shortcut. Placed in a
``Sequential`` it is wrapped as a layer automatically: it trains with the rest, shows in
``summary()``, its BatchNorm statistics update in training only, and its parameters and
buffers are saved with ``save_weights`` and restored into a freshly built model.

Run:  python examples/torch_block.py      (LAMINA_EXAMPLE_QUICK=1 for a few seconds' run)
"""

import os
import tempfile

import numpy as np
from torch import nn

import lamina as keras
from lamina import layers

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock (NCHW tensors)."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


def build_model():
    return keras.Sequential(
        [
            keras.Input(shape=(1, 28, 28)),
            layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", data_format="channels_first"),
            BasicBlock(16, 16),
            BasicBlock(16, 32, stride=2),
            layers.GlobalAveragePooling2D(data_format="channels_first"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def main():
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    train_count, test_count = (256, 128) if QUICK else (60000, 10000)
    x_train = x_train[:train_count, None].astype("float32") / 255.0  # NCHW, as PyTorch blocks expect
    x_test = x_test[:test_count, None].astype("float32") / 255.0
    y_train, y_test = y_train[:train_count], y_test[:test_count]

    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=64, epochs=1 if QUICK else 5, verbose=0 if QUICK else "auto")
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.3f} (loss {loss:.3f})")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mixed.weights.h5")
        model.save_weights(path)
        # A TorchModule runs arbitrary Python, so it has no config to rebuild from:
        # rebuild the model in code, then load the weights (parameters and BN buffers).
        restored = build_model()
        restored.load_weights(path)
    same = np.array_equal(restored.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
    print(f"rebuilt in code + load_weights, identical predictions: {same}")
    assert same


if __name__ == "__main__":
    main()
