"""Transfer learning: a pretrained base, frozen, a new head, then fine-tuning its top blocks.

Keras's recipe (keras.io "Transfer learning & fine-tuning") on lamina. The network has no
internet here, so the "pretrained" MobileNetV2 base is made locally: it is trained briefly
on a proxy task and its weights saved to a file, which ``weights=<path>`` then loads as it
would load Keras's ImageNet file (``weights="imagenet"``). The image set is generated:
small RGB images of stripes, horizontal (class 0) or vertical (class 1), with noise.

Run:  python examples/transfer_learning.py      (LAMINA_EXAMPLE_QUICK=1 for a quick run)
"""

import os
import tempfile

import numpy as np

import lamina
from lamina import applications, layers

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"
SIZE = 32


def make_images(count, seed):
    """``count`` images in [0, 255] and labels: 0 horizontal stripes, 1 vertical stripes."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=count)
    period = rng.integers(3, 8, size=count)
    phase = rng.uniform(0, 2 * np.pi, size=count)
    axis = np.arange(SIZE)[None, :]
    waves = np.sin(2 * np.pi * axis / period[:, None] + phase[:, None])  # (count, SIZE)
    images = np.where(labels[:, None, None] == 0, waves[:, :, None], waves[:, None, :])
    color = rng.uniform(0.3, 1.0, size=(count, 1, 1, 3))
    images = 127.5 + 100 * images[..., None] * color + rng.normal(0, 20, size=(count, SIZE, SIZE, 3))
    return np.clip(images, 0, 255).astype("float32"), labels.astype("int64")


def base_network(weights):
    return applications.MobileNetV2(input_shape=(SIZE, SIZE, 3), alpha=0.35, include_top=False, weights=weights)


def pretrain_base(path):
    """Stand-in for a published weights file: a base trained briefly on a proxy task
    (is the image bright or dark?), saved with ``save_weights``."""
    images, _ = make_images(64 if QUICK else 1024, seed=1)
    bright = (images.mean(axis=(1, 2, 3)) > 127.5).astype("int64")
    base = base_network(weights=None)
    inputs = lamina.Input((SIZE, SIZE, 3))
    x = base(layers.Rescaling(1 / 127.5, offset=-1)(inputs))
    outputs = layers.Dense(2)(layers.GlobalAveragePooling2D()(x))
    proxy = lamina.Model(inputs, outputs)
    proxy.compile(optimizer="adam", loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    proxy.fit(images, bright, epochs=1, batch_size=32, verbose=0)
    base.save_weights(path)


def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "base.weights.h5")
    pretrain_base(path)

    # 1. The pretrained base, frozen; a new head on top.
    base = base_network(weights=path)
    base.trainable = False
    inputs = lamina.Input((SIZE, SIZE, 3))
    x = layers.Rescaling(1 / 127.5, offset=-1)(inputs)  # MobileNetV2's preprocess_input: to [-1, 1]
    x = base(x, training=False)  # BatchNormalization stays in inference mode, also when fine-tuning
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(1)(x)
    model = lamina.Model(inputs, outputs)

    train_x, train_y = make_images(64 if QUICK else 2048, seed=2)
    test_x, test_y = make_images(32 if QUICK else 512, seed=3)
    loss = lamina.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer=lamina.optimizers.Adam(1e-3), loss=loss, metrics=[lamina.metrics.BinaryAccuracy(threshold=0.0)])
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    print(f"base frozen: {frozen} non-trainable parameters, {model.count_params() - frozen} trainable")
    model.fit(train_x, train_y, epochs=1 if QUICK else 5, batch_size=32, verbose=0)
    _, head_accuracy = model.evaluate(test_x, test_y, verbose=0)
    print(f"head only: test accuracy {head_accuracy:.3f}")

    # 2. Fine-tune: unfreeze the top blocks (13 to 16 and the last convolution) with a
    # much lower learning rate; recompile so the new trainable weights take effect.
    base.trainable = True
    first_unfrozen = [layer.name for layer in base.layers].index("block_13_expand")
    for layer in base.layers[:first_unfrozen]:
        layer.trainable = False
    model.compile(optimizer=lamina.optimizers.Adam(1e-4), loss=loss, metrics=[lamina.metrics.BinaryAccuracy(threshold=0.0)])
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    print(f"fine-tuning {trainable} parameters (blocks 13-16 and the head)")
    model.fit(train_x, train_y, epochs=1 if QUICK else 5, batch_size=32, verbose=0)
    _, tuned_accuracy = model.evaluate(test_x, test_y, verbose=0)
    print(f"fine-tuned: test accuracy {tuned_accuracy:.3f}")


if __name__ == "__main__":
    main()
