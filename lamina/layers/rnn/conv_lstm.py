"""ConvLSTM1D / ConvLSTM2D / ConvLSTM3D: LSTMs whose transforms are convolutions."""

import torch

from lamina.errors import InputError
from lamina.layers.rnn.cell_layer import cell_attribute
from lamina.layers.rnn.conv_lstm_cell import ConvLSTMCell, cell_arguments
from lamina.layers.rnn.rnn import RNN
from lamina.serialization import clean_config

_RNN_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")


class ConvLSTM(RNN):
    """Base of ConvLSTM1D/2D/3D (Keras's ``ConvLSTM``): an ``RNN`` over a ``ConvLSTMCell``.

    The input convolution runs once over all steps (one batched convolution), so only the
    recurrent convolution is left in the time loop. Computation is channels-first;
    channels-last sequences are moved once per call.
    """

    _config_lists_activity_regularizer = True
    rank = None

    def __init__(
        self,
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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        **kwargs,
    ):
        cell = ConvLSTMCell(
            rank=self.rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
        )
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, activity_regularizer=activity_regularizer, **kwargs,
        )
        self._state_shape = None

    # ------------------------------------------------------------------ shapes
    def _check_rank(self, shape):
        if len(shape) != self.rank + 3:
            spatial = ("steps", "rows, cols", "dim1, dim2, dim3")[self.rank - 1]
            expected = (
                f"(batch, time, {spatial}, channels)" if self.data_format == "channels_last"
                else f"(batch, time, channels, {spatial})"
            )
            raise InputError(
                f"{type(self).__name__} '{self.name}' expects sequences of rank {self.rank + 3}, {expected} "
                f"for data_format='{self.data_format}'. Received inputs of shape {tuple(shape)}."
            )

    def _step_state_shape(self, sequences_shape):
        last = self.data_format == "channels_last"
        spatial = tuple(sequences_shape[2:-1] if last else sequences_shape[3:])
        out = self.cell.output_spatial(spatial)
        return (*out, self.filters) if last else (self.filters, *out)

    def build(self, sequences_shape):
        self._check_rank(sequences_shape)
        spatial = sequences_shape[2:-1] if self.data_format == "channels_last" else sequences_shape[3:]
        channels = sequences_shape[-1] if self.data_format == "channels_last" else sequences_shape[2]
        if None in tuple(spatial) or channels is None:
            raise InputError(
                f"{type(self).__name__} '{self.name}' needs known spatial and channel sizes. "
                f"Received: input_shape={tuple(sequences_shape)}. Give Input(shape=...) every size but time."
            )
        self._state_shape = self._step_state_shape(sequences_shape)
        super().build(sequences_shape)

    def compute_output_shape(self, sequences_shape):
        self._check_rank(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = (batch, *self._step_state_shape(sequences_shape))
        output = (batch, steps, *state[1:]) if self.return_sequences else state
        return (output, state, state) if self.return_state else output

    # ----------------------------------------------------------------- states
    def get_initial_state(self, batch_size, like=None):
        """Zero ``[h, c]``, each ``(batch_size, *spatial, filters)`` (or channels first)."""
        dtype = like.dtype if like is not None else torch.float32
        device = like.device if like is not None else None
        return [torch.zeros(batch_size, *self._state_shape, dtype=dtype, device=device) for _ in range(2)]

    def _initial_states(self, sequences, initial_state):
        if initial_state is None:
            return super()._initial_states(sequences, None)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        expected = (sequences.shape[0], *self._state_shape)
        converted = [torch.as_tensor(s, dtype=sequences.dtype, device=sequences.device) for s in states]
        if len(converted) != 2 or any(tuple(s.shape) != expected for s in converted):
            raise InputError(
                f"{type(self).__name__} '{self.name}': initial_state must be [h, c], each of shape {expected}. "
                f"Received shapes {[tuple(s.shape) for s in converted]}."
            )
        return converted

    # ------------------------------------------------------------------- run
    def _run(self, sequences, states, mask, training):
        cell, last = self.cell, self.data_format == "channels_last"
        x = sequences.movedim(-1, 2) if last else sequences
        h, c = [s.movedim(-1, 1) if last else s for s in states]
        masks = cell.draw_masks(x[:, 0], cell.dropout) if training and cell.dropout > 0 else None
        r_masks = cell.draw_masks(h, cell.recurrent_dropout) if training and cell.recurrent_dropout > 0 else None
        z_inputs = cell.input_gates(x, masks)
        keeps = None if mask is None else mask.reshape(*mask.shape, *([1] * (self.rank + 1))).unbind(1)
        outputs, previous = [], None
        # unbind, not z_inputs[:, t]: each slice's backward would zero-fill the whole tensor
        for t, z_step in enumerate(z_inputs.unbind(1)):
            h_new, c_new = cell.combine(z_step + cell.recurrent_gates(h, r_masks), c)
            output = h_new
            if keeps is not None:
                previous = torch.zeros_like(h_new) if previous is None else previous
                output = torch.where(keeps[t], h_new, previous)
                h_new, c_new = torch.where(keeps[t], h_new, h), torch.where(keeps[t], c_new, c)
            h, c, previous = h_new, c_new, output
            if self.return_sequences:
                outputs.append(output)
        outputs = torch.stack(outputs, dim=1) if self.return_sequences else None
        if self.zero_output_for_mask and mask is not None:
            if outputs is not None:
                outputs = outputs * mask.reshape(*mask.shape, *([1] * (self.rank + 1))).to(outputs.dtype)
            previous = previous * mask[:, -1].reshape(-1, *([1] * (self.rank + 1))).to(previous.dtype)
        if last:
            outputs = None if outputs is None else outputs.movedim(2, -1)
            previous, h, c = previous.movedim(1, -1), h.movedim(1, -1), c.movedim(1, -1)
        return outputs, previous, [h, c]

    # ----------------------------------------------------------------- config
    def get_config(self):
        config = {**super().get_config(), **cell_arguments(self.cell)}
        del config["cell"]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned (or Keras's config)."""
        return cls(**clean_config(cls, config))


for _name in (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
    "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
):
    setattr(ConvLSTM, _name, cell_attribute(_name))

_DOC = """{rank}D convolutional LSTM (Keras's ``ConvLSTM{rank}D``).

    Inputs ``(batch, time, {spatial}, channels)`` (``data_format="channels_last"``, the
    default) or ``(batch, time, channels, {spatial})``. The gates are Keras's (input,
    forget, cell, output); the input transform is a ``{rank}``-D convolution with the given
    strides/padding/dilation, the recurrent one a stride-1 'same' convolution.

    Args:
        filters, kernel_size, strides, padding ("valid"/"same"), data_format, dilation_rate:
            as in ``Conv{rank}D``.
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias, kernel_initializer
            ("glorot_uniform"), recurrent_initializer ("orthogonal"), bias_initializer,
            unit_forget_bias (True), regularizers, constraints: as in ``LSTM``.
        dropout / recurrent_dropout: fractions dropped in training; one mask per gate and
            sequence, as in Keras.
        return_sequences, return_state, go_backwards, stateful: see ``RNN``.

    Weights (Keras layout): ``kernel`` ``(*kernel_size, channels, 4*filters)``,
    ``recurrent_kernel`` ``(*kernel_size, filters, 4*filters)``, ``bias`` ``(4*filters,)``;
    stored as PyTorch convolution weights (``lamina.layouts`` ``conv_kernel``).

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.ConvLSTM{rank}D(4, 3, padding="same", return_sequences=True)
        >>> layer(torch.zeros(2, 5, {example}, 3)).shape
        torch.Size([2, 5, {example}, 4])
    """


class ConvLSTM1D(ConvLSTM):
    __doc__ = _DOC.format(rank=1, spatial="steps", example="6")
    rank = 1


class ConvLSTM2D(ConvLSTM):
    __doc__ = _DOC.format(rank=2, spatial="rows, cols", example="6, 6")
    rank = 2


class ConvLSTM3D(ConvLSTM):
    __doc__ = _DOC.format(rank=3, spatial="dim1, dim2, dim3", example="4, 4, 4")
    rank = 3
