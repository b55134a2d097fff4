"""PReLU: a leaky ReLU whose negative slopes are learned weights."""

import torch

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError, InputError
from lamina.layers.layer import Layer


class PReLU(Layer):
    """``x`` for ``x >= 0``, ``alpha * x`` below, with ``alpha`` a weight of the input's
    shape (batch axis excluded).

    Args:
        alpha_initializer: Initial slopes (default zeros: starts as ReLU).
        alpha_regularizer: Optional penalty on ``alpha``.
        alpha_constraint: Optional constraint on ``alpha``.
        shared_axes: Axes (1 = first after the batch axis) along which one slope is
            shared, e.g. ``[1, 2]`` for one slope per channel of ``(batch, rows, cols,
            channels)`` images.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.PReLU(alpha_initializer="ones", shared_axes=[1])
        >>> layer(torch.tensor([[-2.0, 3.0]]))
        tensor([[-2.,  3.]], grad_fn=<SubBackward0>)
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
                raise ConfigurationError(
                    f"PReLU '{self.name}': shared_axes must be axis numbers >= 1 (the batch axis "
                    f"is 0 and cannot be shared). Received: shared_axes={shared_axes!r}."
                )
            self.shared_axes = axes
        self.supports_masking = True

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise InputError(
                    f"PReLU '{self.name}': shared_axes={self.shared_axes} names axis {axis}, but the "
                    f"input has {len(input_shape)} axes. Received: input_shape={tuple(input_shape)}."
                )
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise InputError(
                f"PReLU '{self.name}': every axis but the batch axis must be known, or shared "
                f"(shared_axes=[...]). Received: input_shape={tuple(input_shape)}."
            )
        self.add_weight(
            shape=shape,
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
            name="alpha",
        )

    def call(self, inputs):
        # Keras's formula, gradient 0 at x == 0 included.
        return torch.relu(inputs) - self.alpha * torch.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
