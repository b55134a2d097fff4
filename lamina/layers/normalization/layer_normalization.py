"""LayerNormalization: normalize each sample over its feature axes."""

import torch
import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError
from lamina.layers.float_inputs import as_float
from lamina.layers.layer import Layer
from lamina.layers.normalization._axes import check_axis_argument, per_sample_axes, resolve_axes


class LayerNormalization(Layer):
    """``gamma * (x - mean) / sqrt(var + epsilon) + beta``, statistics over ``axis`` per sample.

    Uses torch's fused ``F.layer_norm`` when ``axis`` is the trailing axes (the usual case).

    Args:
        axis: int or list of ints, the axes to normalize over (default -1). ``gamma`` and
            ``beta`` have the shape of those axes.
        epsilon: added to the variance (default 1e-3).
        center / scale: whether to learn ``beta`` / ``gamma``.
    """

    def __init__(
        self,
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
        rms_scaling=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._where = f"LayerNormalization '{self.name}'"
        if rms_scaling:
            raise ConfigurationError(
                f"{self._where}: rms_scaling=True is not supported (Keras deprecated it: it "
                f"scales by the variance, not the root mean square). Use "
                f"lamina.layers.RMSNormalization for RMS normalization."
            )
        self.axis = check_axis_argument(axis, self._where)
        if epsilon <= 0:
            raise ConfigurationError(
                f"{self._where}: epsilon must be positive. Received: epsilon={epsilon!r}."
            )
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
        self._axes = None

    def build(self, input_shape):
        rank = len(input_shape)
        self._axes, shape, self._broadcast = per_sample_axes(self.axis, input_shape, self._where)
        self._trailing = self._axes == list(range(rank - len(self._axes), rank))
        self._normalized_shape = shape
        if self.scale:
            self.add_weight(shape, self.gamma_initializer, name="gamma",
                            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.add_weight(shape, self.beta_initializer, name="beta",
                            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        else:
            self.beta = None

    def call(self, inputs):
        inputs = as_float(inputs, self.dtype)
        if self._trailing:
            return F.layer_norm(inputs, self._normalized_shape, self.gamma, self.beta, self.epsilon)
        variance, mean = torch.var_mean(inputs, dim=self._axes, keepdim=True, correction=0)
        out = (inputs - mean) * torch.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            out = out * self.gamma.view(self._broadcast)
        if self.beta is not None:
            out = out + self.beta.view(self._broadcast)
        return out

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, len(input_shape), self._where)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
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
            "rms_scaling": False,
        }
