"""Dot: per-sample dot products between two tensors along chosen axes."""

import torch
import torch.nn.functional as F

from lamina.backend import config as backend_config
from lamina.errors import ConfigurationError
from lamina.layers.merging.base_merge import Merge, float_result_dtype


class Dot(Merge):
    """Dot product of two tensors per sample, summing over ``axes`` (Keras ``batch_dot``).

    With shapes ``(batch, 3, 5)`` and ``(batch, 10, 3)`` and ``axes=(1, 2)`` the output
    is ``(batch, 5, 10)``. The result keeps the first input's other axes, then the
    second's; a result with only the batch axis gets a trailing axis of size 1.

    Args:
        axes: one int (the same axis of both inputs) or a pair ``(axis_1, axis_2)``;
            negative values count from the end; the batch axis 0 cannot be used.
        normalize: L2-normalize both inputs along the summed axis first, so the
            output is the cosine similarity.
    """

    min_inputs = max_inputs = 2
    operation = "a dot product"
    shape_rule = "The summed axes must have equal sizes, and the batch sizes must match"

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        pair = [axes, axes] if isinstance(axes, int) and not isinstance(axes, bool) else axes
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not all(isinstance(a, int) and not isinstance(a, bool) for a in pair)
        ):
            raise ConfigurationError(
                f"Dot '{self.name}': axes must be an int or a pair of ints (one axis per input), "
                f"e.g. axes=1 or axes=(1, 2). Received: axes={axes!r}."
            )
        if 0 in pair:
            raise ConfigurationError(
                f"Dot '{self.name}': axis 0 is the batch axis and cannot be summed over. "
                f"Received: axes={axes!r}."
            )
        self.axes = axes if isinstance(axes, int) else tuple(axes)
        self.normalize = bool(normalize)

    def _pair(self, shapes):
        axes = [self.axes] * 2 if isinstance(self.axes, int) else list(self.axes)
        resolved = []
        for axis, shape in zip(axes, shapes):
            rank = len(shape)
            if rank < 2 or not -rank < axis < rank or axis % rank == 0:
                self._incompatible(
                    shapes, f"axes={self.axes} does not name a non-batch axis of every input"
                )
            resolved.append(axis % rank)
        return resolved

    def compute_output_shape(self, input_shape):
        shapes = self._check_count(input_shape)
        first, second = shapes
        a1, a2 = self._pair(shapes)
        d1, d2 = first[a1], second[a2]
        if d1 is not None and d2 is not None and d1 != d2:
            self._incompatible(
                shapes, f"axis {a1} of input 1 has size {d1} but axis {a2} of input 2 has size {d2}"
            )
        batches = {first[0], second[0]} - {None}
        if len(batches) > 1:
            self._incompatible(shapes, f"batch sizes differ {sorted(batches)}")
        rest = [d for i, d in enumerate(first) if i not in (0, a1)]
        rest += [d for i, d in enumerate(second) if i not in (0, a2)]
        batch = batches.pop() if batches else None
        return (batch,) + tuple(rest or [1])

    def call(self, inputs):
        inputs = self._as_list(inputs)
        if len(inputs) != 2:
            self._check_count([tuple(t.shape) for t in inputs])
        x, y = inputs
        a1, a2 = self._pair([tuple(x.shape), tuple(y.shape)])
        if self.normalize:
            x = F.normalize(x, dim=a1, eps=backend_config.epsilon())
            y = F.normalize(y, dim=a2, eps=backend_config.epsilon())
        x = x.movedim(a1, -1)
        y = y.movedim(a2, 1)
        x_rest, y_rest = x.shape[1:-1], y.shape[2:]
        out = torch.bmm(x.reshape(x.shape[0], -1, x.shape[-1]), y.reshape(y.shape[0], y.shape[1], -1))
        out = out.reshape((out.shape[0],) + tuple(x_rest) + tuple(y_rest))
        return out if out.dim() > 1 else out.unsqueeze(-1)

    def compute_mask(self, inputs, mask=None):
        return None

    def _symbolic_output_dtype(self, inputs):
        dtype = super()._symbolic_output_dtype(inputs)
        return float_result_dtype(dtype) if self.normalize else dtype

    def get_config(self):
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of ``Dot``: ``dot([x1, x2], axes=1)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
