"""SimpleRNNCell: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``."""

import torch.nn.functional as F

from lamina.activations import relu, tanh
from lamina.layers.rnn.cell_base import RecurrentCell


class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN (Keras's ``SimpleRNNCell``).

    Args:
        units: size of the state and the output.
        activation: default ``"tanh"``.
        use_bias: as in Keras, as are kernel_initializer (``"glorot_uniform"``),
            recurrent_initializer (``"orthogonal"``) and bias_initializer (``"zeros"``).
        dropout / recurrent_dropout: fraction of the inputs / state dropped in training
            (one mask per sequence).
    """

    def fused_kind(self):
        """``"rnn_tanh"`` / ``"rnn_relu"`` when PyTorch's fused RNN computes this cell, else None."""
        if self.recurrent_dropout > 0:
            return None
        return {tanh: "rnn_tanh", relu: "rnn_relu"}.get(self.activation)

    def call(self, inputs, states, training=None):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        inputs = self._dropped_inputs(inputs, training)
        recurrent = self._dropped_state(previous, training)
        output = self.activation(
            F.linear(inputs, self.kernel, self.bias) + F.linear(recurrent, self.recurrent_kernel)
        )
        return output, [output]
