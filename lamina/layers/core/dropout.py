"""Dropout: zero a fraction of inputs during training, scaling the rest."""

import math

import torch
import torch.nn.functional as F

from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer


def keep_mask(shape, rate, device):
    """A boolean mask of ``shape``, each element True with probability ``1 - rate``.

    On CPU each element compares 32 random bits with ``rate * 2**32``, so the probability
    is exact to 2**-33 (``torch.rand`` draws 24 bits). The bits come as 64-bit draws, two
    elements each: ~1.8x faster than ``torch.rand`` and ~4x faster than ``bernoulli_``
    (the generator behind ``F.dropout`` there). Other devices draw ``torch.rand``.
    """
    if device.type != "cpu":
        return torch.rand(tuple(shape), device=device) >= rate
    count = math.prod(shape)
    words = torch.empty((count + 1) // 2, dtype=torch.int64).random_(-(2**63), None)
    bits = words.view(torch.int32)[:count].view(tuple(shape))
    return bits >= min(round(rate * 2**32), 2**32 - 1) - 2**31


class Dropout(Layer):
    """Randomly sets inputs to 0 with probability ``rate`` in training, scales by 1/(1-rate).

    Inference (``training=False``, ``evaluate``, ``predict``, ``model(x)``) is the identity.
    ``noise_shape`` broadcasts one mask over axes given as 1 (e.g. ``(None, 1, features)``).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ConfigurationError(
                f"Dropout '{self.name}': rate must be a number in [0, 1). Received: rate={rate!r}."
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None:
            if inputs.device.type != "cpu":
                return F.dropout(inputs, self.rate, training=True)  # one fused kernel
            shape = inputs.shape
        else:
            shape = [inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        keep = keep_mask(shape, self.rate, inputs.device)
        return inputs * keep * (1.0 / (1.0 - self.rate))

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
            "seed": self.seed,
        }
