"""Masking: skip timesteps whose features all equal ``mask_value``."""

from lamina.layers.layer import Layer


class Masking(Layer):
    """Masks timesteps where every feature equals ``mask_value`` (default 0.0).

    For inputs (batch, timesteps, features), a timestep is masked when all its features
    equal ``mask_value``; masked timesteps are zeroed in the output, and the mask
    (batch, timesteps) travels on to RNNs, attention, pooling and the loss.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.produces_mask = True

    def compute_mask(self, inputs, mask=None):
        return (inputs != self.mask_value).any(dim=-1)

    def call(self, inputs):
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}

