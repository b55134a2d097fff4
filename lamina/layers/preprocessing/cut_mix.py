"""CutMix: paste a random rectangle of another image of the batch, in training."""

import torch

from lamina.layers.preprocessing._augment import AugmentationLayer, parse_factor
from lamina.layers.preprocessing.mix_up import mix_dict
from lamina.layers.preprocessing.random_erasing import rectangle_mask


class CutMix(AugmentationLayer):
    """In training, replace a rectangle of each image by the same rectangle of ``x[p]``
    (``p`` a random permutation of the batch), as Keras does (Yun et al., 2019).

    Per call ``a`` is drawn in ``factor`` (plus 1e-6); per image ``w ~ Beta(a, a)`` and the
    rectangle's sides are ``sqrt(1 - w)`` of the width and height. Called on Keras's dict
    ``{"images": ..., "labels": ...}``, the labels are mixed by the kept area. A single
    (rank-3) image is returned unchanged.

    Args:
        factor: a number ``f`` in [0, 1] (``a`` in ``[0, f]``) or a pair in [0, 1].
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)

    def _mix(self, batch):
        n, _, height, width = batch.shape
        alpha = float(self._uniform(batch, (), *self.factor)) + 1e-6
        ratio = (1.0 - self._beta(batch, (n,), alpha)).sqrt()
        box_w, box_h = ratio * width, ratio * height
        x0 = self._uniform(batch, (n,)) * (width - box_w)
        y0 = self._uniform(batch, (n,)) * (height - box_h)
        order = self._permutation(batch)
        mask = rectangle_mask(batch, x0, x0 + box_w, y0, y0 + box_h)
        kept = 1.0 - box_w * box_h / (width * height)
        return torch.where(mask, batch[order], batch), kept, order

    def _call_images(self, inputs, training):
        batch, single = self._as_batch(inputs)
        if training and not single:
            batch = self._mix(batch)[0]
        return self._restore(batch, single)

    def _augment(self, batch):
        return self._mix(batch)[0]

    def _call_dict(self, inputs, training):
        return mix_dict(self, inputs, training, self._mix)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
