"""GRU: gated recurrent unit layer, on PyTorch's fused GRU kernel when possible."""

from lamina.layers.rnn.cell_layer import CellLayer, cell_attribute
from lamina.layers.rnn.gru_cell import GRUCell


class GRU(CellLayer):
    """Gated Recurrent Unit layer (Keras's ``GRU``; ``reset_after=True`` by default).

    Runs on the kernel behind ``nn.GRU`` when ``activation="tanh"``,
    ``recurrent_activation="sigmoid"``, ``reset_after=True``, ``recurrent_dropout=0``,
    ``unroll=False`` and any mask is one block of valid steps per sequence; otherwise
    step by step, with the same results.

    Args: ``units``, the ``GRUCell`` arguments (``reset_after`` included) and the ``RNN``
    arguments, as ``LSTM``.

    Weights (``get_weights``, Keras layout and gate order update, reset, candidate):
    ``kernel`` (in, 3*units), ``recurrent_kernel`` (units, 3*units), ``bias`` (2, 3*units)
    (input and recurrent biases; (3*units,) with ``reset_after=False``). Stored as
    ``nn.GRU`` stores them, in its gate order reset, update, new (see ``lamina.layouts``).
    """

    cell_class = GRUCell
    cell_name = "gru_cell"
    recurrent_activation = cell_attribute("recurrent_activation")
    reset_after = cell_attribute("reset_after")

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
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
        reset_after=True,
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
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            reset_after=reset_after,
        )
        super().__init__(cell_kwargs, activity_regularizer=activity_regularizer, **kwargs)
