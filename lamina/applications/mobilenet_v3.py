"""MobileNetV3 Small and Large (Howard et al., 2019), as ``keras.applications.mobilenet_v3``:
inverted residual blocks with squeeze-and-excitation and hard-swish, width multiplier
``alpha``. The input scaling is part of the model (``include_preprocessing=True``: images
in ``[0, 255]``), so ``preprocess_input`` passes them through unchanged."""

import warnings

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.mobilenet_v2 import correct_pad, make_divisible
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError

WEIGHTS_HASHES = {  # (with top, without top), as Keras lists them (md5)
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}
WEIGHTS_SUBDIR = "mobilenet_v3"
BN = {"epsilon": 1e-3, "momentum": 0.999}
# (expansion, filters, kernel, stride, squeeze-excite, activation) of each block: kernel
# None is 3 when minimalistic else 5; "hard" is hard-swish unless minimalistic.
SMALL_BLOCKS = [(1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"), (88 / 24, 24, 3, 1, False, "relu"),
                (4, 40, None, 2, True, "hard"), (6, 40, None, 1, True, "hard"), (6, 40, None, 1, True, "hard"),
                (3, 48, None, 1, True, "hard"), (3, 48, None, 1, True, "hard"), (6, 96, None, 2, True, "hard"),
                (6, 96, None, 1, True, "hard"), (6, 96, None, 1, True, "hard")]
LARGE_BLOCKS = [(1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
                (3, 40, None, 2, True, "relu"), (3, 40, None, 1, True, "relu"), (3, 40, None, 1, True, "relu"),
                (6, 80, 3, 2, False, "hard"), (2.5, 80, 3, 1, False, "hard"), (2.3, 80, 3, 1, False, "hard"),
                (2.3, 80, 3, 1, False, "hard"), (6, 112, 3, 1, True, "hard"), (6, 112, 3, 1, True, "hard"),
                (6, 160, None, 2, True, "hard"), (6, 160, None, 1, True, "hard"), (6, 160, None, 1, True, "hard")]


def _relu(x):
    return layers.ReLU()(x)


def _hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _hard_sigmoid(x):
    # Written as Keras writes it (two operation nodes around an unnamed ReLU), so the
    # layer names and saved graphs match Keras's.
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def _squeeze_excite(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(make_divisible(filters * se_ratio, 8), 1, padding="same", name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = _hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    shortcut = x
    in_filters = x.shape[-1]
    expanded = make_divisible(in_filters * expansion, 8)
    prefix = f"expanded_conv_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(expanded, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=-1, **BN, name=f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=-1, **BN, name=f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _squeeze_excite(x, expanded, se_ratio, prefix)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=-1, **BN, name=f"{prefix}project_bn")(x)
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _check_input_size(img_input, label):
    rows, cols = img_input.shape[1], img_input.shape[2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ConfigurationError(
            f"{label}: the input must be at least 32x32. Received: an input of shape {tuple(img_input.shape[1:])}."
        )
    return rows, cols


def MobileNetV3(blocks, last_point_channels, input_shape=None, alpha=1.0, model_type="large",  # noqa: N802
                minimalistic=False, include_top=True, weights="imagenet", input_tensor=None, classes=1000,
                pooling=None, dropout_rate=0.2, classifier_activation="softmax", include_preprocessing=True,
                name=None):
    """A MobileNetV3 from its list of ``blocks`` (``SMALL_BLOCKS``, ``LARGE_BLOCKS``), as Keras's.

    ``last_point_channels`` is the width of the classifier's hidden 1x1 convolution (1024
    for small, 1280 for large); ``model_type`` (``"small"`` or ``"large"``) picks the
    ImageNet file. Other arguments as ``MobileNetV3Small``.
    """
    label = name or f"MobileNetV3{model_type.capitalize()}"
    # Keras takes any input size here (the top pools globally), so no default size is imposed.
    img_input = _building.start(label, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=224, min_size=32, require_flatten=False)
    rows, cols = _check_input_size(img_input, label)
    if weights == "imagenet":
        if alpha not in ((1.0,) if minimalistic else (0.75, 1.0)):
            raise ConfigurationError(
                f"{label}: ImageNet weights exist for alpha 0.75 or 1.0, and for alpha 1.0 only when "
                f"minimalistic. Received: alpha={alpha}, minimalistic={minimalistic}."
            )
        if rows != cols or rows != 224:
            warnings.warn(f"{label}: input_shape is undefined, non-square or not 224x224; "
                          "the weights for 224x224 are loaded.", stacklevel=3)
    kernel, se_ratio = (3, None) if minimalistic else (5, 0.25)
    activation = _relu if minimalistic else _hard_swish
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(axis=-1, **BN, name="conv_bn")(x)
    x = activation(x)
    for block_id, (expansion, filters, size, stride, squeeze, block_activation) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, make_divisible(filters * alpha, 8), size or kernel, stride,
                                se_ratio if squeeze else None, _relu if block_activation == "relu" else activation,
                                block_id)
    last_conv_channels = make_divisible(x.shape[-1] * 6, 8)
    if alpha > 1.0:
        last_point_channels = make_divisible(last_point_channels * alpha, 8)
    x = layers.Conv2D(last_conv_channels, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(axis=-1, **BN, name="conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_channels, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool(x, pooling, "avg_pool", "max_pool")
    model = _building.finish(img_input, input_tensor, x, name)
    if weights == "imagenet":
        model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{float(alpha)}_float"
        file_name = f"weights_mobilenet_v3_{model_name}{'' if include_top else '_no_top_v2'}.h5"
        file_hash = WEIGHTS_HASHES[model_name][0 if include_top else 1]
        load_application_weights(model, weights, WEIGHTS_SUBDIR, file_name, file_hash)
    else:
        load_application_weights(model, weights, WEIGHTS_SUBDIR, None)
    return model


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",  # noqa: N802
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True, name="MobileNetV3Small"):
    """MobileNetV3Small, as ``keras.applications.MobileNetV3Small``.

    Args:
        input_shape: ``(height, width, channels)``, at least 32x32; any size, also with the
            top (default ``(None, None, 3)``).
        alpha: Width multiplier (ImageNet weights: 0.75 or 1.0; 1.0 when minimalistic).
        minimalistic: Plain ReLU, 3x3 kernels and no squeeze-and-excitation.
        include_top: End with the classifier (``conv_2``, dropout, ``logits``, ``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor to use as the image input.
        classes: Classifier size (only with ``weights=None``, or 1000).
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        dropout_rate: Dropout before ``logits`` (0 leaves the layer out).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        include_preprocessing: Start with a ``Rescaling`` from ``[0, 255]`` to ``[-1, 1]``.
        name: The model's name.
    """
    return MobileNetV3(SMALL_BLOCKS, 1024, input_shape, alpha, "small", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation, include_preprocessing,
                       name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",  # noqa: N802
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True, name="MobileNetV3Large"):
    """MobileNetV3Large, as ``keras.applications.MobileNetV3Large``; arguments as ``MobileNetV3Small``."""
    return MobileNetV3(LARGE_BLOCKS, 1280, input_shape, alpha, "large", minimalistic, include_top, weights,
                       input_tensor, classes, pooling, dropout_rate, classifier_activation, include_preprocessing,
                       name=name)


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: MobileNetV3 scales its inputs inside the model (as Keras)."""
    return x


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
