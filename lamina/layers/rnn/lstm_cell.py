"""LSTMCell: one step of a long short-term memory network (Keras's ``LSTMCell``)."""

import torch
import torch.nn.functional as F

from lamina import activations
from lamina.activations import sigmoid, tanh
from lamina.layers.rnn.cell_base import RecurrentCell


class _UnitForgetBias:
    """Bias initializer: ones for the forget gate, ``base`` elsewhere (``unit_forget_bias``)."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        u = self.units
        return torch.cat([self.base((u,), dtype=dtype), torch.ones(u, dtype=dtype), self.base((2 * u,), dtype=dtype)])


class LSTMCell(RecurrentCell):
    """One LSTM step; gates in Keras's (and PyTorch's) order input, forget, cell, output.

    Args:
        units: size of the state and the output.
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
        unit_forget_bias: start the forget gate's bias at 1 (default True).
        **kwargs: the other arguments of ``SimpleRNNCell``.

    The states are ``[h, c]``; the output is ``h``.
    """

    gates = 4

    def __init__(self, units, recurrent_activation="sigmoid", unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        """``[units, units]``: the hidden state ``h`` and the cell state ``c``."""
        return [self.units, self.units]

    def _add_bias(self, width, initializer=None):
        if self.unit_forget_bias:
            initializer = _UnitForgetBias(self.bias_initializer, self.units)
        super()._add_bias(width, initializer)

    def fused_kind(self):
        """``"lstm"`` when PyTorch's fused LSTM computes this cell (default activations, no
        recurrent dropout), else None."""
        default = self.activation is tanh and self.recurrent_activation is sigmoid
        return "lstm" if default and self.recurrent_dropout == 0 else None

    def call(self, inputs, states, training=None):
        h_previous, c_previous = states[0], states[1]
        inputs = self._dropped_inputs(inputs, training)
        recurrent = self._dropped_state(h_previous, training)
        z = F.linear(inputs, self.kernel, self.bias) + F.linear(recurrent, self.recurrent_kernel)
        i, f, g, o = z.chunk(4, dim=-1)
        i, f, o = self.recurrent_activation(i), self.recurrent_activation(f), self.recurrent_activation(o)
        c = f * c_previous + i * self.activation(g)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }

