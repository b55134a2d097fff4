"""InceptionV3 (Szegedy et al., 2015), as ``keras.applications.inception_v3``: factorized
Inception modules ``mixed0`` to ``mixed10``; Keras's layer names, parameter count and
ImageNet weight files."""

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.weights import load_application_weights

WEIGHTS_HASHES = ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")  # (top, no top), md5


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution (no bias), batch normalization without scale, ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=3, scale=False, name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x, steps):
    """``conv2d_bn`` applied for each ``(filters, rows, cols)`` (plus optional keyword dict)."""
    for step in steps:
        x = conv2d_bn(x, *step[:3], **(step[3] if len(step) > 3 else {}))
    return x


def _avg_pool_branch(x, filters):
    return conv2d_bn(layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x), filters, 1, 1)


def _block_35(x, pool_filters, name):
    branches = [conv2d_bn(x, 64, 1, 1), _chain(x, [(48, 1, 1), (64, 5, 5)]),
                _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)]), _avg_pool_branch(x, pool_filters)]
    return layers.Concatenate(axis=3, name=name)(branches)


def _block_17(x, width, name):
    branches = [conv2d_bn(x, 192, 1, 1), _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)]),
                _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)]),
                _avg_pool_branch(x, 192)]
    return layers.Concatenate(axis=3, name=name)(branches)


def _block_8(x, index):
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.Concatenate(axis=3, name=f"mixed9_{index}")(
        [conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)])
    double = _chain(x, [(448, 1, 1), (384, 3, 3)])
    double = layers.Concatenate(axis=3)([conv2d_bn(double, 384, 1, 3), conv2d_bn(double, 384, 3, 1)])
    return layers.Concatenate(axis=3, name=f"mixed{9 + index}")(
        [branch1x1, branch3x3, double, _avg_pool_branch(x, 192)])


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
                classes=1000, classifier_activation="softmax", name="inception_v3"):
    """InceptionV3, as ``keras.applications.InceptionV3`` (299x299 inputs by default).

    Args:
        include_top: End with the 1000-way ImageNet classifier (``avg_pool`` + ``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: ``(height, width, 3)``, at least 75x75; only without the top.
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        classes: Classifier size (only with ``weights=None``, or 1000).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        name: The model's name.

    Feed images through ``lamina.applications.inception_v3.preprocess_input`` (to ``[-1, 1]``).
    """
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=299, min_size=75)
    valid, stride2 = {"padding": "valid"}, {"strides": (2, 2), "padding": "valid"}
    x = _chain(img_input, [(32, 3, 3, stride2), (32, 3, 3, valid), (64, 3, 3)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _chain(x, [(80, 1, 1, valid), (192, 3, 3, valid)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, f"mixed{i}")
    x = layers.Concatenate(axis=3, name="mixed3")([
        conv2d_bn(x, 384, 3, 3, **stride2), _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3, stride2)]),
        layers.MaxPooling2D((3, 3), strides=(2, 2))(x)])
    for i, width in enumerate((128, 160, 160, 192)):
        x = _block_17(x, width, f"mixed{4 + i}")
    x = layers.Concatenate(axis=3, name="mixed8")([
        _chain(x, [(192, 1, 1), (320, 3, 3, stride2)]),
        _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, stride2)]),
        layers.MaxPooling2D((3, 3), strides=(2, 2))(x)])
    for i in range(2):
        x = _block_8(x, i)
    x = _building.classifier_or_pool(x, include_top, pooling, classes, classifier_activation)
    model = _building.finish(img_input, input_tensor, x, name)
    suffix = "" if include_top else "_notop"
    load_application_weights(model, weights, "inception_v3",
                             f"inception_v3_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                             WEIGHTS_HASHES[0 if include_top else 1])
    return model


def preprocess_input(x, data_format=None):
    """InceptionV3's input scaling: ``tf`` mode (to ``[-1, 1]``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
