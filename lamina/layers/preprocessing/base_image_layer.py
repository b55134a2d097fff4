"""``BaseImageLayer``: data format, seeding and batching shared by image preprocessing layers."""

import torch

from lamina.backend.config import standardize_data_format
from lamina.backend.seed_generator import SeedGenerator
from lamina.errors import ConfigurationError
from lamina.layers import training_mode
from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import _image
from lamina.layers.preprocessing.rescaling import Rescaling


def factor_range(factor, name, where, low, high, low_inclusive=True):
    """``(lower, upper)`` from Keras's ``factor``: a number ``f`` means ``(max(-f, low), f)``."""
    def check(value):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and (low <= value if low_inclusive else low < value) and value <= high
        if not ok:
            bracket = "[" if low_inclusive else "("
            raise ConfigurationError(
                f"{where}: {name} must be a number in {bracket}{low}, {high}] or a pair (lower, "
                f"upper) of such numbers. Received: {name}={factor!r}."
            )
        return float(value)

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            check(None)
        lower, upper = sorted(check(v) for v in factor)
        return lower, upper
    value = abs(check(factor))
    return max(-value, low), value


class BaseImageLayer(Layer):
    """An image layer: rank-4 batches (or rank-3 single images) in ``data_format``.

    Random layers draw their parameters from a private generator when ``seed`` is given
    (reproducible runs), else from torch's global one (``lamina.utils.set_random_seed``).
    They transform in training (inside ``fit``, with ``training=True``, after
    ``train()``), and when called on their own with no ``training`` and no mode chosen
    (``images = RandomFlip()(images)``, as in Keras); in inference (``evaluate``,
    ``predict``, ``training=False``, after ``eval()``, inside a model called as
    ``model(x)``) they return the images unchanged (as float), unless stated otherwise.
    """

    #: Whether the layer draws random numbers (and so takes a ``seed``).
    random = False

    def __init__(self, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self._where = f"{type(self).__name__} '{self.name}'"
        self.data_format = standardize_data_format(data_format, self._where)
        self.seed = seed
        self._seed = SeedGenerator(seed, self._where)

    def _training_when_unset(self):
        # Called with no ``training`` and no mode chosen, random layers augment, as Keras's.
        return training_mode.augmenting_mode(self) if self.random else self.training

    def _as_batch(self, images, cast=True):
        return _image.as_batch(images, self.data_format, self._where, cast=cast, dtype=getattr(torch, self.dtype))

    def _restore(self, batch, single):
        return _image.restore(batch, single, self.data_format)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), "data_format": self.data_format}
        if self.random:
            config["seed"] = self.seed
        return config


def is_augmentation_pipeline(layers):
    """Whether a model's ``layers`` are all image preprocessing layers (``Rescaling`` or
    image layers, ``Input`` aside), one at least random: the ``augment`` of Keras's
    ``images = augment(images)``."""
    layers = [layer for layer in layers if not isinstance(layer, InputLayer)]
    return (
        any(isinstance(layer, BaseImageLayer) and layer.random for layer in layers)
        and all(isinstance(layer, (BaseImageLayer, Rescaling)) for layer in layers)
    )
