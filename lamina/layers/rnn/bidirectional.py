"""Bidirectional: one recurrent layer reads the sequence forwards, a copy reads it backwards."""

import torch

from lamina.errors import ConfigurationError, InputError, describe
from lamina.layers.layer import Layer
from lamina.layers.rnn.rnn import RNN
from lamina.serialization import deserialize_layer, serialize_layer

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs (Keras's ``Bidirectional``).

    The forward layer and the backward layer are rebuilt from ``layer``'s config (as in
    Keras, so ``layer``'s own weights are not used), named ``forward_<name>`` and
    ``backward_<name>``; the backward one has ``go_backwards`` flipped. With
    ``return_sequences`` the backward outputs are reversed back into time order and
    masked timesteps output zeros (``zero_output_for_mask``), as in Keras.

    Args:
        layer: an ``RNN`` instance (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN(cell)``).
        merge_mode: how the two outputs combine: ``"concat"`` (default), ``"sum"``,
            ``"mul"``, ``"ave"`` or None (a list of both).
        backward_layer: optional ``RNN`` instance for the backward direction; it must
            have ``go_backwards=True`` and the same ``return_sequences``,
            ``return_state`` and ``stateful`` as ``layer``.

    Weights: the forward layer's, then the backward layer's.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        for argument, value in (("layer", layer), ("backward_layer", backward_layer)):
            if value is not None and not isinstance(value, RNN):
                raise ConfigurationError(
                    f"Bidirectional '{self.name}': {argument} must be a recurrent layer (LSTM, GRU, "
                    f"SimpleRNN or RNN). Received: {argument}={describe(value)}."
                )
        if merge_mode not in MERGE_MODES:
            raise ConfigurationError(
                f"Bidirectional '{self.name}': merge_mode must be one of {MERGE_MODES}. "
                f"Received: merge_mode={merge_mode!r}."
            )
        self.forward_layer = _copy(layer, f"forward_{layer.name.removeprefix('forward_')}")
        if backward_layer is None:
            backward_layer = _copy(
                layer, f"backward_{layer.name.removeprefix('backward_')}", go_backwards=not layer.go_backwards
            )
        self.backward_layer = backward_layer
        self._check_pair()
        for direction in (self.forward_layer, self.backward_layer):
            direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.stateful = self.forward_layer.stateful
        self.supports_masking = True
        self._initial_weights = weights

    def _check_pair(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ConfigurationError(
                f"Bidirectional '{self.name}': the backward layer must have go_backwards different "
                f"from the forward layer's. Received: go_backwards={backward.go_backwards} for both."
            )
        for attribute in ("return_sequences", "return_state", "stateful"):
            if getattr(forward, attribute) != getattr(backward, attribute):
                raise ConfigurationError(
                    f"Bidirectional '{self.name}': forward and backward layers need the same "
                    f"{attribute}. Received: {getattr(forward, attribute)} and {getattr(backward, attribute)}."
                )

    def build(self, sequences_shape):
        self.forward_layer.build_from_shapes(sequences_shape)
        self.backward_layer.build_from_shapes(sequences_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state)
            if len(states) % 2:
                raise InputError(
                    f"Bidirectional '{self.name}': initial_state must list the forward layer's states "
                    f"then the backward layer's (an even number). Received {len(states)}."
                )
            forward_state, backward_state = states[: len(states) // 2], states[len(states) // 2 :]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask, training=training)
        y_reverse = self.backward_layer(sequences, initial_state=backward_state, mask=mask, training=training)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_reverse[1:])
            y, y_reverse = y[0], y_reverse[0]
        if self.return_sequences:
            y_reverse = y_reverse.flip(1)
        output = self._merge(y, y_reverse)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def _merge(self, y, y_reverse):
        if self.merge_mode == "concat":
            return torch.cat([y, y_reverse], dim=-1)
        if self.merge_mode == "sum":
            return y + y_reverse
        if self.merge_mode == "ave":
            return (y + y_reverse) / 2
        if self.merge_mode == "mul":
            return y * y_reverse
        return (y, y_reverse)

    def compute_output_shape(self, sequences_shape):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        outputs = (shape, shape) if self.merge_mode is None else (shape,)
        if self.return_state or self.merge_mode is None:
            return (*outputs, *states, *states)
        return shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            masks += [None] * (2 * len(self.forward_layer.state_size))
        return masks if len(masks) > 1 else masks[0]

    def reset_state(self, states=None):
        """Reset both directions' states (``stateful=True``)."""
        half = None if states is None else len(states) // 2
        self.forward_layer.reset_state(None if states is None else states[:half])
        self.backward_layer.reset_state(None if states is None else states[half:])

    reset_states = reset_state

    def get_config(self):
        return {
            **super().get_config(),
            "layer": serialize_layer(self.forward_layer),
            "merge_mode": self.merge_mode,
            "backward_layer": serialize_layer(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        config = dict(config)
        for key in ("layer", "backward_layer"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_layer(config[key], custom_objects)
        return cls(**config)


def _copy(layer, name, **overrides):
    config = {**layer.get_config(), "name": name, **overrides}
    cells = getattr(layer.cell, "cells", [layer.cell])
    custom_objects = {type(cell).__name__: type(cell) for cell in [layer.cell, *cells]}
    return type(layer).from_config(config, custom_objects=custom_objects)

