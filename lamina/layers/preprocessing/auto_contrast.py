"""AutoContrast: stretch each image's channels over the whole value range."""

import torch

from lamina.layers.preprocessing._augment import AugmentationLayer, parse_value_range, rescale


class AutoContrast(AugmentationLayer):
    """Map each image's channel from its (min, max) onto ``value_range``.

    A constant channel is left as it is. Applied in training and inference, as Keras's.
    With ``channels_first``, lamina stretches each channel (Keras 3.15 reduces over the
    channel and height axes there, not over the image).

    Args:
        value_range: (min, max) of the pixel values.
        data_format: "channels_last" (default) or "channels_first".
    """

    random = False
    always = True

    def __init__(self, value_range=(0, 255), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        values = rescale(batch, self.value_range, (0, 255))
        low = values.amin(dim=(2, 3), keepdim=True)
        high = values.amax(dim=(2, 3), keepdim=True)
        scale = 255.0 / (high - low)
        out = (values * scale - low * scale).clamp(0, 255)
        out = rescale(out, (0, 255), self.value_range)
        return torch.where(torch.isnan(out), batch, out)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}
