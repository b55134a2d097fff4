"""What SimpleRNNCell, LSTMCell and GRUCell share: arguments, weights and config."""

import torch

from lamina import activations, constraints, initializers, regularizers
from lamina.backend.tracing import eager_when_traced
from lamina.layers.bias import add_bias
from lamina.layers.layer import Layer
from lamina.layers.rnn._checks import check_rate, check_units
from lamina.layers.rnn.dropout_cell import DropoutRNNCell
from lamina.layers.rnn.fused import flat_copies


class RecurrentCell(DropoutRNNCell, Layer):
    """Base of the built-in cells: ``gates * units`` wide kernels in PyTorch's layout.

    ``kernel`` and ``recurrent_kernel`` are stored as ``nn.RNN``/``nn.LSTM``/``nn.GRU``
    store ``weight_ih_l0`` / ``weight_hh_l0`` (see ``lamina.layouts``), so the layers can
    hand them to PyTorch's fused kernels without a copy.
    """

    gates = 1
    kernel_layout = "rnn_kernel"

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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, "dropout", dropout)
        self.recurrent_dropout = check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed

    @property
    def state_size(self):
        """Size of the state (``units``)."""
        return self.units

    @property
    def output_size(self):
        """Size of the output at each step (``units``)."""
        return self.units

    def build(self, input_shape):
        input_dim = input_shape[-1]
        width = self.gates * self.units
        self.add_weight(
            shape=(input_dim, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
            layout=self.kernel_layout,
        )
        self.add_weight(
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
            layout=self.kernel_layout,
        )
        self._add_bias(width)

    def _add_bias(self, width, initializer=None):
        add_bias(self, (width,), initializer)
        if self.bias is not None:
            # PyTorch's fused kernels add a second (recurrent) bias; Keras has one, so it is zero.
            zeros = torch.zeros(width, dtype=self.bias.dtype, device=self.bias.device)
            self.register_buffer("_zero_recurrent_bias", zeros, persistent=False)

    def fused_weights(self):
        """Weights in the order PyTorch's fused kernels take them (``w_ih, w_hh, b_ih, b_hh``)."""
        if self.bias is None:
            return [self.kernel, self.recurrent_kernel]
        return [self.kernel, self.recurrent_kernel, self.bias, self._zero_recurrent_bias]

    def flat_fused_weights(self, kind, input_size):
        """``fused_weights()``, first moved into one cuDNN buffer when they run on CUDA.

        The parameters stay the same objects (optimizers keep them); only their storage
        becomes a view of the buffer. Their data pointers are remembered, so the move
        happens again only after something replaced the storage (``.to``, ``set_weights``,
        loading).
        """
        weights = self.fused_weights()
        if not weights[0].is_cuda:
            return weights
        return self._flattened(kind, input_size, weights)

    @eager_when_traced
    def _flattened(self, kind, input_size, weights):
        pointers = tuple(w.data_ptr() for w in weights)
        if pointers == getattr(self, "_flat_pointers", None):
            return weights
        copies = flat_copies(kind, weights, input_size, self.units)
        if copies is not None:
            self._point_at(copies)
            weights = self.fused_weights()
            self._flat_pointers = tuple(w.data_ptr() for w in weights)
        return weights

    def _point_at(self, views):
        self.kernel.data, self.recurrent_kernel.data = views[0], views[1]
        if self.bias is not None:
            self._point_biases_at(views[2], views[3])

    def _point_biases_at(self, input_bias, recurrent_bias):
        self.bias.data, self._zero_recurrent_bias.data = input_bias, recurrent_bias

    def get_initial_state(self, batch_size=None, device=None):
        """Zero states for a batch: one ``(batch_size, size)`` tensor per state.

        Args:
            batch_size: Number of sequences.
            device: Device of the tensors; defaults to the kernel's device once built.

        Returns:
            A list of zero tensors, in the order of ``state_size``.
        """
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        dtype = self.kernel.dtype if self.built else torch.float32
        device = device or (self.kernel.device if self.built else None)
        return [torch.zeros(batch_size, size, dtype=dtype, device=device) for size in sizes]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }

