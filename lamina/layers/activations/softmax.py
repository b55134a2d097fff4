"""Softmax as a layer, with Keras's optional mask."""

import torch

from lamina.activations.functions import softmax
from lamina.errors import InputError
from lamina.layers.layer import Layer


def _large_negative(dtype):
    """What masked logits become: Keras's -1e9, or -3e4 where float16 cannot hold that."""
    return -3e4 if dtype == torch.float16 else -1e9


class Softmax(Layer):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a list of ints).

    ``mask`` (boolean, or numbers where > 0.5 keeps, broadcastable to the input; a
    propagated Keras mask included) leaves masked positions out: they get 0 and the rest
    sums to 1.

    Example:
        >>> import torch, lamina
        >>> lamina.layers.Softmax()(torch.tensor([[0.0, 0.0]]), mask=torch.tensor([[True, False]]))
        tensor([[1., 0.]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, tuple) else axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._broadcastable_mask(inputs, mask)
            inputs = torch.where(mask, inputs, _large_negative(inputs.dtype))
        axis = self.axis
        if isinstance(axis, list):
            axis = axis[0] if len(axis) == 1 else tuple(axis)
        outputs = softmax(inputs, axis=axis)
        if mask is not None:
            outputs = torch.where(mask, outputs, 0.0)
        return outputs

    def _broadcastable_mask(self, inputs, mask):
        mask = torch.as_tensor(mask, device=inputs.device)
        fits = mask.dim() <= inputs.dim() and all(
            m in (1, i) for m, i in zip(reversed(mask.shape), reversed(inputs.shape))
        )
        if not fits:
            raise InputError(
                f"Softmax '{self.name}': the mask must broadcast to the inputs (each mask axis 1 or "
                f"the input's size, no extra axes). Received: inputs.shape={tuple(inputs.shape)}, "
                f"mask.shape={tuple(mask.shape)}."
            )
        return mask if mask.dtype == torch.bool else mask > 0.5

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
