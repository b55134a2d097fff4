"""RandomGrayscale: turn a random fraction of the images grayscale, in training."""

import numbers

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing._augment import AugmentationLayer, grayscale


class RandomGrayscale(AugmentationLayer):
    """In training, replace each image with probability ``factor`` by its grayscale version
    (the luma in every channel, so the shape is kept).

    Args:
        factor: the probability in [0, 1] (default 0.5).
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    RGB images only. Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 <= factor <= 1:
            raise ConfigurationError(
                f"{self._where}: factor is the probability of turning an image grayscale, a "
                f"number in [0, 1]. Received: factor={factor!r}."
            )
        self.factor = factor

    def _augment(self, batch):
        apply = self._uniform(batch, (batch.shape[0], 1, 1, 1)) < self.factor
        return batch.where(~apply, grayscale(batch).expand_as(batch))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
