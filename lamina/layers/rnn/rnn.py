"""RNN: runs a recurrent cell over the time axis of (batch, timesteps, features) inputs."""

import torch

from lamina.errors import ConfigurationError, InputError, describe
from lamina.layers.float_inputs import as_float
from lamina.layers.layer import Layer, _call_arguments
from lamina.layers.rnn.fused import run_fused
from lamina.layers.rnn.sequence_mask import contiguous_spans, standardize_mask
from lamina.layers.rnn.stacked_cells import StackedRNNCells
from lamina.serialization import clean_config, deserialize_layer, serialize_layer

NEEDS_SEQUENCES = (
    "{cls} '{name}' expects inputs of shape (batch, timesteps, features), but received "
    "shape {shape}. For one feature per timestep add an axis, e.g. x[..., None] or "
    "Reshape((timesteps, 1)); for images of shape (batch, rows, cols) the rows are the "
    "timesteps and need no change."
)


class RNN(Layer):
    """Base class for recurrent layers: applies ``cell`` at every timestep.

    A cell has ``state_size`` (an int, or a list of ints for several states) and
    ``call(inputs, states, training=None)`` returning ``(output, new_states)``; it may
    have ``output_size`` (default: the first state size). ``SimpleRNNCell``,
    ``LSTMCell`` and ``GRUCell`` run on PyTorch's fused kernels when their settings allow
    (see ``lamina.layers.rnn.fused``); everything else runs step by step.

    Args:
        cell: a cell, or a list of cells (stacked, see ``StackedRNNCells``).
        return_sequences: return the output of every timestep, (batch, timesteps,
            units), instead of the last one, (batch, units).
        return_state: also return the final states: ``output, *states``.
        go_backwards: process the sequence in reverse (outputs stay in that order).
        stateful: the final states of a batch are the initial states of the next
            one (sample i continues sample i); the batch size must stay the same.
            ``reset_states()`` starts over.
        unroll: run step by step in Python (never the fused kernel). PyTorch executes
            eagerly, so this only selects the general path.
        zero_output_for_mask: outputs at masked timesteps are zeros instead of the
            previous output.

    Call arguments:
        sequences: (batch, timesteps, features).
        initial_state: list of initial state tensors, each (batch, state_size).
        mask: bool (batch, timesteps); True marks the timesteps to use. A masked
            timestep keeps the states and repeats the previous output.
        training: whether dropout applies.
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
            raise ConfigurationError(
                f"{type(self).__name__} '{self.name}': the cell needs a `call(inputs, states)` method "
                f"and a `state_size` attribute (an int, or a list of ints). Received: cell={describe(cell)}."
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.use_fused_kernels = True
        self._state_names = None

    # ------------------------------------------------------------------ shapes
    @property
    def state_size(self):
        """Sizes of the cell's states, as a list (one int per state)."""
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def output_size(self):
        """Size of the cell's output at each step."""
        return getattr(self.cell, "output_size", None) or self.state_size[0]

    def build(self, sequences_shape):
        self._check_rank(sequences_shape)
        if isinstance(self.cell, Layer):
            self.cell.build_from_shapes((sequences_shape[0],) + tuple(sequences_shape[2:]))
        batch_size = sequences_shape[0]
        if batch_size is None and self._batch_input_shape is not None:
            batch_size = self._batch_input_shape[0]
        if self.stateful and batch_size is not None:
            self._create_states(batch_size)

    def compute_output_shape(self, sequences_shape):
        self._check_rank(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        output = (batch, steps, self.output_size) if self.return_sequences else (batch, self.output_size)
        if self.return_state:
            return (output, *[(batch, size) for size in self.state_size])
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def _check_rank(self, shape):
        if len(shape) != 3:
            raise InputError(
                NEEDS_SEQUENCES.format(
                    cls=type(self).__name__, name=self.name, shape=str(tuple(shape)).replace("None", "batch")
                )
            )

    # ------------------------------------------------------------------- call
    def call(self, sequences, initial_state=None, mask=None, training=None):
        self._check_rank(sequences.shape)
        sequences = as_float(sequences, self.dtype)
        mask = standardize_mask(self, mask, sequences)
        states = self._initial_states(sequences, initial_state)
        if self.go_backwards:
            sequences = sequences.flip(1)
            mask = None if mask is None else mask.flip(1)
        try:
            outputs, last_output, states = self._run(sequences, states, mask, training)
        finally:
            _reset_dropout_masks(self.cell)
        if self.stateful:
            self._store_states(states)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def _run(self, sequences, states, mask, training):
        kind = self._fused_kind()
        spans = None
        if kind is not None and mask is not None:
            spans = contiguous_spans(mask)
            if spans is None:
                kind = None
            elif bool((spans[1] == mask.shape[1]).all()):
                spans = None
        if kind is None:
            return self._step_by_step(sequences, states, mask, training)
        cell = self.cell
        if training and cell.dropout > 0:
            sequences = sequences * cell.get_dropout_mask(sequences[:, 0])[:, None]
        weights = cell.flat_fused_weights(kind, sequences.shape[-1])
        outputs, last_output, states = run_fused(kind, sequences, states, weights, bool(training), spans)
        if self.zero_output_for_mask and mask is not None:
            outputs = outputs * mask[..., None].to(outputs.dtype)
            last_output = last_output * mask[:, -1:].to(last_output.dtype)
        return outputs, last_output, states

    def _fused_kind(self):
        fused_kind = getattr(self.cell, "fused_kind", None)
        if self.unroll or not self.use_fused_kernels or fused_kind is None:
            return None
        return fused_kind()

    def _step_by_step(self, sequences, states, mask, training):
        step = _cell_step(self.cell, training)
        step_masks = None if mask is None else mask[..., None].unbind(1)
        outputs, previous = [], None
        for t, step_inputs in enumerate(sequences.unbind(1)):
            output, new_states = step(step_inputs, states)
            new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
            if step_masks is not None:
                keep = step_masks[t]
                previous = torch.zeros_like(output) if previous is None else previous
                output = torch.where(keep, output, previous)
                new_states = [torch.where(keep, new, old) for new, old in zip(new_states, states)]
            states, previous = new_states, output
            if self.return_sequences:
                outputs.append(output)
        outputs = torch.stack(outputs, dim=1) if self.return_sequences else None
        if self.zero_output_for_mask and mask is not None:
            if outputs is not None:
                outputs = outputs * mask[..., None].to(outputs.dtype)
            previous = previous * mask[:, -1:].to(previous.dtype)
        return outputs, previous, states

    # ----------------------------------------------------------------- states
    def get_initial_state(self, batch_size, like=None):
        """Zero states, one (batch_size, size) tensor per entry of ``state_size``."""
        dtype = like.dtype if like is not None else torch.float32
        device = like.device if like is not None else None
        return [torch.zeros(batch_size, size, dtype=dtype, device=device) for size in self.state_size]

    def _initial_states(self, sequences, initial_state):
        batch = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                return self._stateful_states(batch, sequences)
            return self.get_initial_state(batch, like=sequences)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        expected = [(batch, size) for size in self.state_size]
        if len(states) != len(expected):
            raise InputError(
                f"{type(self).__name__} '{self.name}' has {len(expected)} state(s) of shapes {expected}, "
                f"so initial_state must be a list of {len(expected)} tensor(s). Received {len(states)}."
            )
        converted = []
        for index, (state, shape) in enumerate(zip(states, expected)):
            state = torch.as_tensor(state, dtype=sequences.dtype, device=sequences.device)
            if tuple(state.shape) != shape:
                raise InputError(
                    f"{type(self).__name__} '{self.name}': initial_state[{index}] must have shape "
                    f"(batch, state_size) = {shape}. Received shape {tuple(state.shape)}. Expected "
                    f"shapes of all states: {expected}."
                )
            converted.append(state)
        return converted

    def _create_states(self, batch_size, like=None):
        self._state_names = []
        for index, state in enumerate(self.get_initial_state(batch_size, like=like)):
            name = f"_rnn_state_{index}"
            self.register_buffer(name, state, persistent=False)
            self._state_names.append(name)

    def _stateful_states(self, batch, sequences):
        if self._state_names is None:
            self._create_states(batch, like=sequences)
        states = [getattr(self, name) for name in self._state_names]
        if states[0].shape[0] != batch:
            raise InputError(
                f"{type(self).__name__} '{self.name}' is stateful with batch size {states[0].shape[0]}, "
                f"so every batch must hold {states[0].shape[0]} sequences. Received a batch of {batch}. "
                f"Give fit/predict batch_size={states[0].shape[0]} and a number of samples divisible by it."
            )
        return states

    def _store_states(self, states):
        for name, state in zip(self._state_names, states):
            setattr(self, name, state.detach())

    @property
    def states(self):
        """The current states of a stateful layer (``None`` before its first batch)."""
        if self._state_names is None:
            return None
        return [getattr(self, name) for name in self._state_names]

    def reset_state(self, states=None):
        """Zero the states of a stateful layer, or set them to ``states`` (arrays or tensors)."""
        if not self.stateful:
            raise ConfigurationError(
                f"{type(self).__name__} '{self.name}': reset_states() needs stateful=True; "
                f"a layer that is not stateful starts every batch from zero states already."
            )
        if self._state_names is None:
            return
        current = self.states
        values = [torch.zeros_like(s) for s in current] if states is None else states
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if len(values) != len(current) or any(
            tuple(torch.as_tensor(v).shape) != tuple(s.shape) for v, s in zip(values, current)
        ):
            raise InputError(
                f"{type(self).__name__} '{self.name}': reset_states expects states of shapes "
                f"{[tuple(s.shape) for s in current]}."
            )
        for name, value, state in zip(self._state_names, values, current):
            setattr(self, name, torch.as_tensor(value, dtype=state.dtype, device=state.device).clone())

    reset_states = reset_state

    # ----------------------------------------------------------------- config
    def get_config(self):
        return {
            **super().get_config(),
            "cell": serialize_layer(self.cell),
            **self._rnn_config(),
        }

    def _rnn_config(self):
        return {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        config = dict(config)
        if isinstance(config.get("cell"), dict):
            config["cell"] = deserialize_layer(config["cell"], custom_objects)
        return cls(**clean_config(cls, config))


def _cell_step(cell, training):
    call = cell.call
    if isinstance(cell, Layer) and _call_arguments(type(cell))[0]:
        return lambda inputs, states: call(inputs, states, training=training)
    return call


def _reset_dropout_masks(cell):
    for owner in [cell, *getattr(cell, "cells", [])]:
        if hasattr(owner, "reset_dropout_mask"):
            owner.reset_dropout_mask()
            owner.reset_recurrent_dropout_mask()
