"""Shape and layout functions of ``keras.ops.numpy`` (``reshape``, ``concatenate``, ``split``...)."""

import builtins

import numpy as np
import torch

from lamina.ops._helpers import keras_dtype, tensor, tensors
from lamina.ops.operation import keras_op

__all__ = [
    "reshape", "transpose", "expand_dims", "squeeze", "ravel", "concatenate", "stack", "hstack", "vstack",
    "dstack", "append", "split", "array_split", "hsplit", "vsplit", "dsplit", "flip", "fliplr", "flipud",
    "roll", "rot90", "tile", "repeat", "moveaxis", "swapaxes", "broadcast_to", "pad", "get_item", "take",
    "take_along_axis", "ndim", "size",
]


@keras_op("Reshape")
def reshape(x, newshape):
    """``x`` with shape ``newshape`` (one -1 allowed), as ``keras.ops.reshape``."""
    return torch.reshape(tensor(x), (newshape,) if isinstance(newshape, int) else tuple(newshape))


@keras_op("Transpose")
def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when None), as ``keras.ops.transpose``."""
    x = tensor(x)
    if axes is None:
        return x if x.dim() < 2 else x.permute(*reversed(range(x.dim())))
    return x.permute(*axes)


@keras_op("ExpandDims")
def expand_dims(x, axis):
    """``x`` with new size-1 axes at ``axis`` (an int or a sequence), as ``keras.ops.expand_dims``."""
    x = tensor(x)
    positions = [axis] if isinstance(axis, int) else list(axis)
    rank = x.dim() + len(positions)
    for position in sorted(a % rank for a in positions):
        x = x.unsqueeze(position)
    return x


@keras_op("Squeeze")
def squeeze(x, axis=None):
    """``x`` without its size-1 axes (only ``axis`` when given), as ``keras.ops.squeeze``."""
    x = tensor(x)
    if axis is None:
        return x.squeeze()
    positions = (axis,) if isinstance(axis, int) else tuple(axis)
    for position in positions:
        if x.shape[position] != 1:
            raise ValueError(f"lamina.ops.squeeze: axis {position} has size {x.shape[position]}, not 1. Received: x.shape={tuple(x.shape)}.")
    return x.squeeze(positions)


@keras_op("Ravel")
def ravel(x):
    """``x`` flattened to one axis, as ``keras.ops.ravel``."""
    return tensor(x).reshape(-1)


def _same_dtype(xs):
    xs = tensors(*xs)
    dtype = keras_dtype(*[t.dtype for t in xs]) if len({t.dtype for t in xs}) > 1 else xs[0].dtype
    return [t.to(dtype) for t in xs]


@keras_op("Concatenate", operands=("xs",))
def concatenate(xs, axis=0):
    """The tensors ``xs`` joined along ``axis``, as ``keras.ops.concatenate``."""
    if axis is None:
        raise ValueError(
            "lamina.ops.concatenate: axis cannot be None (as in Keras). Flatten the tensors first "
            "(ops.ravel) and pass axis=0. Received: axis=None."
        )
    return torch.cat(_same_dtype(xs), dim=axis)


@keras_op("Stack")
def stack(x, axis=0):
    """The tensors ``x`` stacked along a new ``axis``, as ``keras.ops.stack``."""
    return torch.stack(_same_dtype(x), dim=axis)


@keras_op("Hstack")
def hstack(xs):
    """The tensors joined column-wise, as ``keras.ops.hstack``."""
    return torch.hstack(_same_dtype(xs))


@keras_op("Vstack")
def vstack(xs):
    """The tensors joined row-wise, as ``keras.ops.vstack``."""
    return torch.vstack(_same_dtype(xs))


@keras_op("Dstack")
def dstack(xs):
    """The tensors joined along the third axis, as ``keras.ops.dstack``."""
    return torch.dstack(_same_dtype(xs))


@keras_op("Append", operands=("x1", "x2"))
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (flattened when None), as ``keras.ops.append``
    (torch's promotion of the two dtypes, as Keras on torch: ``int32`` and ``int64`` give ``int64``)."""
    x1, x2 = tensors(x1, x2)
    if axis is None:
        return torch.cat([x1.reshape(-1), x2.reshape(-1)])
    return torch.cat([x1, x2], dim=axis)


def _split(x, indices_or_sections, axis, name, even=True):
    x = tensor(x)
    if isinstance(indices_or_sections, int):
        size = x.shape[axis]
        if even and size % indices_or_sections:
            raise ValueError(
                f"lamina.ops.{name}: axis {axis} of size {size} does not split into {indices_or_sections} equal "
                f"parts. Use array_split for unequal parts."
            )
        return list(torch.tensor_split(x, indices_or_sections, dim=axis))
    return list(torch.tensor_split(x, list(indices_or_sections), dim=axis))


@keras_op("Split")
def split(x, indices_or_sections, axis=0):
    """``x`` cut into equal parts or at indices along ``axis`` (a list), as ``keras.ops.split``."""
    return _split(x, indices_or_sections, axis, "split")


@keras_op("ArraySplit")
def array_split(x, indices_or_sections, axis=0):
    """``x`` cut into nearly equal parts along ``axis``, as ``keras.ops.array_split``."""
    return _split(x, indices_or_sections, axis, "array_split", even=False)


@keras_op("Hsplit")
def hsplit(x, indices_or_sections):
    """``x`` cut along its second axis (the first for 1-D), as ``keras.ops.hsplit``."""
    x = tensor(x)
    return _split(x, indices_or_sections, 0 if x.dim() == 1 else 1, "hsplit")


@keras_op("Vsplit")
def vsplit(x, indices_or_sections):
    """``x`` cut along its first axis, as ``keras.ops.vsplit``."""
    return _split(x, indices_or_sections, 0, "vsplit")


@keras_op("Dsplit")
def dsplit(x, indices_or_sections):
    """``x`` cut along its third axis, as ``keras.ops.dsplit``."""
    return _split(x, indices_or_sections, 2, "dsplit")


@keras_op("Flip")
def flip(x, axis=None):
    """``x`` reversed along ``axis`` (all axes when None), as ``keras.ops.flip``."""
    x = tensor(x)
    dims = tuple(range(x.dim())) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    return torch.flip(x, dims)


@keras_op("Fliplr")
def fliplr(x):
    """``x`` reversed along its second axis, as ``keras.ops.fliplr``."""
    return torch.fliplr(tensor(x))


@keras_op("Flipud")
def flipud(x):
    """``x`` reversed along its first axis, as ``keras.ops.flipud``."""
    return torch.flipud(tensor(x))


@keras_op("Roll")
def roll(x, shift, axis=None):
    """``x`` shifted cyclically by ``shift`` along ``axis`` (flattened when None), as ``keras.ops.roll``."""
    x = tensor(x)
    if axis is None:
        return torch.roll(x.reshape(-1), shift).reshape(x.shape)
    return torch.roll(x, shift, dims=axis)


@keras_op("Rot90", operands=("array",))
def rot90(array, k=1, axes=(0, 1)):
    """``array`` rotated by ``k`` quarter turns in the plane ``axes``, as ``keras.ops.rot90``."""
    array = tensor(array)
    if array.dim() < 2:
        raise ValueError(f"lamina.ops.rot90: the input needs at least 2 axes. Received: ndim={array.dim()}.")
    return torch.rot90(array, k, list(axes))


@keras_op("Tile")
def tile(x, repeats):
    """``x`` repeated ``repeats`` times per axis, as ``keras.ops.tile``."""
    repeats = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    return torch.tile(tensor(x), repeats)


@keras_op("Repeat")
def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis``, as ``keras.ops.repeat``."""
    x = tensor(x)
    if not isinstance(repeats, int):
        repeats = torch.as_tensor(repeats, device=x.device)
    return torch.repeat_interleave(x, repeats, dim=axis)


@keras_op("Moveaxis")
def moveaxis(x, source, destination):
    """``x`` with axes ``source`` moved to ``destination``, as ``keras.ops.moveaxis``."""
    return torch.movedim(tensor(x), source, destination)


@keras_op("Swapaxes")
def swapaxes(x, axis1, axis2):
    """``x`` with ``axis1`` and ``axis2`` exchanged, as ``keras.ops.swapaxes``."""
    return torch.swapaxes(tensor(x), axis1, axis2)


@keras_op("BroadcastTo")
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``, as ``keras.ops.broadcast_to``."""
    return torch.broadcast_to(tensor(x), tuple(shape))


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "symmetric": None, "edge": "replicate", "wrap": "circular"}


@keras_op("Pad", operands=("x", "constant_values"))
def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width`` (``[(before, after)]`` per axis), as ``keras.ops.pad``.

    ``mode`` is "constant", "edge", "reflect", "symmetric" or "wrap" (NumPy's names).
    """
    x = tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.dim(), 2)).tolist()
    if mode not in _PAD_MODES:
        raise ValueError(f"lamina.ops.pad: unknown mode. Received: mode={mode!r}. Expected one of {sorted(_PAD_MODES)}.")
    if mode != "constant" and constant_values is not None:
        raise ValueError(f"lamina.ops.pad: constant_values is only for mode='constant'. Received: mode={mode!r}.")
    if mode == "constant":
        flat = [w for before_after in reversed(widths) for w in before_after]
        return torch.nn.functional.pad(x, flat, value=0 if constant_values is None else constant_values)
    for axis, (before, after) in enumerate(widths):
        if before or after:
            x = _pad_axis(x, axis, before, after, mode)
    return x


def _pad_axis(x, axis, before, after, mode):
    size = x.shape[axis]
    index = torch.arange(-before, size + after, device=x.device)
    if mode == "edge":
        index = index.clamp(0, size - 1)
    elif mode == "wrap":
        index = index % size
    else:
        period = 2 * size - (2 if mode == "reflect" else 0)
        index = index % builtins.max(period, 1)
        mirror = period - index - (0 if mode == "reflect" else 1)
        index = torch.where(index >= size, mirror, index)
    return x.index_select(axis, index)


def _key(key):
    if isinstance(key, tuple):
        return tuple(_key_item(k) for k in key)
    return _key_item(key)


def _key_item(k):
    if isinstance(k, (list, np.ndarray)):
        return torch.as_tensor(np.asarray(k))
    return k


@keras_op("GetItem", operands=("x", "key"))
def get_item(x, key):
    """``x[key]``, as ``keras.ops.get_item``."""
    return tensor(x)[_key(key)]


@keras_op("Take", operands=("x", "indices"))
def take(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis`` (flat when None), as ``keras.ops.take``."""
    x = tensor(x)
    indices = tensor(indices).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
    size = x.shape[axis]
    indices = torch.where(indices < 0, indices + size, indices)
    out = x.index_select(axis, indices.reshape(-1))
    axis = axis % x.dim()
    return out.reshape(*x.shape[:axis], *indices.shape, *x.shape[axis + 1:])


@keras_op("TakeAlongAxis", operands=("x", "indices"))
def take_along_axis(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis``, as ``keras.ops.take_along_axis``."""
    x = tensor(x)
    indices = tensor(indices).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
    indices = torch.where(indices < 0, indices + x.shape[axis], indices)
    shape = list(torch.broadcast_shapes(
        tuple(1 if i == axis % x.dim() else d for i, d in enumerate(x.shape)),
        tuple(1 if i == axis % x.dim() else d for i, d in enumerate(indices.shape)),
    ))
    x_shape, i_shape = list(shape), list(shape)
    x_shape[axis] = x.shape[axis]
    i_shape[axis] = indices.shape[axis]
    return torch.take_along_dim(x.expand(x_shape), indices.expand(i_shape), dim=axis)


@keras_op("Ndim")
def ndim(x):
    """The number of axes of ``x`` (an int), as ``keras.ops.ndim``."""
    return tensor(x).dim()


@keras_op("Size")
def size(x):
    """The number of elements of ``x`` (a 0-d int64 tensor), as ``keras.ops.size``."""
    x = tensor(x)
    return torch.tensor(x.numel(), device=x.device)
