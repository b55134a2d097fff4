"""RandomGaussianBlur: blur a random fraction of the images, in training."""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing._augment import AugmentationLayer, parse_factor, parse_value_range
from lamina.ops.image_filters import blur_channels_first


class RandomGaussianBlur(AugmentationLayer):
    """In training, blur images with a Gaussian of ``kernel_size``, each with a probability
    drawn in ``factor``; outputs are clipped to ``value_range``.

    As in Keras, the two standard deviations (across, down) are drawn once per call in
    ``sigma`` (plus 1e-6).

    Args:
        factor: a number ``f`` in [0, 1] (probabilities in ``[0, f]``) or a pair in [0, 1].
        kernel_size: an odd int, or a pair of odd ints (width, height); default 3.
        sigma: a number in [0, 1] (draws in ``[0, sigma]``) or a pair in [0, 1].
        value_range: (min, max) of the pixel values; outputs are clipped to it.
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        sizes = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
        if len(sizes) != 2 or not all(
            isinstance(k, numbers.Integral) and not isinstance(k, bool) and k > 0 and k % 2 == 1 for k in sizes
        ):
            raise ConfigurationError(
                f"{self._where}: kernel_size must be an odd positive int or a pair of them. "
                f"Received: kernel_size={kernel_size!r}."
            )
        self.kernel_size = tuple(int(k) for k in sizes)
        self.sigma = parse_factor(sigma, "sigma", self._where, 0.0, 1.0)
        self.value_range = parse_value_range(value_range, self._where, sort=False)

    def _augment(self, batch):
        apply = self._coin(batch, self.factor)
        sigma = self._uniform(batch, (2,), *self.sigma) + 1e-6
        blurred = blur_channels_first(batch, self.kernel_size, sigma)
        return torch.where(apply, blurred, batch).clamp(*sorted(self.value_range))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range}
