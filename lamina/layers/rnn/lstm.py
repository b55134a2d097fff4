"""LSTM: long short-term memory layer, on PyTorch's fused LSTM kernel when possible."""

from lamina.layers.rnn.cell_layer import CellLayer, cell_attribute
from lamina.layers.rnn.lstm_cell import LSTMCell


class LSTM(CellLayer):
    """Long Short-Term Memory layer (Keras's ``LSTM``).

    Runs on the kernel behind ``nn.LSTM`` (``lamina.backend.torch_internals``) with the layer's own
    parameters when ``activation="tanh"``, ``recurrent_activation="sigmoid"``,
    ``recurrent_dropout=0``, ``unroll=False`` and any mask is one block of valid steps
    per sequence (post- or pre-padding); otherwise step by step, with the same results.

    Args:
        units: size of the output and of each state.
        activation: as in Keras (default "tanh"), as are recurrent_activation ("sigmoid"),
            use_bias (True), kernel_initializer ("glorot_uniform"), recurrent_initializer
            ("orthogonal"), bias_initializer ("zeros") and unit_forget_bias (True).
        dropout / recurrent_dropout: fraction of the inputs / recurrent state dropped in
            training (one mask per sequence, as in Keras).
        return_sequences, return_state, go_backwards, stateful, unroll: see ``RNN``.
        use_cudnn: "auto" (default) or True use the fused kernel when possible; False
            always runs step by step.

    Weights (``get_weights``, Keras layout): ``kernel`` (in, 4*units), ``recurrent_kernel``
    (units, 4*units), ``bias`` (4*units,), gates in the order input, forget, cell, output.
    Stored as ``nn.LSTM``'s ``weight_ih_l0`` / ``weight_hh_l0`` (transposed).

    Example:
        >>> import torch, lamina
        >>> out, h, c = lamina.layers.LSTM(8, return_state=True)(torch.zeros(2, 5, 3))
        >>> tuple(out.shape), tuple(c.shape)
        ((2, 8), (2, 8))
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"
    recurrent_activation = cell_attribute("recurrent_activation")
    unit_forget_bias = cell_attribute("unit_forget_bias")

    def __init__(
        self,
        units,
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
        **kwargs,
    ):
        cell_kwargs = dict(
            units=units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
        )
        super().__init__(cell_kwargs, activity_regularizer=activity_regularizer, **kwargs)
