"""Keras's application networks (``keras.applications``) with their ImageNet weights.

Each constructor builds a functional model with Keras's layer names and parameter counts
and takes Keras's arguments (``include_top``, ``weights``, ``input_tensor``,
``input_shape``, ``pooling``, ``classes``, ``classifier_activation``). ``weights="imagenet"``
fetches Keras's published weight file once into ``~/.lamina/models``; offline, copy the
file there (the error names it). Each module has its ``preprocess_input`` and
``decode_predictions``. Modules load on first use, so ``import lamina`` stays fast.
"""

import importlib

from lamina.applications import convnext_layers as _convnext_layers
from lamina.applications.custom_scale_layer import CustomScaleLayer as _CustomScaleLayer
from lamina.serialization.registry import register_builtin as _register_builtin
from lamina.serialization.registry import register_in_keras_module as _register_in_keras_module

# Saved ConvNeXt models name these two layers (under Keras's ConvNeXt module): registered as
# lamina loads, so such a file loads without importing the ConvNeXt module first.
_register_in_keras_module(_convnext_layers.LayerScale, _convnext_layers.StochasticDepth)
# A saved InceptionResNetV2 names Keras's CustomScaleLayer: registered as lamina loads, so
# such a file loads without importing the InceptionResNetV2 module first.
_register_builtin(_CustomScaleLayer)

_CONSTRUCTORS = {
    "ResNet50": "resnet", "ResNet101": "resnet", "ResNet152": "resnet",
    "ResNet50V2": "resnet_v2", "ResNet101V2": "resnet_v2", "ResNet152V2": "resnet_v2",
    "VGG16": "vgg16", "VGG19": "vgg19",
    "MobileNet": "mobilenet", "MobileNetV2": "mobilenet_v2",
    "DenseNet121": "densenet", "DenseNet169": "densenet", "DenseNet201": "densenet",
    **{f"EfficientNetB{i}": "efficientnet" for i in range(8)},
    **{f"EfficientNetV2{v}": "efficientnet_v2" for v in ("B0", "B1", "B2", "B3", "S", "M", "L")},
    "Xception": "xception", "InceptionV3": "inception_v3",
    "InceptionResNetV2": "inception_resnet_v2", "NASNetMobile": "nasnet", "NASNetLarge": "nasnet",
    "MobileNetV3Small": "mobilenet_v3", "MobileNetV3Large": "mobilenet_v3",
    **{f"ConvNeXt{size}": "convnext" for size in ("Tiny", "Small", "Base", "Large", "XLarge")},
}
_MODULES = ("densenet", "efficientnet", "efficientnet_v2", "imagenet_utils", "mobilenet", "mobilenet_v2", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19", "weights", "xception",
            "inception_v3", "mobilenet_v3", "convnext", "inception_resnet_v2", "nasnet")


def __getattr__(name):
    if name in _CONSTRUCTORS:
        return getattr(importlib.import_module(f"lamina.applications.{_CONSTRUCTORS[name]}"), name)
    if name in _MODULES:
        return importlib.import_module(f"lamina.applications.{name}")
    raise AttributeError(f"module 'lamina.applications' has no attribute {name!r}")


def __dir__():
    return sorted(list(_CONSTRUCTORS) + list(_MODULES))


__all__ = sorted(_CONSTRUCTORS)
