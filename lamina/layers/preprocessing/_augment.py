"""What Keras 3's image augmentation layers share: argument parsing (``factor``,
``value_range``), value-range rescaling, colour helpers and per-image coin flips.

Every layer built on ``AugmentationLayer`` computes ``_augment(batch)`` on a float
channels-first batch on the batch's device, vectorized over the batch.
"""

import numbers

import torch

from lamina.errors import ConfigurationError, InputError
from lamina.layers import training_mode
from lamina.layers.preprocessing.base_image_layer import BaseImageLayer


def _number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def parse_factor(factor, name, where, low, high, single=None, pair_low=None):
    """``(lower, upper)`` from a Keras factor: a pair of numbers in ``[pair_low, high]``
    (default ``low``; sorted), or one number ``f`` in ``[low, high]`` read by ``single(f)``
    (default ``(max(-|f|, low), |f|)``, Keras's base rule)."""
    def fail():
        raise ConfigurationError(
            f"{where}: {name} must be a number in [{low}, {high}] or a pair (lower, upper) of "
            f"such numbers. Received: {name}={factor!r}."
        )

    if isinstance(factor, (tuple, list)):
        bottom = low if pair_low is None else pair_low
        if len(factor) != 2 or not all(_number(v) and bottom <= v <= high for v in factor):
            fail()
        lower, upper = sorted(factor)
        return lower, upper
    if not _number(factor) or not low <= factor <= high:
        fail()
    if single is not None:
        return single(factor)
    return max(-abs(factor), low), abs(factor)


def parse_value_range(value_range, where, sort=True):
    """Keras's ``value_range``: a pair (min, max); a sorted list when Keras sorts it."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 or not all(
        _number(v) for v in value_range
    ):
        raise ConfigurationError(
            f"{where}: value_range must be a pair of numbers (min, max), such as (0, 255) or "
            f"(0, 1). Received: value_range={value_range!r}."
        )
    return sorted(value_range) if sort else value_range


def check_choice(value, choices, name, where):
    if value not in choices:
        raise ConfigurationError(
            f"{where}: unknown {name}. Received: {name}={value!r}. "
            f"Use one of {', '.join(map(repr, choices))}."
        )
    return value


def rescale(batch, source, target):
    """Map values linearly from ``source`` (min, max) to ``target`` (Keras's
    ``_transform_value_range``); a no-op when the ranges are equal."""
    if source[0] == target[0] and source[1] == target[1]:
        return batch
    unit = (batch - source[0]) / (source[1] - source[0])
    return unit * (target[1] - target[0]) + target[0]


def grayscale(batch):
    """The luma ``0.2989 R + 0.587 G + 0.114 B`` of a channels-first RGB batch, one channel."""
    if batch.shape[1] != 3:
        raise InputError(
            f"This colour operation needs RGB images with 3 channels. Received images with "
            f"{batch.shape[1]} channels (channels-first shape {tuple(batch.shape)})."
        )
    r, g, b = batch.unbind(1)
    return (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(1)


class AugmentationLayer(BaseImageLayer):
    """An image augmentation layer with Keras 3's rules.

    Random layers (``random = True``) augment in training and when called alone with no
    mode chosen, and return the images unchanged (as float) in inference (``model(x)``,
    ``predict``, ``training=False``). Layers with ``always = True`` (``AutoContrast``,
    ``ContrastLimitedAdaptiveHistogramEqualization``) transform in inference too, as Keras's.
    Inputs are image tensors; Keras's dict inputs (``{"images": ..., "bounding_boxes": ...,
    "segmentation_masks": ...}``) are refused with an error naming the layer, except where
    a layer says otherwise.
    """

    random = True
    #: Transform whatever the mode (Keras's deterministic layers that ignore ``training``).
    always = False
    #: Augment when called alone with no mode chosen, though not random (``Equalization``).
    augments_alone = False

    def _training_when_unset(self):
        if self.augments_alone:
            return training_mode.augmenting_mode(self)
        return super()._training_when_unset()

    def _refuse_dict(self, inputs):
        raise InputError(
            f"{self._where} takes a tensor of images; dict inputs (images with bounding boxes, "
            f"labels or segmentation masks) are not supported by lamina's {type(self).__name__}. "
            f"Received a dict with keys {sorted(inputs)}. Pass the images tensor alone."
        )

    def call(self, inputs, training=None):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        return self._call_images(inputs, training)

    def _call_dict(self, inputs, training):
        self._refuse_dict(inputs)

    def _call_images(self, inputs, training):
        batch, single = self._as_batch(inputs)
        if self.always or training:
            batch = self._augment(batch)
        return self._restore(batch, single)

    def _augment(self, batch):
        raise NotImplementedError

    # ---- draws from the layer's generator, on the batch's device -------------------------

    def _uniform(self, batch, shape, low=0.0, high=1.0):
        return self._seed.uniform(shape, batch, float(low), float(high))

    def _coin(self, batch, factor):
        """Keras's per-image decision: a threshold ``U(0, 1)`` under a probability drawn
        in ``factor`` = (lower, upper); ``(batch, 1, 1, 1)`` booleans."""
        n = batch.shape[0]
        probability = self._uniform(batch, (n,), *factor)
        threshold = self._uniform(batch, (n,))
        return (threshold < probability).view(n, 1, 1, 1)

    def _generator(self, batch):
        return self._seed.generator(batch.device)

    def _permutation(self, batch):
        return torch.randperm(batch.shape[0], generator=self._generator(batch), device=batch.device)

    def _gamma(self, batch, shape, alpha):
        """Gamma(``alpha``) samples; torch's gamma sampler takes no generator, so a seeded
        layer seeds a forked global stream from its own generator."""
        concentration = torch.full(shape, float(alpha), dtype=batch.dtype, device=batch.device)
        gamma = torch.distributions.Gamma(concentration, torch.ones_like(concentration))
        if self._seed.seed is None:
            return gamma.sample()
        seed = int(torch.randint(2**62, (), generator=self._generator(batch), device=batch.device))
        devices = [batch.device] if batch.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices, device_type=batch.device.type):
            torch.manual_seed(seed)
            return gamma.sample()

    def _beta(self, batch, shape, alpha):
        """Beta(``alpha``, ``alpha``) samples of ``shape``."""
        x, y = self._gamma(batch, shape, alpha), self._gamma(batch, shape, alpha)
        return x / (x + y)
