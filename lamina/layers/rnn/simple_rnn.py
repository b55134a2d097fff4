"""SimpleRNN: a fully connected RNN whose output is fed back as the next input state."""

from lamina.layers.rnn.cell_layer import CellLayer
from lamina.layers.rnn.simple_rnn_cell import SimpleRNNCell


class SimpleRNN(CellLayer):
    """Fully connected RNN (Keras's ``SimpleRNN``), on ``nn.RNN``'s fused kernel when possible.

    Args: ``units`` and the cell arguments of ``SimpleRNNCell`` (activation ``"tanh"``,
    ``use_bias``, initializers, ``dropout``, ``recurrent_dropout``), and the ``RNN``
    arguments (``return_sequences``, ``return_state``, ``go_backwards``, ``stateful``,
    ``unroll``). Weights: ``kernel`` (in, units), ``recurrent_kernel`` (units, units) and
    ``bias`` (units,) in Keras layout; stored as ``nn.RNN`` stores them.
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
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
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
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
