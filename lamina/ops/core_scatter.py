"""Indexed reads and writes of ``keras.ops`` core: ``slice``, ``slice_update``, ``scatter``,
``scatter_update``. Writes return new tensors (the input is never modified)."""

import builtins

import torch

from lamina.ops.arguments import tensor, tensors
from lamina.ops.operation import keras_op


def _ints(values):
    if isinstance(values, torch.Tensor):
        return [int(v) for v in values.tolist()]
    return [int(v) for v in values]


@keras_op("Slice", "core", operands=("inputs", "start_indices"))
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """The block of ``inputs`` of ``shape`` starting at ``start_indices``, as ``keras.ops.slice``."""
    inputs = tensor(inputs)
    starts, sizes = _ints(start_indices), _ints(shape)
    return inputs[tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes))]


@keras_op("SliceUpdate", "core", operands=("inputs", "start_indices", "updates"))
def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block at ``start_indices`` replaced by ``updates``, as
    ``keras.ops.slice_update``."""
    inputs, updates = tensors(inputs, updates)
    starts = _ints(start_indices)
    out = inputs.clone()
    out[tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))] = updates.to(inputs.dtype)
    return out


@keras_op("Scatter", "core", operands=("indices", "values"))
def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (``(..., index_depth)``;
    repeated indices sum), as ``keras.ops.scatter``."""
    indices, values = tensors(indices, values)
    shape = _ints(shape)
    depth = indices.shape[-1]
    out = torch.zeros(shape, dtype=values.dtype, device=values.device)
    index = tuple(indices.reshape(-1, depth).long().unbind(-1))
    return out.index_put(index, values.reshape(-1, *shape[depth:]), accumulate=True)


_REDUCTIONS = {"max": torch.maximum, "min": torch.minimum, "mul": torch.mul}


@keras_op("ScatterUpdate", "core", operands=("inputs", "indices", "updates"))
def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of ``inputs`` with ``updates`` written at ``indices`` (``(n, index_depth)``), as
    ``keras.ops.scatter_update``; ``reduction`` ("add", "max", "min", "mul") combines with
    the existing values instead of replacing them."""
    inputs, indices, updates = tensors(inputs, indices, updates)
    updates = updates.to(inputs.dtype)
    index = tuple(indices.long().unbind(-1))
    if reduction is None:
        return inputs.index_put(index, updates)
    if reduction == "add":
        return inputs.index_put(index, updates, accumulate=True)
    combine = _REDUCTIONS.get(reduction)
    if combine is None:
        raise ValueError(
            "scatter_update: reduction must be None, 'add', 'max', 'min' or 'mul'. "
            f"Received: reduction={reduction!r}."
        )
    out = inputs.clone()
    for i, position in enumerate(indices.long().tolist()):
        position = tuple(position)
        out[position] = combine(out[position], updates[i])
    return out
