"""MobileNetV2 (Sandler et al., 2018), as ``keras.applications.mobilenet_v2``: inverted
residual blocks with linear bottlenecks, width multiplier ``alpha``."""

import warnings

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.mobilenet import _square_size
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError

IMAGENET_SIZES = (96, 128, 160, 192, 224)
IMAGENET_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of blocks 0..16
BLOCKS = ([(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6)] + [(32, 1, 6)] * 2 + [(64, 2, 6)] + [(64, 1, 6)] * 3
          + [(96, 1, 6)] * 3 + [(160, 2, 6)] + [(160, 1, 6)] * 2 + [(320, 1, 6)])
BN = {"epsilon": 1e-3, "momentum": 0.999}


def make_divisible(value, divisor, min_value=None):
    """``value`` rounded to a multiple of ``divisor``, never more than 10% below it."""
    min_value = min_value or divisor
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def correct_pad(inputs, kernel_size):
    """The zero padding that makes a strided 'valid' convolution match TF's 'same'."""
    size = inputs.shape[1:3]
    kernel = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = (kernel[0] // 2, kernel[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = inputs.shape[-1]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False, activation=None, name=prefix + "expand")(x)
        x = layers.BatchNormalization(axis=-1, **BN, name=prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=prefix + "depthwise")(x)
    x = layers.BatchNormalization(axis=-1, **BN, name=prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, 1, padding="same", use_bias=False, activation=None, name=prefix + "project")(x)
    x = layers.BatchNormalization(axis=-1, **BN, name=prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
                pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """MobileNetV2, as ``keras.applications.MobileNetV2``.

    Args:
        input_shape: ``(height, width, 3)``, at least 32x32.
        alpha: Width multiplier (ImageNet weights: 0.35, 0.5, 0.75, 1.0, 1.3 or 1.4).
        include_top, weights, input_tensor, pooling, classes, classifier_activation:
            as ``lamina.applications.ResNet50``.
        name: The model's name (default ``mobilenetv2_<alpha>_<rows>``).

    Feed images through ``lamina.applications.mobilenet_v2.preprocess_input`` (to ``[-1, 1]``).
    """
    label = "MobileNetV2"
    default_size = _square_size(input_shape, input_tensor, IMAGENET_SIZES)
    img_input = _building.start(label, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=default_size, min_size=32)
    rows, cols = img_input.shape[1], img_input.shape[2]
    if weights == "imagenet":
        if alpha not in IMAGENET_ALPHAS:
            raise ConfigurationError(f"{label}: ImageNet weights exist for alpha in {IMAGENET_ALPHAS}. Received: alpha={alpha}.")
        if rows != cols or rows not in IMAGENET_SIZES:
            rows = 224
            warnings.warn(f"{label}: input_shape is undefined, non-square or not in {IMAGENET_SIZES}; "
                          "the weights for 224x224 are loaded.", stacklevel=2)
    first_filters = make_divisible(32 * alpha, 8)
    x = layers.Conv2D(first_filters, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="Conv1")(img_input)
    x = layers.BatchNormalization(axis=-1, **BN, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=-1, **BN, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool(x, pooling)
    model = _building.finish(img_input, input_tensor, x, name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    top = "" if include_top else "_no_top"
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{top}.h5"
    load_application_weights(model, weights, "mobilenet_v2", file_name)
    return model


def preprocess_input(x, data_format=None):
    """MobileNetV2's input scaling: ``tf`` mode (to ``[-1, 1]``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
