"""Equalization: histogram equalization of each channel, in training."""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing._augment import AugmentationLayer, parse_value_range, rescale


class Equalization(AugmentationLayer):
    """In training (and called alone with no mode chosen), equalize each channel's histogram.

    As Keras does, one histogram of ``bins`` bins is taken per channel over the whole batch
    (on the [0, 255] scale), and every value is mapped through its rounded cumulative
    distribution; a channel with values in one bin only is left as it is.

    Args:
        value_range: (min, max) of the pixel values.
        bins: number of histogram bins (default 256).
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    random = False
    augments_alone = True

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 2:
            raise ConfigurationError(f"{self._where}: bins must be an int >= 2. Received: bins={bins!r}.")
        self.bins = int(bins)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        bins = self.bins
        channels = batch.shape[1]
        values = rescale(batch, self.value_range, (0, 255))
        per_channel = values.transpose(0, 1).reshape(channels, -1)
        index = (per_channel.float() * (bins - 1) / 255).to(torch.int64).clamp(0, bins - 1)
        offsets = torch.arange(channels, device=batch.device).view(channels, 1) * bins
        hist = torch.bincount((index + offsets).flatten(), minlength=channels * bins).view(channels, bins)
        cdf = hist.cumsum(1)
        cdf_min = torch.where(cdf > 0, cdf, cdf[:, -1:]).amin(1, keepdim=True)
        denominator = cdf[:, -1:] - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        table = (((cdf - cdf_min) * 255).to(values.dtype) / denominator).round().clamp(0, 255)
        lookup = (per_channel / 255.0 * (bins - 1)).clamp(0, bins - 1).to(torch.int64)
        equalized = table.gather(1, lookup)
        keep = (hist > 0).sum(1, keepdim=True) <= 1
        equalized = torch.where(keep, per_channel, equalized)
        equalized = equalized.view(channels, batch.shape[0], *batch.shape[2:]).transpose(0, 1)
        return rescale(equalized, (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}
