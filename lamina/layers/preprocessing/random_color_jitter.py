"""RandomColorJitter: random brightness, contrast, saturation and hue, in training."""

from lamina.layers.preprocessing import _composite
from lamina.layers.preprocessing._augment import AugmentationLayer, parse_value_range
from lamina.layers.preprocessing.random_brightness import RandomBrightness
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_hue import RandomHue
from lamina.layers.preprocessing.random_saturation import RandomSaturation


class RandomColorJitter(AugmentationLayer):
    """In training, apply ``RandomBrightness``, ``RandomContrast``, ``RandomSaturation`` and
    ``RandomHue`` in that order, each only when its factor is given.

    Args:
        value_range: (min, max) of the pixel values.
        brightness_factor: ``RandomBrightness``'s ``factor`` (``None``: skipped).
        contrast_factor: ``RandomContrast``'s ``factor``.
        saturation_factor: ``RandomSaturation``'s ``factor``.
        hue_factor: ``RandomHue``'s ``factor``.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = parse_value_range(value_range, self._where, sort=False)
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        steps = []
        for factor, kind in ((brightness_factor, RandomBrightness), (contrast_factor, RandomContrast),
                             (saturation_factor, RandomSaturation), (hue_factor, RandomHue)):
            if factor is not None:
                layer = kind(factor, value_range=value_range, name=f"{self.name}_{kind.__name__.lower()}")
                layer.data_format = "channels_first"
                layer._seed = self._seed
                steps.append(layer)
        self._steps = tuple(steps)

    def _augment(self, batch):
        for layer in self._steps:
            batch = _composite.apply(layer, batch)
        return batch

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor, "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor}
