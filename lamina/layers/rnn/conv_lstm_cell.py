"""ConvLSTMCell: one step of a convolutional LSTM (the cell of ConvLSTM1D/2D/3D).

Computed channels-first (PyTorch's convolution layout); the layer moves channels-last
data once per sequence. Keras's per-gate convolutions are one convolution with the
stacked ``4 * filters`` kernel, or, when each gate sees its own dropout mask, one grouped
convolution (``groups=4``) over the four masked copies.
"""

import torch.nn.functional as F

from lamina import activations, constraints, initializers, regularizers
from lamina.backend.config import standardize_data_format
from lamina.layers.argument_checks import positive_int
from lamina.layers.bias import add_bias
from lamina.layers.layer import Layer
from lamina.layers.rnn._checks import check_rate
from lamina.layers.rnn.lstm_cell import _UnitForgetBias
from lamina.ops.conv_utils import (
    conv_output_length,
    normalize_padding,
    normalize_tuple,
    pad_spatial,
    spatial_padding,
)


class ConvLSTMCell(Layer):
    """One ConvLSTM step over ``rank``-D feature maps; gates input, forget, cell, output.

    Weights (Keras layout): ``kernel`` ``(*kernel_size, channels, 4*filters)``,
    ``recurrent_kernel`` ``(*kernel_size, filters, 4*filters)``, ``bias`` ``(4*filters,)``;
    stored as ``nn.Conv`` weights ``(4*filters, in, *kernel_size)`` (layout ``conv_kernel``).
    """

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"ConvLSTM{rank}D cell '{self.name}'"
        self.rank = int(rank)
        self.filters = positive_int(filters, "filters", where)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", where)
        self.strides = normalize_tuple(strides, rank, "strides", where)
        self.padding = normalize_padding(padding, where)
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", where)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, "dropout", dropout)
        self.recurrent_dropout = check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._conv = getattr(F, f"conv{self.rank}d")

    @property
    def state_size(self):
        """``[filters, filters]``: channels of the hidden state ``h`` and the cell state ``c``."""
        return [self.filters, self.filters]

    def build(self, input_shape):
        channels = input_shape[1] if self.data_format == "channels_first" else input_shape[-1]
        width = 4 * self.filters
        self.add_weight(
            shape=(*self.kernel_size, channels, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
            layout="conv_kernel",
        )
        self.add_weight(
            shape=(*self.kernel_size, self.filters, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
            layout="conv_kernel",
        )
        initializer = _UnitForgetBias(self.bias_initializer, self.filters) if self.unit_forget_bias else None
        add_bias(self, (width,), initializer)

    def output_spatial(self, spatial):
        """Spatial sizes of the states for inputs of spatial sizes ``spatial``."""
        return tuple(
            conv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )

    # -- the two convolutions, channels first ------------------------------------------
    def input_gates(self, sequences, masks=None):
        """``conv(x, kernel) + bias`` at every step of channels-first ``sequences``
        ``(batch, steps, channels, *spatial)``; with ``masks`` (four dropout masks
        ``(4, batch, channels, *spatial)``) each gate sees its own masked copy."""
        groups = 1
        if masks is not None:
            sequences = (sequences.unsqueeze(2) * masks.transpose(0, 1).unsqueeze(1)).flatten(2, 3)
            groups = 4
        batch, steps = sequences.shape[:2]
        x = sequences.flatten(0, 1)
        padding = 0
        if self.padding == "same":
            padding, pad = spatial_padding(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)
            x = pad_spatial(x, pad)
        z = self._conv(x, self.kernel, self.bias, self.strides, padding, self.dilation_rate, groups)
        return z.unflatten(0, (batch, steps))

    def recurrent_gates(self, h, masks=None):
        """``conv(h, recurrent_kernel)`` with 'same' padding, stride 1."""
        groups = 1
        if masks is not None:
            h = (h.unsqueeze(1) * masks.transpose(0, 1)).flatten(1, 2)
            groups = 4
        padding, pad = spatial_padding(h.shape[2:], self.kernel_size, (1,) * self.rank)
        return self._conv(pad_spatial(h, pad), self.recurrent_kernel, None, 1, padding, 1, groups)

    def combine(self, z, c_previous):
        """New ``(h, c)`` from the summed gate pre-activations ``z`` (channels first)."""
        i, f, g, o = z.chunk(4, dim=1)
        act, rec = self.activation, self.recurrent_activation
        c = rec(f) * c_previous + rec(i) * act(g)
        return rec(o) * act(c), c

    def draw_masks(self, like, rate):
        """Four dropout masks shaped like ``like`` (one per gate), stacked on a new axis 0."""
        ones = like.new_ones((4, *like.shape))
        return F.dropout(ones, rate, training=True)

    def call(self, inputs, states, training=None):
        """One step in the layer's data format: ``h, [h, c]``."""
        to_first = self.data_format == "channels_last"
        x = inputs.movedim(-1, 1) if to_first else inputs
        h, c = [s.movedim(-1, 1) if to_first else s for s in states[:2]]
        masks = self.draw_masks(x, self.dropout) if training and self.dropout > 0 else None
        r_masks = self.draw_masks(h, self.recurrent_dropout) if training and self.recurrent_dropout > 0 else None
        z = self.input_gates(x.unsqueeze(1), masks)[:, 0] + self.recurrent_gates(h, r_masks)
        h, c = self.combine(z, c)
        if to_first:
            h, c = h.movedim(1, -1), c.movedim(1, -1)
        return h, [h, c]

    def get_config(self):
        return {
            **super().get_config(),
            "rank": self.rank,
            **cell_arguments(self),
        }


def cell_arguments(cell):
    """The cell's arguments as Keras writes them in a ConvLSTM layer's config."""
    return {
        "filters": cell.filters,
        "kernel_size": cell.kernel_size,
        "strides": cell.strides,
        "padding": cell.padding,
        "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed,
    }

