"""RandomContrast: scale each image's deviation from its mean, in training."""

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing.base_image_layer import BaseImageLayer, factor_range


class RandomContrast(BaseImageLayer):
    """In training, ``(x - mean) * c + mean`` per image and channel, clipped to ``value_range``.

    ``mean`` is over the image's pixels (per channel) and ``c`` is drawn per image,
    uniformly in ``[1 - lower, 1 + upper]``.

    Args:
        factor: a number ``f`` in [0, 1] (``lower = upper = f``, as Keras documents) or a
            pair ``(lower, upper)``.
        value_range: (min, max) of the pixel values; outputs are clipped to it.
        seed: int for a reproducible private random stream.

    Inference returns the images unchanged (cast to float).
    """

    random = True

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(factor, (tuple, list)):
            self.factor = factor_range(factor, "factor", self._where, 0.0, 1.0)
        else:
            self.factor = (abs(factor_range(factor, "factor", self._where, 0.0, 1.0)[1]),) * 2
        try:
            low, high = (float(v) for v in value_range)
        except (TypeError, ValueError):
            low = high = None
        if low is None or not low < high:
            raise ConfigurationError(
                f"{self._where}: value_range must be a pair (min, max) with min < max. "
                f"Received: value_range={value_range!r}."
            )
        self.value_range = (low, high)

    def call(self, inputs, training=None):
        batch, single = self._as_batch(inputs)
        if not training:
            return self._restore(batch, single)
        contrast = self._seed.uniform(
            (batch.shape[0], 1, 1, 1), batch, 1.0 - self.factor[0], 1.0 + self.factor[1]
        )
        mean = batch.mean(dim=(2, 3), keepdim=True)
        out = ((batch - mean) * contrast + mean).clamp(*self.value_range)
        return self._restore(out, single)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
