"""Selection, sorting, counting and complex parts of ``keras.ops.numpy`` (``where``, ``sort``,
``unique``, ``bincount``, ``real``...)."""

import torch

from lamina.ops._helpers import keras_dtype, promote, tensor, tensors, to_torch_dtype, unsupported
from lamina.ops.operation import keras_op

__all__ = [
    "where", "select", "sort", "argsort", "argpartition", "searchsorted", "digitize", "unique", "bincount",
    "histogram", "nonzero", "unravel_index", "vectorize", "view", "real", "imag", "conj", "conjugate",
    "angle", "diff", "meshgrid",
]


@keras_op("Where", operands=("condition", "x1", "x2"))
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2`` (the indices of true elements when both
    are None), as ``keras.ops.where``."""
    condition = tensor(condition)
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("lamina.ops.where: give both x1 and x2, or neither.")
    x1, x2 = promote(x1, x2)
    return torch.where(condition.bool(), x1, x2)


@keras_op("Select", operands=("condlist", "choicelist", "default"))
def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, element-wise (``default`` elsewhere), as ``keras.ops.select``."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"lamina.ops.select: condlist and choicelist differ in length ({len(condlist)} != {len(choicelist)}).")
    choices = tensors(*choicelist)
    dtype = keras_dtype(*[c.dtype for c in choices], default)
    out = tensor(default).to(dtype)
    for condition, choice in zip(reversed(condlist), reversed(choices)):
        out = torch.where(tensor(condition).bool(), choice.to(dtype), out)
    return out


@keras_op("Sort")
def sort(x, axis=-1):
    """``x`` sorted along ``axis``, as ``keras.ops.sort``."""
    x = tensor(x)
    return torch.sort(x.to(torch.uint8), dim=axis).values.bool() if x.dtype == torch.bool else torch.sort(x, dim=axis).values


@keras_op("Argsort")
def argsort(x, axis=-1):
    """The indices that sort ``x`` along ``axis`` (stable, int32), as ``keras.ops.argsort``."""
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        x, axis = x.reshape(-1), -1
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


@keras_op("Argpartition")
def argpartition(x, kth, axis=-1):
    """Indices that put the ``kth`` element of ``x`` in its sorted place along ``axis``, as
    ``keras.ops.argpartition`` (here a full stable argsort, a valid partition)."""
    return argsort(x, axis)


@keras_op("SearchSorted", operands=("sorted_sequence", "values"))
def searchsorted(sorted_sequence, values, side="left"):
    """Where ``values`` go in the 1-D ``sorted_sequence``, as ``keras.ops.searchsorted``."""
    sorted_sequence, values = promote(sorted_sequence, values)
    if sorted_sequence.dim() != 1:
        raise ValueError(f"lamina.ops.searchsorted: sorted_sequence must be 1-D. Received shape {tuple(sorted_sequence.shape)}.")
    out_int32 = sorted_sequence.shape[0] < 2**31
    return torch.searchsorted(sorted_sequence, values, side=side, out_int32=out_int32)


@keras_op("Digitize", operands=("x", "bins"))
def digitize(x, bins):
    """The bin index of each element of ``x`` (int32), as ``keras.ops.digitize``."""
    x, bins = tensors(x, bins)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.bucketize(x, bins.to(x.dtype), out_int32=True, right=True)


@keras_op("Unique")
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None, size=None, fill_value=None):  # noqa: A002
    """The unique elements of ``x`` (with ``size``, padded by ``fill_value``), as ``keras.ops.unique``;
    the indices, inverse and counts are int64, as torch (and Keras on torch) gives them."""
    x = tensor(x)
    flat = x.reshape(-1) if axis is None else x
    values, inverse, counts = torch.unique(flat, sorted=True, return_inverse=True, return_counts=True, dim=axis)
    outputs = [values]
    if return_index:
        positions = torch.arange(inverse.shape[0], device=x.device)
        first = torch.full((values.shape[0] if axis is None else values.shape[axis],), inverse.shape[0], device=x.device, dtype=torch.long)
        outputs.append(first.scatter_reduce(0, inverse, positions, reduce="amin"))
    if return_inverse:
        outputs.append(inverse.reshape(x.shape) if axis is None else inverse)
    if return_counts:
        outputs.append(counts)
    if size is not None:
        outputs[0] = _fit(values, size, fill_value if fill_value is not None else (values[-1] if values.numel() else 0))
        if return_index:
            outputs[1] = _fit(outputs[1], size, 0)
        if return_counts:
            outputs[-1] = _fit(outputs[-1], size, 0)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fit(t, size, fill):
    if t.shape[0] >= size:
        return t[:size]
    return torch.cat([t, torch.full((size - t.shape[0],), fill, dtype=t.dtype, device=t.device)])


@keras_op("Bincount")
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in ``x`` (weighted by ``weights``; per row for
    2-D), as ``keras.ops.bincount``."""
    if sparse:
        raise unsupported("bincount", "sparse=True needs sparse tensors, which lamina's torch ops do not produce")
    x = tensor(x)
    if weights is not None:
        weights = tensor(weights)
        dtype = keras_dtype(weights.dtype, x.dtype) if False else weights.dtype
        if weights.dtype in (torch.bool, torch.int8, torch.int16, torch.uint8):
            dtype = torch.int32
    else:
        dtype = torch.int32
    length = int(max(int(x.max().item()) + 1 if x.numel() else 0, minlength))
    if x.dim() == 1:
        out = torch.zeros(length, dtype=torch.float64, device=x.device)
        source = weights.to(torch.float64) if weights is not None else torch.ones_like(x, dtype=torch.float64)
        return out.index_add(0, x.long(), source).to(dtype)
    rows = [bincount(x[i], None if weights is None else weights[i], length) for i in range(x.shape[0])]
    return torch.stack(rows).to(dtype)


@keras_op("Histogram")
def histogram(x, bins=10, range=None):  # noqa: A002
    """Counts of ``x`` in ``bins`` equal bins over ``range`` (``(counts, edges)``, both floating
    as in Keras on torch), as ``keras.ops.histogram``."""
    x = tensor(x)
    if x.dim() != 1:
        raise ValueError(f"lamina.ops.histogram: x must be 1-D. Received: x.shape={tuple(x.shape)}.")
    work = x.to(torch.float32) if not x.is_floating_point() else x
    low, high = (work.min().item(), work.max().item()) if range is None else range
    counts, edges = torch.histogram(work.cpu().to(torch.float32), bins=bins, range=(float(low), float(high)))
    return counts.to(x.device, dtype=work.dtype), edges.to(x.device, dtype=work.dtype)


@keras_op("Nonzero")
def nonzero(x):
    """The indices of non-zero elements, one int32 tensor per axis (none for a 0-d ``x``), as
    ``keras.ops.nonzero``. Keras on torch stacks them into one ``(ndim, count)`` tensor; lamina
    returns NumPy's tuple (Keras's symbolic result), which unpacks the same way and indexes ``x``."""
    x = tensor(x)
    if x.dim() == 0:
        return ()
    return tuple(t.to(torch.int32) for t in torch.nonzero(x, as_tuple=True))


@keras_op("UnravelIndex", operands=("indices",))
def unravel_index(indices, shape):
    """Flat ``indices`` as one coordinate tensor per axis of ``shape``, as ``keras.ops.unravel_index``."""
    indices = tensor(indices)
    dtype = keras_dtype(indices.dtype)  # int64 narrows to int32, as Keras on torch
    return tuple(t.to(dtype) for t in torch.unravel_index(indices.long(), tuple(shape)))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` mapped over the leading axis of its tensor arguments, as ``keras.ops.vectorize``
    (with ``torch.vmap``; ``signature`` is not supported)."""
    if signature is not None:
        raise unsupported("vectorize", "the NumPy signature= form has no torch.vmap equivalent; vectorize without it")
    excluded = set(excluded or ())

    def vectorized(*args):
        dims = tuple(None if i in excluded else 0 for i in range(len(args)))
        function = pyfunc
        for _ in range(max((tensor(a).dim() for i, a in enumerate(args) if i not in excluded), default=0)):
            function = torch.vmap(function, in_dims=dims)
        return function(*(a if i in excluded else tensor(a) for i, a in enumerate(args)))

    return vectorized


@keras_op("View")
def view(x, dtype=None):
    """``x``'s bytes read as ``dtype``, as ``keras.ops.view``."""
    x = tensor(x)
    return x if dtype is None else x.view(to_torch_dtype(dtype))


@keras_op("Real")
def real(x):
    """The real part of ``x``, as ``keras.ops.real``."""
    x = tensor(x)
    return torch.real(x) if x.is_complex() else x


@keras_op("Imag")
def imag(x):
    """The imaginary part of complex ``x``, as ``keras.ops.imag``.

    Raises:
        TypeError: ``x`` is not complex (as Keras on torch).
    """
    x = tensor(x)
    if not x.is_complex():
        raise TypeError(
            f"lamina.ops.imag: x must be complex (as in Keras on torch); a real tensor has no imaginary "
            f"part. Use ops.zeros_like(x) for zeros, or cast x to complex64. Received: x.dtype={x.dtype}."
        )
    return torch.imag(x)


@keras_op("Conjugate")
def conjugate(x):
    """The complex conjugate of ``x``, as ``keras.ops.conjugate``."""
    x = tensor(x)
    return torch.conj(x).resolve_conj() if x.is_complex() else x


conj = conjugate


@keras_op("Angle")
def angle(x):
    """The angle of complex ``x`` (0 or pi for reals), as ``keras.ops.angle``."""
    x = tensor(x)
    if not x.is_complex() and not x.is_floating_point():
        x = x.to(keras_dtype(x.dtype, float))
    return torch.angle(x)


@keras_op("Diff", operands=("a",))
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis``, as ``keras.ops.diff``."""
    return torch.diff(tensor(a), n=n, dim=axis)


def _meshgrid_function(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors (``indexing`` "xy" or "ij"), as ``keras.ops.meshgrid``."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"lamina.ops.meshgrid: unknown indexing. Received: indexing={indexing!r}. Expected 'xy' or 'ij'.")
    return list(torch.meshgrid(*tensors(*x), indexing=indexing))


meshgrid = keras_op("Meshgrid", operands=("x",))(_meshgrid_function)
meshgrid.__name__ = "meshgrid"
