"""ConvNeXt Tiny to XLarge (Liu et al., 2022), as ``keras.applications.convnext``: a
patchify stem, four stages of 7x7 depthwise blocks with layer normalization, layer scale
and stochastic depth. The input normalization is part of the model
(``include_preprocessing=True``: images in ``[0, 255]``), so ``preprocess_input`` passes
them through unchanged."""

import numpy as np

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.convnext_layers import LayerScale, StochasticDepth
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError
from lamina.models import Sequential

WEIGHTS_HASHES = {  # (with top, without top), as Keras lists them (sha256)
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
WEIGHTS_SUBDIR = "convnext"
MODEL_CONFIGS = {  # blocks per stage, channels per stage; every variant defaults to 224x224
    "tiny": ([3, 3, 9, 3], [96, 192, 384, 768]),
    "small": ([3, 3, 27, 3], [96, 192, 384, 768]),
    "base": ([3, 3, 27, 3], [128, 256, 512, 1024]),
    "large": ([3, 3, 27, 3], [192, 384, 768, 1536]),
    "xlarge": ([3, 3, 27, 3], [256, 512, 1024, 2048]),
}
IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


def convnext_block(x, projection_dim, drop_path_rate, layer_scale_init_value, name):
    """One ConvNeXt block: 7x7 depthwise convolution, layer norm, an inverted MLP, layer
    scale, stochastic depth, and the residual sum."""
    inputs = x
    x = layers.Conv2D(projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                      name=f"{name}_depthwise_conv")(x)
    x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
    x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
    x = layers.Activation("gelu", name=f"{name}_gelu")(x)
    x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
    if layer_scale_init_value is not None:
        x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
    if drop_path_rate:
        x = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")(x)
    else:
        x = layers.Activation("linear", name=f"{name}_identity")(x)
    return inputs + x


def _downsampling_layers(projection_dims, name):
    stem = Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")
    return [stem] + [
        Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}")
        for i in range(3)
    ]


def _check_imagenet_variant(depths, projection_dims, name, weights_name):
    variant = weights_name.split("convnext_")[-1] if isinstance(weights_name, str) else None
    if variant not in MODEL_CONFIGS:
        raise ConfigurationError(
            f"{name}: weights='imagenet' needs weights_name, one of "
            f"{sorted('convnext_' + key for key in MODEL_CONFIGS)}. Received: weights_name={weights_name!r}."
        )
    expected_depths, expected_dims = MODEL_CONFIGS[variant]
    if list(depths) != expected_depths or list(projection_dims) != expected_dims:
        raise ConfigurationError(
            f"{name}: the ImageNet weights {weights_name} need depths={expected_depths} and "
            f"projection_dims={expected_dims}. Received: depths={list(depths)}, "
            f"projection_dims={list(projection_dims)}."
        )
    if weights_name not in name:
        raise ConfigurationError(
            f"ConvNeXt: with weights='imagenet' the model name must contain {weights_name!r} (the "
            f"weight file is named after it). Received: name={name!r}."
        )


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6,  # noqa: N802
             default_size=224, name="convnext", include_preprocessing=True, include_top=True, weights=None,
             input_tensor=None, input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             weights_name=None):
    """A ConvNeXt with ``depths`` blocks of ``projection_dims`` channels in its four stages, as Keras's.

    Args:
        depths: Blocks per stage (four ints).
        projection_dims: Channels per stage (four ints).
        drop_path_rate: Stochastic depth: the drop rate grows linearly from 0 to this value
            over the blocks (0 puts an identity ``Activation`` in its place).
        layer_scale_init_value: Initial ``LayerScale`` factor (None leaves the layers out).
        default_size: Input size with the top when ``input_shape`` is not given.
        weights_name: With ``weights="imagenet"``, the variant (``"convnext_tiny"``...).
        Other arguments as ``ConvNeXtTiny``.
    """
    if len(depths) != 4 or len(projection_dims) != 4:
        raise ConfigurationError(
            f"{name}: depths and projection_dims need one entry per stage (4 each). "
            f"Received: depths={list(depths)}, projection_dims={list(projection_dims)}."
        )
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=default_size, min_size=32)
    if weights == "imagenet":
        _check_imagenet_variant(depths, projection_dims, name, weights_name)
    x = img_input
    if include_preprocessing and img_input.shape[-1] == 3:
        x = layers.Normalization(mean=[m * 255 for m in IMAGENET_MEAN_RGB],
                                 variance=[(s * 255) ** 2 for s in IMAGENET_STDDEV_RGB],
                                 name=f"{name}_prestem_normalization")(x)
    drop_rates = [float(rate) for rate in np.linspace(0.0, drop_path_rate, sum(depths))]
    first_block = 0
    for stage, downsampling in enumerate(_downsampling_layers(projection_dims, name)):
        x = downsampling(x)
        for j in range(depths[stage]):
            x = convnext_block(x, projection_dims[stage], drop_rates[first_block + j], layer_scale_init_value,
                               name=f"{name}_stage_{stage}_block_{j}")
        first_block += depths[stage]
    if include_top:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    else:
        x = _building.pool(x, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = _building.finish(img_input, input_tensor, x, name)
    if weights == "imagenet":
        file_name = name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        load_application_weights(model, weights, WEIGHTS_SUBDIR, file_name, file_hash)
    else:
        load_application_weights(model, weights, WEIGHTS_SUBDIR, None)
    return model


def _variant(size):
    depths, projection_dims = MODEL_CONFIGS[size]
    label = f"ConvNeXt{'XLarge' if size == 'xlarge' else size.capitalize()}"
    weights_name = f"convnext_{size}"

    def constructor(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                    input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                    name=weights_name):
        return ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
                        name=name, include_preprocessing=include_preprocessing, include_top=include_top,
                        weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                        classes=classes, classifier_activation=classifier_activation, weights_name=weights_name)

    constructor.__name__ = constructor.__qualname__ = label
    constructor.__doc__ = (
        f"{label} (blocks per stage {depths}, channels {projection_dims}, 224x224 inputs), as "
        f"``keras.applications.{label}``.\n\n"
        "    Args:\n"
        "        include_top: End with the ImageNet classifier (``<name>_head_gap``, ``_head_layernorm``,\n"
        "            ``_head_dense``); without it the features end with a ``LayerNormalization``.\n"
        "        include_preprocessing: Start with a ``Normalization`` by the ImageNet mean and std\n"
        "            (images in ``[0, 255]``); keep it with ImageNet weights.\n"
        "        weights: None (random), ``\"imagenet\"`` (Keras's file, fetched once) or a file path.\n"
        "        input_tensor: A symbolic tensor to use as the image input.\n"
        "        input_shape: ``(height, width, 3)``, at least 32x32; only without the top.\n"
        "        pooling: Without the top: None (4D features), ``\"avg\"`` or ``\"max\"`` (2D).\n"
        "        classes: Classifier size (only with ``weights=None``, or 1000).\n"
        "        classifier_activation: Activation of the classifier (None gives logits).\n"
        f"        name: The model's name and its layers' prefix (with ImageNet weights it must contain\n"
        f"            ``{weights_name}``).\n\n"
        "    ``ConvNeXt`` builds other depths and widths, with stochastic depth (``drop_path_rate``).\n"
    )
    return constructor


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: ConvNeXt normalizes its inputs inside the model (as Keras)."""
    return x


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
