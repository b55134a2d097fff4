"""Concatenate: join a list of tensors along one axis."""

import torch

from lamina.errors import ConfigurationError
from lamina.layers.merging.base_merge import Merge, expand_mask


class Concatenate(Merge):
    """Concatenates a list of tensors along ``axis``; other axes must match.

    Args:
        axis: the axis to join along (default -1, the features of channels_last data).

    The output mask (Keras 3): each input's mask (all True where an input has none) is
    spread over its shape, the masks are concatenated along ``axis``, and the last axis
    is reduced with ``any``.
    """

    operation = "concatenation"
    shape_rule = "Inputs need the same rank and equal sizes on every axis except the joined one"

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ConfigurationError(
                f"Concatenate '{self.name}': axis must be an integer. Received: axis={axis!r}."
            )
        self.axis = axis

    def call(self, inputs):
        return torch.cat(self._as_list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = self._check_count(input_shape)
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            self._incompatible(shapes, f"ranks differ {sorted(ranks)}")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            self._incompatible(shapes, f"axis={self.axis} is out of range for rank {rank}")
        axis = self.axis % rank
        output = []
        for dim in range(rank):
            sizes = [s[dim] for s in shapes]
            if dim == axis:
                output.append(None if None in sizes else sum(sizes))
                continue
            known = set(sizes) - {None}
            if len(known) > 1:
                self._incompatible(
                    shapes, f"axis {dim} has sizes {sorted(known)} but only axis {axis} may differ"
                )
            output.append(known.pop() if known else None)
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        masks = self._masks_for(inputs, mask)
        if all(m is None for m in masks):
            return None
        spread = [
            torch.ones_like(x, dtype=torch.bool) if m is None else expand_mask(m, x)
            for x, m in zip(inputs, masks)
        ]
        return torch.cat(spread, dim=self.axis).any(dim=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of ``Concatenate``: ``concatenate([x1, x2], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
