"""The sub-operations of ``AugMix`` and ``RandAugment`` (and ``RandomColorJitter``):
channels-first layers that draw from their parent's generator."""

from lamina.layers.preprocessing.auto_contrast import AutoContrast
from lamina.layers.preprocessing.equalization import Equalization
from lamina.layers.preprocessing.random_affine import RandomRotation, RandomTranslation
from lamina.layers.preprocessing.random_brightness import RandomBrightness
from lamina.layers.preprocessing.random_color_degeneration import RandomColorDegeneration
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_posterization import RandomPosterization
from lamina.layers.preprocessing.random_sharpness import RandomSharpness
from lamina.layers.preprocessing.random_shear import RandomShear
from lamina.layers.preprocessing.solarization import Solarization


def _makers(factor, value_range, interpolation):
    return {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, interpolation=interpolation),
        "random_translation": lambda: RandomTranslation(factor, factor, interpolation=interpolation),
        "random_rotation": lambda: RandomRotation(factor, interpolation=interpolation),
        "random_brightness": lambda: RandomBrightness(factor, value_range=value_range),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor, value_range=value_range),
        "random_contrast": lambda: RandomContrast(factor, value_range=value_range),
        "random_sharpness": lambda: RandomSharpness(factor, value_range=value_range),
        "random_posterization": lambda: RandomPosterization(max(1, int(8 * factor[1])), value_range=value_range),
        "solarization": lambda: Solarization(factor, factor, value_range=value_range),
        "auto_contrast": lambda: AutoContrast(value_range=value_range),
        "equalization": lambda: Equalization(value_range=value_range),
    }


def sub_operations(parent, names, factor, value_range, interpolation="bilinear"):
    """``{name: layer}`` for ``names``, channels-first, drawing from ``parent``'s generator.

    Held in a plain dict (not as submodules): they have no weights or config of their own.
    """
    makers = _makers(tuple(factor), list(value_range), interpolation)
    operations = {}
    for name in names:
        layer = makers[name]()
        layer.data_format = "channels_first"
        layer._seed = parent._seed
        operations[name] = layer
    return operations


def apply(layer, batch):
    """``layer``'s transform of a channels-first float ``batch``, as in training."""
    if hasattr(layer, "_augment"):
        return layer._augment(batch)
    return layer.call(batch, training=True)
