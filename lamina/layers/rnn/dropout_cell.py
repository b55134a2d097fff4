"""Dropout masks for recurrent cells: one mask per sequence, shared by every timestep."""

import torch.nn.functional as F


class DropoutRNNCell:
    """Mixin for cells with ``dropout`` (on the inputs) and ``recurrent_dropout`` (on the state).

    As in Keras, a mask is drawn once per batch of sequences and reused at every
    timestep; the ``RNN`` layer drops both masks after each call.
    """

    def get_dropout_mask(self, step_inputs):
        """The dropout mask for the inputs, drawn at the first step and reused for the whole sequence."""
        mask = self.__dict__.get("_dropout_mask")
        if mask is None:
            mask = F.dropout(step_inputs.new_ones(step_inputs.shape), self.dropout, training=True)
            self.__dict__["_dropout_mask"] = mask
        return mask

    def get_recurrent_dropout_mask(self, state):
        """The dropout mask for the recurrent state, drawn once per sequence."""
        mask = self.__dict__.get("_recurrent_dropout_mask")
        if mask is None:
            mask = F.dropout(state.new_ones(state.shape), self.recurrent_dropout, training=True)
            self.__dict__["_recurrent_dropout_mask"] = mask
        return mask

    def reset_dropout_mask(self):
        """Forget the input dropout mask, so the next sequence draws a new one."""
        self.__dict__["_dropout_mask"] = None

    def reset_recurrent_dropout_mask(self):
        """Forget the recurrent dropout mask, so the next sequence draws a new one."""
        self.__dict__["_recurrent_dropout_mask"] = None

    def _dropped_inputs(self, inputs, training):
        if training and self.dropout > 0:
            return inputs * self.get_dropout_mask(inputs)
        return inputs

    def _dropped_state(self, state, training):
        if training and self.recurrent_dropout > 0:
            return state * self.get_recurrent_dropout_mask(state)
        return state
