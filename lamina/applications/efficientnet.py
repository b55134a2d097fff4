"""EfficientNetB0 to B7 (Tan and Le, 2019), as ``keras.applications.efficientnet``: MBConv
blocks with squeeze-and-excitation, scaled in width, depth and resolution. The input
scaling is part of the model (images in ``[0, 255]``), so ``preprocess_input`` passes them
through unchanged."""

import math

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.mobilenet_v2 import correct_pad
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError

WEIGHTS_HASHES = {  # (with top, without top), as Keras lists them (md5)
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
# Keras serves these files from another bucket (a $LAMINA_APPLICATIONS_URL mirror keeps them under efficientnet/).
WEIGHTS_BASE_URL = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_SUBDIR = "efficientnet"
# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) of the seven stages;
# every block skips (id_skip) and squeezes by 0.25.
DEFAULT_BLOCKS_ARGS = [
    {"kernel_size": k, "repeats": r, "filters_in": fi, "filters_out": fo, "expand_ratio": e, "id_skip": True,
     "strides": s, "se_ratio": 0.25}
    for k, r, fi, fo, e, s in [(3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
                               (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1)]
]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16, kernel_size=3,
          strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """An MBConv block: expansion, depthwise convolution, squeeze-and-excitation, projection."""
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=3, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="valid" if strides == 2 else "same",
                               use_bias=False, depthwise_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters_in, se_ratio, activation, name)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        x = residual(x, inputs, drop_rate, name)
    return x


def squeeze_excite(x, filters_in, se_ratio, activation, name):
    """Squeeze-and-excitation: ``x``'s channels scaled by weights computed from their means
    through a bottleneck of ``filters_in * se_ratio`` channels (the block's input width)."""
    filters = x.shape[-1]
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(max(1, int(filters_in * se_ratio)), 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.Multiply(name=f"{name}se_excite")([x, se])


def residual(x, inputs, drop_rate, name):
    """The block's skip connection, with stochastic depth (whole samples dropped) at ``drop_rate`` > 0."""
    if drop_rate > 0:
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.Add(name=f"{name}add")([x, inputs])


def top(x, filters, activation, include_top, pooling, dropout_rate, classes, classifier_activation,
        bn_momentum=0.99, **dense_options):
    """The last 1x1 convolution (``top_conv``), then the ImageNet classifier or the feature pooling."""
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name="top_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if not include_top:
        return _building.pool(x, pooling, "avg_pool", "max_pool")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                        name="predictions", **dense_options)(x)


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,  # noqa: N802
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish", blocks_args="default",
                 name="efficientnet", include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                 pooling=None, classes=1000, classifier_activation="softmax", weights_name=None):
    """An EfficientNet scaled by ``width_coefficient`` and ``depth_coefficient``, as Keras's.

    ``blocks_args`` lists the stages (``DEFAULT_BLOCKS_ARGS``); ``drop_connect_rate`` grows
    linearly to its value over the blocks (stochastic depth); ``weights_name`` (``"b0"``..)
    picks the ImageNet file. Other arguments as ``EfficientNetB0``.
    """
    blocks_args = DEFAULT_BLOCKS_ARGS if blocks_args == "default" else blocks_args
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=default_size, min_size=32)

    def round_filters(filters):
        filters *= width_coefficient
        rounded = max(depth_divisor, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor)
        return int(rounded + depth_divisor if rounded < 0.9 * filters else rounded)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=3)(x)
    if weights == "imagenet":
        # Keras's files expect this (a division by the square root of the std, as Keras does).
        x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=3, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    total = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    index = 0
    for i, stage in enumerate(blocks_args):
        if stage["repeats"] <= 0:
            raise ConfigurationError(f"{name}: the number of repeats must be > 0. Received: repeats={stage['repeats']}")
        args = {k: v for k, v in stage.items() if k != "repeats"}
        args["filters_in"], args["filters_out"] = round_filters(args["filters_in"]), round_filters(args["filters_out"])
        for j in range(round_repeats(stage["repeats"])):
            if j > 0:
                args["strides"], args["filters_in"] = 1, args["filters_out"]
            x = block(x, activation, drop_connect_rate * index / total, name=f"block{i + 1}{chr(j + 97)}_", **args)
            index += 1
    x = top(x, round_filters(1280), activation, include_top, pooling, dropout_rate, classes, classifier_activation)
    model = _building.finish(img_input, input_tensor, x, name)
    if weights == "imagenet":
        file_name = name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        load_application_weights(model, weights, WEIGHTS_SUBDIR, file_name, file_hash, WEIGHTS_BASE_URL)
    else:
        load_application_weights(model, weights, WEIGHTS_SUBDIR, None)
    return model


_SCALING = {  # width, depth, default size, dropout
    "b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3), "b3": (1.2, 1.4, 300, 0.3),
    "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4), "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5),
}


def _variant(key):
    width, depth, size, dropout = _SCALING[key]
    label = f"EfficientNet{key.upper()}"

    def constructor(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, classifier_activation="softmax", name=f"efficientnet{key}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top, weights=weights,
                            input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, weights_name=key)

    constructor.__name__ = constructor.__qualname__ = label
    constructor.__doc__ = (
        f"{label} (width x{width}, depth x{depth}, {size}x{size} inputs, dropout {dropout}), as "
        f"``keras.applications.{label}``.\n\n"
        "    Args:\n"
        "        include_top: End with the ImageNet classifier (``avg_pool``, ``top_dropout``, ``predictions``).\n"
        "        weights: None (random), ``\"imagenet\"`` (Keras's file, fetched once) or a file path.\n"
        "        input_tensor: A symbolic tensor to use as the image input.\n"
        "        input_shape: ``(height, width, 3)``, at least 32x32; only without the top.\n"
        "        pooling: Without the top: None (4D features), ``\"avg\"`` or ``\"max\"`` (2D).\n"
        "        classes: Classifier size (only with ``weights=None``, or 1000).\n"
        "        classifier_activation: Activation of ``predictions`` (None gives logits).\n"
        "        name: The model's name.\n\n"
        "    The model takes images in ``[0, 255]``: it rescales and normalizes them itself.\n"
    )
    return constructor


EfficientNetB0 = _variant("b0")
EfficientNetB1 = _variant("b1")
EfficientNetB2 = _variant("b2")
EfficientNetB3 = _variant("b3")
EfficientNetB4 = _variant("b4")
EfficientNetB5 = _variant("b5")
EfficientNetB6 = _variant("b6")
EfficientNetB7 = _variant("b7")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: EfficientNet scales its inputs inside the model (as Keras)."""
    return x


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
