"""Xception (Chollet, 2017), as ``keras.applications.xception``: depthwise-separable
convolutions in residual entry, middle (8 blocks) and exit flows; Keras's layer names,
parameter count and ImageNet weight files."""

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.weights import load_application_weights

WEIGHTS_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")  # (top, no top), md5


def _conv_bn(x, filters, name, strides=1):
    x = layers.Conv2D(filters, (3, 3), strides=strides, use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=3, name=f"{name}_bn")(x)


def _sep_bn(x, filters, name, activate_first):
    if activate_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=3, name=f"{name}_bn")(x)


def _downsampling_block(x, filters, block, first_act=True):
    """Two separable convolutions and a strided max pooling, plus a strided 1x1 shortcut."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=3)(residual)
    x = _sep_bn(x, filters[0], f"block{block}_sepconv1", first_act)
    x = _sep_bn(x, filters[1], f"block{block}_sepconv2", True)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.Add()([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
             classes=1000, classifier_activation="softmax", name="xception"):
    """Xception, as ``keras.applications.Xception`` (299x299 inputs by default).

    Args:
        include_top: End with the 1000-way ImageNet classifier (``avg_pool`` + ``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: ``(height, width, 3)``, at least 71x71; only without the top.
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        classes: Classifier size (only with ``weights=None``, or 1000).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        name: The model's name.

    Feed images through ``lamina.applications.xception.preprocess_input`` (to ``[-1, 1]``).
    """
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=299, min_size=71)
    x = _conv_bn(img_input, 32, "block1_conv1", strides=(2, 2))
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = _conv_bn(x, 64, "block1_conv2")
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _downsampling_block(x, (128, 128), 2, first_act=False)
    x = _downsampling_block(x, (256, 256), 3)
    x = _downsampling_block(x, (728, 728), 4)
    for i in range(5, 13):
        residual = x
        for j in (1, 2, 3):
            x = _sep_bn(x, 728, f"block{i}_sepconv{j}", True)
        x = layers.Add()([x, residual])
    x = _downsampling_block(x, (728, 1024), 13)
    for j, filters in ((1, 1536), (2, 2048)):
        x = _sep_bn(x, filters, f"block14_sepconv{j}", False)
        x = layers.Activation("relu", name=f"block14_sepconv{j}_act")(x)
    x = _building.classifier_or_pool(x, include_top, pooling, classes, classifier_activation)
    model = _building.finish(img_input, input_tensor, x, name)
    suffix = "" if include_top else "_notop"
    load_application_weights(model, weights, "xception", f"xception_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                             WEIGHTS_HASHES[0 if include_top else 1])
    return model


def preprocess_input(x, data_format=None):
    """Xception's input scaling: ``tf`` mode (to ``[-1, 1]``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
