"""Normalization: ``(x - mean) / sqrt(variance)`` per feature, given or from ``adapt(data)``."""

import math

import numpy as np
import torch

from lamina.backend.config import epsilon
from lamina.errors import ConfigurationError, InputError
from lamina.layers.layer import Layer


class Normalization(Layer):
    """Standardize features with a fixed mean and variance.

    Either pass ``mean`` and ``variance`` (broadcast over the kept axes), or call
    ``adapt(data)`` once before training to compute them from data (the layer then has
    the non-trainable weights ``mean``, ``variance`` and ``count``, as in Keras).

    Args:
        axis: the axes that keep their own statistics (default -1: one mean and variance
            per feature of the last axis); ``None`` for a single mean and variance.
        mean, variance: the statistics, scalars or arrays of the kept axes' shape.
        invert: compute ``mean + x * sqrt(variance)`` instead (undo the normalization).

    Example:
        >>> import numpy as np, torch, lamina
        >>> layer = lamina.layers.Normalization()
        >>> layer.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
        >>> layer(torch.tensor([[2.0, 20.0]])).tolist()
        [[0.0, 0.0]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self._where = f"Normalization '{self.name}'"
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        try:
            axis = tuple(int(a) for a in axis)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"{self._where}: axis must be an int, a tuple of ints or None. "
                f"Received: axis={axis!r}."
            ) from None
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ConfigurationError(
                f"{self._where}: pass both mean and variance, or neither (then call adapt(data)). "
                f"Received: mean={mean!r}, variance={variance!r}."
            )
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ConfigurationError(
                f"{self._where}: mean and variance must have the same shape. Received shapes "
                f"{np.shape(mean)} and {np.shape(variance)}."
            )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._adapted = False

    def build(self, input_shape):
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise InputError(
                f"{self._where}: axis {self.axis} is out of range for inputs of rank {rank}."
            )
        self._keep = tuple(sorted(a % rank for a in self.axis))
        if any(input_shape[a] is None for a in self._keep):
            raise InputError(
                f"{self._where}: the kept axes {self._keep} must have known sizes. "
                f"Received: input_shape={tuple(input_shape)}."
            )
        self._reduce = tuple(a for a in range(rank) if a not in self._keep)
        self._stat_shape = tuple(input_shape[a] for a in self._keep)
        self._broadcast = [input_shape[a] if a in self._keep else 1 for a in range(rank)]
        if self.input_mean is None:
            self.add_weight(self._stat_shape, "zeros", name="mean", trainable=False)
            self.add_weight(self._stat_shape, "ones", name="variance", trainable=False)
            self.add_weight((), "zeros", dtype="int64", name="count", trainable=False)
            return
        mean, variance = (self._fixed_statistic(v) for v in (self.input_mean, self.input_variance))
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("variance", variance, persistent=False)

    def _fixed_statistic(self, value):
        value = torch.as_tensor(np.asarray(value, dtype=np.float64))
        if value.dim() > len(self._keep):
            raise ConfigurationError(
                f"{self._where}: mean and variance may have at most {len(self._keep)} axes "
                f"(one per kept axis {self.axis}). Received shape {tuple(value.shape)}."
            )
        shape = [1] * len(self._broadcast)
        for i, size in enumerate(reversed(value.shape)):
            shape[self._keep[-1 - i]] = size
        value = value.reshape(shape).expand(self._broadcast).reshape(self._stat_shape)
        return value.to(torch.float32).contiguous()

    def adapt(self, data):
        """Compute the mean and (biased) variance of ``data`` over every axis but ``axis``.

        Args:
            data: a NumPy array or tensor with a batch axis first, or an iterable of such
                batches (statistics are then combined exactly, batch by batch).
        """
        if self.input_mean is not None:
            raise ConfigurationError(
                f"{self._where} was given mean and variance; adapt() would replace them. Create "
                "the layer without mean/variance to adapt it to data."
            )
        batches = [data] if hasattr(data, "shape") else list(data)
        if not batches:
            raise InputError(f"{self._where}: adapt() received no data.")
        first = torch.as_tensor(np.asarray(batches[0]))
        if not self.built:
            self.build_from_shapes((None,) + tuple(first.shape[1:]))
        total_mean = total_var = None
        total_count = 0
        for batch in batches:
            batch = torch.as_tensor(np.asarray(batch), dtype=torch.float64)
            if tuple(batch.shape[a] for a in self._keep) != self._stat_shape:
                raise InputError(
                    f"{self._where}: adapt() data of shape {tuple(batch.shape)} does not match "
                    f"the kept axes {self._keep} of size {self._stat_shape}."
                )
            count = math.prod(batch.shape[a] for a in self._reduce)
            var, mean = torch.var_mean(batch, dim=self._reduce, correction=0)
            if total_mean is None:
                total_mean, total_var, total_count = mean, var, count
                continue
            weight = count / (total_count + count)
            new_mean = total_mean + (mean - total_mean) * weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - weight) + (
                var + (mean - new_mean) ** 2
            ) * weight
            total_mean, total_count = new_mean, total_count + count
        with torch.no_grad():
            self.mean.copy_(total_mean.reshape(self._stat_shape))
            self.variance.copy_(total_var.reshape(self._stat_shape))
            self.count.fill_(total_count)

    def call(self, inputs):
        dtype = inputs.dtype if inputs.is_floating_point() else self.mean.dtype
        mean = self.mean.to(dtype).view(self._broadcast)
        std = self.variance.to(dtype).view(self._broadcast).sqrt().clamp(min=epsilon())
        if self.invert:
            return mean + inputs.to(dtype) * std
        return (inputs.to(dtype) - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": _plain(self.input_mean),
            "variance": _plain(self.input_variance),
        }


def _plain(value):
    return None if value is None else np.asarray(value).tolist()
