"""Transfer learning: a pretrained base, frozen, a new head, then fine-tuning its top blocks.

Keras's recipe (keras.io "Transfer learning & fine-tuning") on lamina. The network has no
internet here, so the "pretrained" MobileNetV2 base is made locally: it is trained on a
proxy task and its weights saved to a file, which ``weights=<path>`` then loads as it
would load Keras's ImageNet file (``weights="imagenet"``).

The images are generated: a few large discs and bars on a grey background, with noise.
The proxy task (the base's "ImageNet") asks which colour channel the shapes are painted
in; the new task asks whether they are painted in warm colours (red to yellow) or cool
ones (green to blue). Both are told apart at the scale of whole shapes, which survives
MobileNetV2's 32-fold downsampling; fine stripes or textures would not at this size.

Run:  python examples/transfer_learning.py      (LAMINA_EXAMPLE_QUICK=1 for a quick run)
"""

import os
import tempfile

import numpy as np

import lamina
from lamina import applications, layers

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"
SIZE = 32
WARM_HUES, COOL_HUES = (0.0, 0.17), (0.33, 0.67)  # hue in [0, 1): red 0, yellow 1/6, green 1/3, blue 2/3


def hue_to_rgb(hue):
    """Fully saturated colours of the given hues, ``(count, 3)`` in [0, 1]."""
    channel = np.abs((hue[:, None] * 6 + np.array([0.0, 4.0, 2.0])) % 6 - 3) - 1
    return np.clip(channel, 0, 1)


def paint(colors, seed):
    """One image per colour: two to four large discs or bars in that colour (with varied
    brightness) on a grey background, plus pixel noise; values in [0, 255]."""
    rng = np.random.default_rng(seed)
    count = len(colors)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    images = np.empty((count, SIZE, SIZE, 3), "float32")
    for i in range(count):
        mask = np.zeros((SIZE, SIZE), bool)
        for _ in range(rng.integers(2, 5)):
            y, x = rng.uniform(0, SIZE, size=2)
            radius = rng.uniform(4, 9)
            if rng.random() < 0.5:
                mask |= (rows - y) ** 2 + (cols - x) ** 2 < radius**2
            else:
                mask |= (np.abs(rows - y) < radius / 3) & (np.abs(cols - x) < radius * 1.5)
        background = rng.uniform(60, 190)
        shade = colors[i] * rng.uniform(150, 255)
        images[i] = np.where(mask[..., None], shade, background)
    images += rng.normal(0, 12, size=images.shape)
    return np.clip(images, 0, 255)


def proxy_images(count, seed):
    """The base's pretraining task: the shapes are red, green or blue (labels 0, 1, 2)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=count)
    hues = labels / 3 + rng.uniform(-0.06, 0.06, size=count)
    return paint(hue_to_rgb(hues % 1), seed + 1), labels


def task_images(count, seed):
    """The new task: warm (label 0) or cool (label 1) shapes."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=count)
    hues = np.where(labels == 0, rng.uniform(*WARM_HUES, size=count), rng.uniform(*COOL_HUES, size=count))
    return paint(hue_to_rgb(hues), seed + 1), labels.astype("float32")


def base_network(weights):
    return applications.MobileNetV2(input_shape=(SIZE, SIZE, 3), alpha=0.35, include_top=False, weights=weights)


def pretrain_base(path):
    """Stand-in for a published weights file: a base trained on the proxy task, saved with
    ``save_weights``.

    A real base sees hundreds of thousands of batches; this one a few dozen, so its
    BatchNormalization layers follow the batch statistics faster than Keras's default
    (momentum 0.9, not 0.99): otherwise their moving statistics would still be the initial
    ones when the base runs in inference mode, and its features would be noise.
    """
    images, labels = proxy_images(512 if QUICK else 4096, seed=1)
    base = base_network(weights=None)
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = 0.9
    inputs = lamina.Input((SIZE, SIZE, 3))
    x = base(layers.Rescaling(1 / 127.5, offset=-1)(inputs))
    outputs = layers.Dense(3)(layers.GlobalAveragePooling2D()(x))
    proxy = lamina.Model(inputs, outputs)
    proxy.compile(optimizer=lamina.optimizers.Adam(5e-3), loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = proxy.fit(images, labels, epochs=5, batch_size=32, verbose=0)
    print(f"base pretrained on the proxy task: training accuracy {history.history['accuracy'][-1]:.3f}")
    base.save_weights(path)


def accuracy_metric():
    return lamina.metrics.BinaryAccuracy(threshold=0.0)  # the head outputs logits


def main():
    lamina.utils.set_random_seed(0)
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

    train_x, train_y = task_images(256 if QUICK else 2048, seed=2)
    test_x, test_y = task_images(256 if QUICK else 512, seed=3)
    loss = lamina.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer=lamina.optimizers.Adam(3e-3), loss=loss, metrics=[accuracy_metric()])
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    print(f"base frozen: {frozen} non-trainable parameters, {model.count_params() - frozen} trainable")
    _, untrained_accuracy = model.evaluate(test_x, test_y, verbose=0)
    print(f"new head, untrained: test accuracy {untrained_accuracy:.3f}")
    model.fit(train_x, train_y, epochs=5, batch_size=32, verbose=0)
    _, head_accuracy = model.evaluate(test_x, test_y, verbose=0)
    print(f"head only: test accuracy {head_accuracy:.3f}")

    # 2. Fine-tune: unfreeze the top blocks (13 to 16 and the last convolution) with a
    # much lower learning rate; recompile so the new trainable weights take effect.
    base.trainable = True
    first_unfrozen = [layer.name for layer in base.layers].index("block_13_expand")
    for layer in base.layers[:first_unfrozen]:
        layer.trainable = False
    model.compile(optimizer=lamina.optimizers.Adam(1e-4), loss=loss, metrics=[accuracy_metric()])
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    print(f"fine-tuning {trainable} parameters (blocks 13-16 and the head)")
    model.fit(train_x, train_y, epochs=3 if QUICK else 5, batch_size=32, verbose=0)
    _, tuned_accuracy = model.evaluate(test_x, test_y, verbose=0)
    print(f"fine-tuned: test accuracy {tuned_accuracy:.3f}")


if __name__ == "__main__":
    main()
