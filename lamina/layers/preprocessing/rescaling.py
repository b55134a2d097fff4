"""Rescaling: ``inputs * scale + offset`` (e.g. pixels from [0, 255] to [0, 1])."""

import numpy as np
import torch

from lamina.backend.config import image_data_format
from lamina.layers.layer import Layer


class Rescaling(Layer):
    """Multiply inputs by ``scale`` and add ``offset``; integer inputs become floats.

    Example: ``Rescaling(1 / 255)`` maps [0, 255] to [0, 1]; ``Rescaling(1 / 127.5, offset=-1)``
    maps it to [-1, 1]. ``scale`` may be a per-channel list; with
    ``image_data_format() == "channels_first"`` it then applies to axis 1 of images.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = inputs.dtype if inputs.is_floating_point() else getattr(torch, self.dtype)
        if np.ndim(self.scale) == 0 and np.ndim(self.offset) == 0:
            return inputs.to(dtype) * float(self.scale) + float(self.offset)
        scale = torch.as_tensor(np.asarray(self.scale), dtype=dtype, device=inputs.device)
        offset = torch.as_tensor(np.asarray(self.offset), dtype=dtype, device=inputs.device)
        if scale.dim() > 0 and image_data_format() == "channels_first":
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.dim()))
        return inputs.to(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": _plain(self.scale), "offset": _plain(self.offset)}


def _plain(value):
    return np.asarray(value).tolist()
