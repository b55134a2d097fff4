"""RandAugment: apply a few randomly chosen augmentations, in training."""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing import _composite
from lamina.layers.preprocessing._augment import (
    AugmentationLayer,
    check_choice,
    parse_factor,
    parse_value_range,
)

_OPERATIONS = ["random_shear", "random_translation", "random_rotation", "random_brightness",
               "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
               "solarization", "auto_contrast", "equalization"]


class RandAugment(AugmentationLayer):
    """In training, RandAugment (Cubuk et al., 2019) as Keras computes it: ``num_ops`` times,
    one of 11 operations (shear, translation, rotation, brightness, colour degeneration,
    contrast, sharpness, posterization, solarization, auto-contrast, equalization) chosen at
    random for the whole batch, each with strength ``factor``.

    Args:
        value_range: (min, max) of the pixel values.
        num_ops: operations applied per call (default 2).
        factor: the operations' strength, a number in [0, 1] or a pair (default 0.5).
        interpolation: "bilinear" (default) or "nearest", for the geometric operations.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = parse_value_range(value_range, self._where, sort=False)
        if isinstance(num_ops, bool) or not isinstance(num_ops, numbers.Integral) or num_ops < 0:
            raise ConfigurationError(f"{self._where}: num_ops must be an int >= 0. Received: num_ops={num_ops!r}.")
        self.num_ops = num_ops
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        self.interpolation = check_choice(interpolation, ("nearest", "bilinear"), "interpolation", self._where)
        self._operations = list(
            _composite.sub_operations(self, _OPERATIONS, self.factor, self.value_range, interpolation).values()
        )

    def _augment(self, batch):
        if self.num_ops == 0:
            return batch
        chosen = torch.randint(len(self._operations), (self.num_ops,), generator=self._generator(batch),
                               device=batch.device).tolist()
        for index in chosen:
            batch = _composite.apply(self._operations[index], batch)
        return batch

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "num_ops": self.num_ops,
                "factor": self.factor, "interpolation": self.interpolation}
