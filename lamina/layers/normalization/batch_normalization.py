"""BatchNormalization with Keras's defaults, statistics and weight order."""

import torch
import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError, InputError
from lamina.layers.float_inputs import as_float
from lamina.layers.layer import Layer
from lamina.layers.normalization._axes import check_axis_argument, resolve_axes


class BatchNormalization(Layer):
    """Normalize each feature (``axis``) with batch statistics in training, moving ones after.

    In training (``fit``, or ``training=True``) the output is ``gamma * (x - mean) /
    sqrt(var + epsilon) + beta`` with the batch's mean and (biased) variance, and the
    moving statistics move towards them as Keras moves them::

        moving_mean = momentum * moving_mean + (1 - momentum) * mean
        moving_variance = momentum * moving_variance + (1 - momentum) * var

    (``var`` is the biased batch variance, as in Keras; torch's ``BatchNorm`` uses the
    unbiased one and ``momentum = 1 - 0.99``.) In inference the moving statistics are
    used. A layer with ``trainable=False`` always runs in inference mode, also inside
    ``fit`` -- the usual setting for fine-tuning.

    Weights, in Keras's order: ``gamma`` and ``beta`` (trainable ``nn.Parameter``s),
    ``moving_mean`` and ``moving_variance`` (registered buffers).

    Args:
        axis: the features axis (default -1, the channels of ``channels_last`` data; use 1
            after ``channels_first`` convolutions).
        momentum: weight of the old moving statistics in each update (default 0.99).
        epsilon: added to the variance (default 1e-3).
        center / scale: whether to learn ``beta`` / ``gamma``.
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized=False,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"BatchNormalization '{self.name}'"
        self.axis = check_axis_argument(axis, where, allow_list=False)
        if not 0 <= momentum <= 1:
            raise ConfigurationError(
                f"{where}: momentum must be in [0, 1]. Received: momentum={momentum!r}."
            )
        if epsilon <= 0:
            raise ConfigurationError(
                f"{where}: epsilon must be positive. Received: epsilon={epsilon!r}."
            )
        if renorm:
            raise ConfigurationError(
                f"{where}: renorm=True (batch renormalization) is not supported. Received: "
                f"renorm={renorm!r}; use renorm=False."
            )
        if synchronized:
            raise ConfigurationError(
                f"{where}: synchronized=True is not supported. Received: synchronized="
                f"{synchronized!r}. For synchronized statistics across processes, wrap a "
                "torch.nn.SyncBatchNorm with lamina.layers.TorchModule."
            )
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self._where = where
        self._channel_axis = None

    @property
    def channel_axis(self):
        """The input axis normalized, counted from 0 (None until built)."""
        return self._channel_axis

    def build(self, input_shape):
        self._channel_axis = resolve_axes(self.axis, len(input_shape), self._where)[0]
        size = input_shape[self._channel_axis]
        if size is None:
            raise InputError(
                f"{self._where}: axis {self.axis} of the input must be known to build the layer. "
                f"Received: input_shape={tuple(input_shape)}."
            )
        if self.scale:
            self.add_weight((size,), self.gamma_initializer, name="gamma",
                            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.add_weight((size,), self.beta_initializer, name="beta",
                            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        else:
            self.beta = None
        self.add_weight((size,), self.moving_mean_initializer, name="moving_mean", trainable=False)
        self.add_weight(
            (size,), self.moving_variance_initializer, name="moving_variance", trainable=False
        )

    def call(self, inputs, training=None, mask=None):
        axis = self._channel_axis
        inputs = as_float(inputs, self.moving_mean.dtype)
        x = inputs if axis == 1 else inputs.movedim(axis, 1)
        if not (training and self.trainable):
            out = F.batch_norm(
                x, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                False, 0.0, self.epsilon,
            )
        elif mask is None and x.numel() > x.shape[1]:
            out = self._batch_norm_fused(x)
        else:
            out = self._batch_norm_explicit(x, mask)
        return out if axis == 1 else out.movedim(1, axis)

    def _batch_norm_fused(self, x):
        """torch's fused kernel; its unbiased moving-variance update is turned into Keras's."""
        count = x.numel() // x.shape[1]
        # torch updates the running variance in place and autograd keeps it for backward,
        # so it gets a scratch copy: momentum * old + (1 - momentum) * unbiased_var.
        scratch = self.moving_variance.clone()
        out = F.batch_norm(
            x, self.moving_mean, scratch, self.gamma, self.beta,
            True, 1.0 - self.momentum, self.epsilon,
        )
        with torch.no_grad():
            # Keep (count - 1) / count of the new term: m * old + (1 - m) * biased_var.
            self.moving_variance.mul_(self.momentum).lerp_(scratch, (count - 1) / count)
        return out

    def _batch_norm_explicit(self, x, mask):
        """Batch statistics computed directly: masked steps, or a single value per feature."""
        dims = [d for d in range(x.dim()) if d != 1]
        if mask is None:
            variance, mean = torch.var_mean(x, dim=dims, correction=0)
        else:
            keep = self._mask_for(x, mask)
            count = keep.sum(dim=dims) + 1e-7
            mean = torch.where(keep, x, 0).sum(dim=dims) / count
            shape = [1, -1] + [1] * (x.dim() - 2)
            centered = torch.where(keep, x - mean.view(shape), 0)
            variance = centered.square().sum(dim=dims) / count
        with torch.no_grad():
            self.moving_mean.lerp_(mean.detach(), 1.0 - self.momentum)
            self.moving_variance.lerp_(variance.detach(), 1.0 - self.momentum)
        shape = [1, -1] + [1] * (x.dim() - 2)
        out = (x - mean.view(shape)) * torch.rsqrt(variance.view(shape) + self.epsilon)
        if self.gamma is not None:
            out = out * self.gamma.view(shape)
        if self.beta is not None:
            out = out + self.beta.view(shape)
        return out

    def _mask_for(self, x, mask):
        # x is channels-first here; the mask has the input's shape without the features
        # axis, which is x's shape without axis 1, in the same order.
        expected = tuple(x.shape[:1]) + tuple(x.shape[2:])
        mask = mask.to(torch.bool)
        if tuple(mask.shape) != expected:
            raise InputError(
                f"{self._where}: the mask must cover every input axis but the features axis, "
                f"shape {expected}. Received a mask of shape {tuple(mask.shape)}."
            )
        return mask.unsqueeze(1)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, len(input_shape), self._where)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "synchronized": False,
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "renorm": False,
            "renorm_clipping": None,
            "renorm_momentum": 0.99,
        }
