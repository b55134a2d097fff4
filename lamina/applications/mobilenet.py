"""MobileNet (Howard et al., 2017), as ``keras.applications.mobilenet``: depthwise-separable
blocks with width multiplier ``alpha`` and resolution multiplier ``depth_multiplier``."""

import warnings

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError

IMAGENET_SIZES = (128, 160, 192, 224)
IMAGENET_ALPHAS = (0.25, 0.50, 0.75, 1.0)
# (pointwise filters, stride) of depthwise blocks 1..13
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


def _square_size(input_shape, input_tensor, sizes):
    shape = input_shape if input_shape is not None else (tuple(input_tensor.shape[1:]) if input_tensor is not None else None)
    if shape is not None and len(shape) == 3 and shape[0] == shape[1] and shape[0] in sizes:
        return shape[0]
    return 224


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides, name="conv1")(inputs)
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_filters, alpha, depth_multiplier=1, strides=(1, 1), block_id=1):
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid", depth_multiplier=depth_multiplier,
                               strides=strides, use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,  # noqa: N802
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """MobileNet, as ``keras.applications.MobileNet``.

    Args:
        input_shape: ``(height, width, 3)``, at least 32x32.
        alpha: Width multiplier (ImageNet weights: 0.25, 0.5, 0.75 or 1.0).
        depth_multiplier: Depthwise multiplier (1 for ImageNet weights).
        dropout: Dropout rate before the classifier.
        include_top, weights, input_tensor, pooling, classes, classifier_activation:
            as ``lamina.applications.ResNet50``.
        name: The model's name (default ``mobilenet_<alpha>_<rows>``).

    Feed images through ``lamina.applications.mobilenet.preprocess_input`` (to ``[-1, 1]``).
    """
    label = "MobileNet"
    default_size = _square_size(input_shape, input_tensor, IMAGENET_SIZES)
    img_input = _building.start(label, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=default_size, min_size=32)
    rows, cols = img_input.shape[1], img_input.shape[2]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ConfigurationError(f"{label}: ImageNet weights need depth_multiplier=1. Received: depth_multiplier={depth_multiplier}.")
        if alpha not in IMAGENET_ALPHAS:
            raise ConfigurationError(f"{label}: ImageNet weights exist for alpha in {IMAGENET_ALPHAS}. Received: alpha={alpha}.")
        if rows != cols or rows not in IMAGENET_SIZES:
            rows = 224
            warnings.warn(f"{label}: input_shape is undefined, non-square or not in {IMAGENET_SIZES}; "
                          "the weights for 224x224 are loaded.", stacklevel=2)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = _building.pool(x, pooling)
    model = _building.finish(img_input, input_tensor, x, name or f"mobilenet_{alpha:0.2f}_{rows}")
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}.get(alpha)
    file_name = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    load_application_weights(model, weights, "mobilenet", file_name)
    return model


def preprocess_input(x, data_format=None):
    """MobileNet's input scaling: ``tf`` mode (to ``[-1, 1]``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
