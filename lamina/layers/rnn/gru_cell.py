"""GRUCell: one step of a gated recurrent unit (Keras's ``GRUCell``)."""

import torch.nn.functional as F

from lamina import activations
from lamina.activations import sigmoid, tanh
from lamina.layers.bias import add_bias
from lamina.layers.rnn.cell_base import RecurrentCell


class GRUCell(RecurrentCell):
    """One GRU step, ``h = z * h_prev + (1 - z) * candidate``.

    Args:
        units: size of the state and the output.
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
        reset_after: apply the reset gate after the recurrent matrix product (default
            True, PyTorch's and cuDNN's convention; the bias is then ``(2, 3*units)``:
            input bias and recurrent bias). False is Keras 1's variant.
        **kwargs: the other arguments of ``SimpleRNNCell``.

    Weights are stored in PyTorch's gate order (reset, update, new) and exchanged with
    Keras in its order (update, reset, candidate); see ``lamina.layouts``.
    """

    gates = 3
    kernel_layout = "gru_kernel"

    def __init__(self, units, recurrent_activation="sigmoid", reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _add_bias(self, width, initializer=None):
        add_bias(self, (2, width) if self.reset_after else (width,), layout="gru_bias")

    def fused_weights(self):
        if self.bias is None:
            return [self.kernel, self.recurrent_kernel]
        return [self.kernel, self.recurrent_kernel, self.bias[0], self.bias[1]]

    def _point_biases_at(self, input_bias, recurrent_bias):
        if recurrent_bias.data_ptr() == input_bias.data_ptr() + input_bias.nbytes:
            # One (2, 3 * units) view over both biases, where cuDNN put them side by side.
            both = input_bias.new_empty(0)
            both.set_(input_bias.untyped_storage(), input_bias.storage_offset(), self.bias.shape)
            self.bias.data = both

    def fused_kind(self):
        """``"gru"`` when PyTorch's fused GRU computes this cell (default activations,
        ``reset_after=True``, no recurrent dropout), else None."""
        default = self.activation is tanh and self.recurrent_activation is sigmoid
        return "gru" if default and self.reset_after and self.recurrent_dropout == 0 else None

    def call(self, inputs, states, training=None):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        inputs = self._dropped_inputs(inputs, training)
        recurrent = self._dropped_state(previous, training)
        input_bias, recurrent_bias = None, None
        if self.bias is not None:
            input_bias, recurrent_bias = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)
        x_r, x_z, x_n = F.linear(inputs, self.kernel, input_bias).chunk(3, dim=-1)
        if self.reset_after:
            h_r, h_z, h_n = F.linear(recurrent, self.recurrent_kernel, recurrent_bias).chunk(3, dim=-1)
            r = self.recurrent_activation(x_r + h_r)
            z = self.recurrent_activation(x_z + h_z)
            candidate = self.activation(x_n + r * h_n)
        else:
            gates_kernel, candidate_kernel = self.recurrent_kernel.split(2 * self.units)
            h_r, h_z = F.linear(recurrent, gates_kernel).chunk(2, dim=-1)
            r = self.recurrent_activation(x_r + h_r)
            z = self.recurrent_activation(x_z + h_z)
            candidate = self.activation(x_n + F.linear(r * recurrent, candidate_kernel))
        h = z * previous + (1 - z) * candidate
        return h, [h]

    def get_config(self):
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
