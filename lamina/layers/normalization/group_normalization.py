"""GroupNormalization: normalize groups of channels per sample."""

import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError, InputError
from lamina.layers.float_inputs import as_float
from lamina.layers.layer import Layer
from lamina.layers.normalization._axes import check_axis_argument, resolve_axes


class GroupNormalization(Layer):
    """Split the channels (``axis``) into ``groups`` and normalize each group per sample.

    Group ``g`` holds channels ``g * C / groups`` to ``(g + 1) * C / groups - 1`` (with all
    spatial positions), as in Keras and ``torch.nn.GroupNorm``. ``groups=-1`` means one group
    per channel (instance normalization); ``groups=1`` is layer normalization over all axes.

    Args:
        groups: number of groups; must divide the channels (default 32).
        axis: the channels axis (default -1).
        epsilon: added to the variance (default 1e-3).
        center / scale: whether to learn per-channel ``beta`` / ``gamma``.
    """

    def __init__(
        self,
        groups=32,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._where = f"GroupNormalization '{self.name}'"
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups < 1 and groups != -1):
            raise ConfigurationError(
                f"{self._where}: groups must be a positive integer, or -1 for one group per "
                f"channel. Received: groups={groups!r}."
            )
        if epsilon <= 0:
            raise ConfigurationError(
                f"{self._where}: epsilon must be positive. Received: epsilon={epsilon!r}."
            )
        self.groups = groups
        self.axis = check_axis_argument(axis, self._where, allow_list=False)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self._channel_axis = None

    def build(self, input_shape):
        self._channel_axis = resolve_axes(self.axis, len(input_shape), self._where)[0]
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise InputError(
                f"{self._where}: the channels axis must have a known size. "
                f"Received: input_shape={tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = channels
        if channels % self.groups:
            raise InputError(
                f"{self._where}: groups={self.groups} must divide the {channels} channels of the "
                f"input. Use a number of groups that divides {channels}."
            )
        if self.scale:
            self.add_weight((channels,), self.gamma_initializer, name="gamma",
                            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.add_weight((channels,), self.beta_initializer, name="beta",
                            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        else:
            self.beta = None

    def call(self, inputs):
        axis = self._channel_axis
        inputs = as_float(inputs, self.dtype)
        x = inputs if axis == 1 else inputs.movedim(axis, 1)
        out = F.group_norm(x, self.groups, self.gamma, self.beta, self.epsilon)
        return out if axis == 1 else out.movedim(1, axis)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, len(input_shape), self._where)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
