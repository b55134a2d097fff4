"""EfficientNetV2 B0 to B3, S, M and L (Tan and Le, 2021), as ``keras.applications.efficientnet_v2``:
fused MBConv blocks (one full convolution instead of expansion + depthwise) in the early
stages, MBConv blocks with squeeze-and-excitation after. The input scaling is part of the
model (images in ``[0, 255]``; ``include_preprocessing=False`` expects them scaled as the
model would: by ImageNet's mean and std for B0-B3, to ``[-1, 1]`` for S, M and L), so
``preprocess_input`` passes images through unchanged."""

import math

from lamina import layers
from lamina.applications import _building, efficientnet, imagenet_utils
from lamina.applications.efficientnet import CONV_KERNEL_INITIALIZER, residual, squeeze_excite
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError
from lamina.initializers import Constant

WEIGHTS_SUBDIR = "efficientnet_v2"
WEIGHTS_HASHES = {  # (with top, without top), as Keras lists them (md5)
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
VARIANT_NAMES = {key: f"efficientnetv2{'' if key.startswith('-') else '-'}{key}" for key in WEIGHTS_HASHES}
_WEIGHTS_NAMES = {variant_name: key for key, variant_name in VARIANT_NAMES.items()}
_STAGE_KEYS = ("conv_type", "kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
               "se_ratio", "strides")
FUSED, MBCONV = 1, 0
_STAGES = {  # conv_type, kernel_size, num_repeat, input_filters, output_filters, expand_ratio, se_ratio, strides
    "b": [(FUSED, 3, 1, 32, 16, 1, 0, 1), (FUSED, 3, 2, 16, 32, 4, 0, 2), (FUSED, 3, 2, 32, 48, 4, 0, 2),
          (MBCONV, 3, 3, 48, 96, 4, 0.25, 2), (MBCONV, 3, 5, 96, 112, 6, 0.25, 1), (MBCONV, 3, 8, 112, 192, 6, 0.25, 2)],
    "s": [(FUSED, 3, 2, 24, 24, 1, 0, 1), (FUSED, 3, 4, 24, 48, 4, 0, 2), (FUSED, 3, 4, 48, 64, 4, 0, 2),
          (MBCONV, 3, 6, 64, 128, 4, 0.25, 2), (MBCONV, 3, 9, 128, 160, 6, 0.25, 1),
          (MBCONV, 3, 15, 160, 256, 6, 0.25, 2)],
    "m": [(FUSED, 3, 3, 24, 24, 1, 0, 1), (FUSED, 3, 5, 24, 48, 4, 0, 2), (FUSED, 3, 5, 48, 80, 4, 0, 2),
          (MBCONV, 3, 7, 80, 160, 4, 0.25, 2), (MBCONV, 3, 14, 160, 176, 6, 0.25, 1),
          (MBCONV, 3, 18, 176, 304, 6, 0.25, 2), (MBCONV, 3, 5, 304, 512, 6, 0.25, 1)],
    "l": [(FUSED, 3, 4, 32, 32, 1, 0, 1), (FUSED, 3, 7, 32, 64, 4, 0, 2), (FUSED, 3, 7, 64, 96, 4, 0, 2),
          (MBCONV, 3, 10, 96, 192, 4, 0.25, 2), (MBCONV, 3, 19, 192, 224, 6, 0.25, 1),
          (MBCONV, 3, 25, 224, 384, 6, 0.25, 2), (MBCONV, 3, 7, 384, 640, 6, 0.25, 1)],
}
# The stages of each variant, keyed by Keras's model names, in Keras's format (a dict per stage).
DEFAULT_BLOCKS_ARGS = {
    variant_name: [dict(zip(_STAGE_KEYS, stage)) for stage in _STAGES[variant_name.split("-")[-1][0]]]
    for variant_name in VARIANT_NAMES.values()
}
IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


def _conv_bn(x, filters, kernel_size, strides, bn_momentum, name, activation=None):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}bn")(x)
    return layers.Activation(activation, name=f"{name}activation")(x) if activation else x


def mbconv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
                 bn_momentum=0.9, activation="swish", survival_probability=0.8, name=""):
    """An MBConv block: 1x1 expansion, depthwise convolution, squeeze-and-excitation, 1x1 projection.

    ``survival_probability`` is, as in Keras, the rate of the stochastic-depth dropout.
    """
    x = inputs
    if expand_ratio != 1:
        x = _conv_bn(x, input_filters * expand_ratio, 1, 1, bn_momentum, f"{name}expand_", activation)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}dwconv2")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, input_filters, se_ratio, activation, name)
    x = _conv_bn(x, output_filters, 1, 1, bn_momentum, f"{name}project_")
    if strides == 1 and input_filters == output_filters:
        x = residual(x, inputs, survival_probability, name)
    return x


def fused_mbconv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                       se_ratio=0.0, bn_momentum=0.9, activation="swish", survival_probability=0.8, name=""):
    """A fused MBConv block: one ``kernel_size`` convolution expands (and strides), a 1x1 projects;
    without expansion the projection is that convolution, followed by an activation."""
    x = inputs
    if expand_ratio != 1:
        x = _conv_bn(x, input_filters * expand_ratio, kernel_size, strides, bn_momentum, f"{name}expand_",
                     activation)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, input_filters, se_ratio, activation, name)
    fused = expand_ratio == 1
    x = _conv_bn(x, output_filters, kernel_size if fused else 1, strides if fused else 1, bn_momentum,
                 f"{name}project_", activation if fused else None)
    if strides == 1 and input_filters == output_filters:
        x = residual(x, inputs, survival_probability, name)
    return x


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """``filters`` scaled by ``width_coefficient``, to the nearest multiple of ``depth_divisor``."""
    filters *= width_coefficient
    return int(max(min_depth or depth_divisor, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def _preprocessing(x, variant_name):
    """Keras's input scaling: ImageNet mean/std for the B variants on RGB, else to ``[-1, 1]``."""
    if variant_name.split("-")[-1].startswith("b") and x.shape[-1] == 3:
        x = layers.Rescaling(1.0 / 255)(x)
        variance = [stddev**2 for stddev in IMAGENET_STDDEV_RGB]
        return layers.Normalization(mean=list(IMAGENET_MEAN_RGB), variance=variance, axis=3)(x)
    return layers.Rescaling(1.0 / 128.0, offset=-1)(x)


def _variant_name(name, weights_name, blocks_args, weights):
    """Keras's name of the variant (``"efficientnetv2-b0"``..): from ``weights_name``, else ``name``."""
    if weights_name is not None and weights_name not in VARIANT_NAMES:
        raise ConfigurationError(
            f"EfficientNetV2: unknown weights_name. Received: weights_name={weights_name!r}. "
            f"Pass one of {sorted(VARIANT_NAMES)}."
        )
    variant_name = VARIANT_NAMES.get(weights_name, name)
    if (blocks_args == "default" or weights == "imagenet") and variant_name not in DEFAULT_BLOCKS_ARGS:
        raise ConfigurationError(
            f"EfficientNetV2: blocks_args='default' and weights='imagenet' need a known variant. Received: "
            f"name={name!r}, weights_name={weights_name!r}. Pass weights_name (one of {sorted(VARIANT_NAMES)}), "
            "or your own blocks_args with weights=None or a weights file."
        )
    return variant_name


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,  # noqa: N802
                   drop_connect_rate=0.2, depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish",
                   blocks_args="default", name="efficientnetv2", include_top=True, weights="imagenet",
                   input_tensor=None, input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", include_preprocessing=True, weights_name=None):
    """An EfficientNetV2 scaled by ``width_coefficient`` and ``depth_coefficient``, as Keras's.

    ``weights_name`` (``"b0"``.. ``"b3"``, ``"-s"``, ``"-m"``, ``"-l"``) picks the variant: its
    stages (when ``blocks_args="default"``), its input scaling and its ImageNet file; without
    it ``name`` must be a Keras variant name (``"efficientnetv2-b0"``..). ``blocks_args`` lists
    the stages as Keras does (``DEFAULT_BLOCKS_ARGS``); ``drop_connect_rate`` grows linearly
    to its value over the blocks. Other arguments as ``EfficientNetV2B0``.
    """
    variant_name = _variant_name(name, weights_name, blocks_args, weights)
    blocks_args = DEFAULT_BLOCKS_ARGS[variant_name] if blocks_args == "default" else blocks_args
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=default_size, min_size=32)

    def width(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = _preprocessing(img_input, variant_name) if include_preprocessing else img_input
    x = _conv_bn(x, width(blocks_args[0]["input_filters"]), 3, 2, bn_momentum, "stem_", activation)
    total = float(sum(stage["num_repeat"] for stage in blocks_args))  # unrounded, as Keras
    index = 0
    for i, stage in enumerate(blocks_args):
        if stage["num_repeat"] <= 0:
            raise ConfigurationError(
                f"{name}: the number of repeats must be > 0. Received: num_repeat={stage['num_repeat']} in stage {i + 1}."
            )
        args = {k: v for k, v in stage.items() if k not in ("num_repeat", "conv_type")}
        args["input_filters"], args["output_filters"] = width(args["input_filters"]), width(args["output_filters"])
        block = fused_mbconv_block if stage["conv_type"] == FUSED else mbconv_block
        for j in range(int(math.ceil(depth_coefficient * stage["num_repeat"]))):
            if j > 0:
                args["strides"], args["input_filters"] = 1, args["output_filters"]
            x = block(x, activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * index / total, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)
            index += 1
    x = efficientnet.top(x, width(1280), activation, include_top, pooling, dropout_rate, classes,
                         classifier_activation, bn_momentum=bn_momentum, bias_initializer=Constant(0.0))
    model = _building.finish(img_input, input_tensor, x, name)
    if weights == "imagenet":
        file_name = variant_name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[_WEIGHTS_NAMES[variant_name]][0 if include_top else 1]
        load_application_weights(model, weights, WEIGHTS_SUBDIR, file_name, file_hash)
    else:
        load_application_weights(model, weights, WEIGHTS_SUBDIR, None)
    return model


_SCALING = {  # width, depth, default size
    "b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260), "b3": (1.2, 1.4, 300),
    "-s": (1.0, 1.0, 384), "-m": (1.0, 1.0, 480), "-l": (1.0, 1.0, 480),
}


def _variant(key):
    width, depth, size = _SCALING[key]
    label = f"EfficientNetV2{key.lstrip('-').upper()}"
    scaling = "by ImageNet's mean and std" if key.startswith("b") else "to ``[-1, 1]``"

    def constructor(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, classifier_activation="softmax", include_preprocessing=True,
                    name=VARIANT_NAMES[key]):
        return EfficientNetV2(width, depth, size, name=name, include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=key)

    constructor.__name__ = constructor.__qualname__ = label
    constructor.__doc__ = (
        f"{label} (width x{width}, depth x{depth}, {size}x{size} inputs), as ``keras.applications.{label}``.\n\n"
        "    Args:\n"
        "        include_top: End with the ImageNet classifier (``avg_pool``, ``top_dropout``, ``predictions``).\n"
        "        weights: None (random), ``\"imagenet\"`` (Keras's file, fetched once) or a file path.\n"
        "        input_tensor: A symbolic tensor to use as the image input.\n"
        "        input_shape: ``(height, width, 3)``, at least 32x32; only without the top.\n"
        "        pooling: Without the top: None (4D features), ``\"avg\"`` or ``\"max\"`` (2D).\n"
        "        classes: Classifier size (only with ``weights=None``, or 1000).\n"
        "        classifier_activation: Activation of ``predictions`` (None gives logits).\n"
        "        include_preprocessing: Scale the inputs inside the model (images in ``[0, 255]``); with\n"
        f"            False give it images scaled {scaling}.\n"
        "        name: The model's name (the ImageNet file is the variant's whatever the name).\n\n"
        f"    With ``include_preprocessing`` the model scales its inputs {scaling} itself.\n"
    )
    return constructor


EfficientNetV2B0 = _variant("b0")
EfficientNetV2B1 = _variant("b1")
EfficientNetV2B2 = _variant("b2")
EfficientNetV2B3 = _variant("b3")
EfficientNetV2S = _variant("-s")
EfficientNetV2M = _variant("-m")
EfficientNetV2L = _variant("-l")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: EfficientNetV2 scales its inputs inside the model (as Keras)."""
    return x


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
