"""MixUp: blend each image (and label) with another of the batch, in training."""

import numbers

from lamina.errors import ConfigurationError, InputError
from lamina.layers.preprocessing._augment import AugmentationLayer


def mix_dict(layer, inputs, training, mix):
    """Run ``mix(images) -> (images, label_weight, permutation)`` on Keras's dict input
    ``{"images": ..., "labels": ...}`` and mix the labels the same way."""
    extra = sorted(set(inputs) - {"images", "labels"})
    if "images" not in inputs or extra:
        raise InputError(
            f"{layer._where} takes images or a dict with keys 'images' and 'labels'; bounding boxes "
            f"and segmentation masks are not supported. Received a dict with keys {sorted(inputs)}."
        )
    batch, single = layer._as_batch(inputs["images"])
    out = dict(inputs)
    if training and not single:
        batch, weight, order = mix(batch)
        if "labels" in inputs:
            labels = inputs["labels"]
            labels = labels.to(batch.dtype) if not labels.is_floating_point() else labels
            weight = weight.view(-1, *([1] * (labels.dim() - 1))).to(labels.dtype)
            out["labels"] = weight * labels + (1.0 - weight) * labels[order]
    out["images"] = layer._restore(batch, single)
    return out


class MixUp(AugmentationLayer):
    """In training, ``w * x + (1 - w) * x[p]`` with ``p`` a random permutation of the batch
    and ``w ~ Beta(alpha, alpha)`` per image (Zhang et al., 2017).

    Called on Keras's dict ``{"images": ..., "labels": ...}``, the labels are mixed with the
    same weights and the dict is returned.

    Args:
        alpha: the Beta distribution's concentration (default 0.2).
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or alpha <= 0:
            raise ConfigurationError(f"{self._where}: alpha must be a number > 0. Received: alpha={alpha!r}.")
        self.alpha = alpha

    def _mix(self, batch):
        order = self._permutation(batch)
        weight = self._beta(batch, (batch.shape[0],), self.alpha)
        w = weight.view(-1, 1, 1, 1)
        return w * batch + (1.0 - w) * batch[order], weight, order

    def _augment(self, batch):
        return self._mix(batch)[0]

    def _call_dict(self, inputs, training):
        return mix_dict(self, inputs, training, self._mix)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
