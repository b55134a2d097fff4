"""InceptionResNetV2 (Szegedy et al., 2016), as ``keras.applications.inception_resnet_v2``:
Inception modules with scaled residual connections (``CustomScaleLayer``), 10 ``block35``,
20 ``block17`` and 10 ``block8`` blocks; Keras's layer names, parameter count and ImageNet
weight files."""

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.custom_scale_layer import CustomScaleLayer
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError

WEIGHTS_HASHES = ("e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")  # (top, no top), md5

# Each block type's residual branches, each a chain of (filters, kernel size) convolutions.
_BLOCK_BRANCHES = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, (1, 7)), (192, (7, 1))]],
    "block8": [[(192, 1)], [(192, 1), (224, (1, 3)), (256, (3, 1))]],
}


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False, name=None):
    """Convolution, then (without a bias) batch normalization without scale, then ``activation``."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=3, scale=False, name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def _chain(x, steps, strides=1, padding="same"):
    """``conv2d_bn`` for each ``(filters, kernel_size)``; the last one takes ``strides`` and ``padding``."""
    for i, (filters, kernel_size) in enumerate(steps):
        last = i == len(steps) - 1
        x = conv2d_bn(x, filters, kernel_size, strides=strides if last else 1, padding=padding if last else "same")
    return x


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """``x + scale * r``, ``r`` the 1x1 projection of the block's concatenated branches."""
    if block_type not in _BLOCK_BRANCHES:
        raise ConfigurationError(
            f"inception_resnet_block: block_type must be one of {sorted(_BLOCK_BRANCHES)}. "
            f"Received: block_type={block_type!r}."
        )
    block_name = f"{block_type}_{block_idx}"
    branches = [_chain(x, steps) for steps in _BLOCK_BRANCHES[block_type]]
    mixed = layers.Concatenate(axis=3, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[3], 1, activation=None, use_bias=True, name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def _stem(img_input):
    """From the image to the 320 channels of ``mixed_5b`` (35x35 at the default size)."""
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    branches = [_chain(x, [(96, 1)]), _chain(x, [(48, 1), (64, 5)]), _chain(x, [(64, 1), (96, 3), (96, 3)]),
                conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)]
    return layers.Concatenate(axis=3, name="mixed_5b")(branches)


def _reduction(x, chains, name):
    """Strided 'valid' convolution chains and a strided max pooling, concatenated."""
    branches = [_chain(x, steps, strides=2, padding="valid") for steps in chains]
    branches.append(layers.MaxPooling2D(3, strides=2, padding="valid")(x))
    return layers.Concatenate(axis=3, name=name)(branches)


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,  # noqa: N802
                      pooling=None, classes=1000, classifier_activation="softmax", name="inception_resnet_v2"):
    """InceptionResNetV2, as ``keras.applications.InceptionResNetV2`` (299x299 inputs by default).

    Args:
        include_top: End with the 1000-way ImageNet classifier (``avg_pool`` + ``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: ``(height, width, 3)``, at least 75x75; only without the top.
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        classes: Classifier size (only with ``weights=None``, or 1000).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        name: The model's name.

    Feed images through ``lamina.applications.inception_resnet_v2.preprocess_input`` (to ``[-1, 1]``).
    """
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=299, min_size=75)
    x = _stem(img_input)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = _reduction(x, [[(384, 3)], [(256, 1), (256, 3), (384, 3)]], "mixed_6a")
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = _reduction(x, [[(256, 1), (384, 3)], [(256, 1), (288, 3)], [(256, 1), (288, 3), (320, 3)]], "mixed_7a")
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    x = _building.classifier_or_pool(x, include_top, pooling, classes, classifier_activation)
    model = _building.finish(img_input, input_tensor, x, name)
    suffix = "" if include_top else "_notop"
    load_application_weights(model, weights, "inception_resnet_v2",
                             f"inception_resnet_v2_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                             WEIGHTS_HASHES[0 if include_top else 1])
    return model


def preprocess_input(x, data_format=None):
    """InceptionResNetV2's input scaling: ``tf`` mode (to ``[-1, 1]``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
