"""Control flow of ``keras.ops`` core, run eagerly in Python on torch (as Keras's torch
backend does): ``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``, ``map``,
``associative_scan``, ``vectorized_map``. Autograd flows through every step."""

import torch

from lamina.ops.arguments import tensor
from lamina.tree.nested import flatten, map_structure, pack_like


def _is_nested(value):
    return isinstance(value, (list, tuple, dict))


def _check_callable(function, name, value):
    if not callable(value):
        raise TypeError(f"{function}: `{name}` must be a callable. Received: {name}={value!r}.")


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``, as ``keras.ops.cond``."""
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, ``index`` clipped to the valid range, as ``keras.ops.switch``."""
    position = min(max(int(index), 0), len(branches) - 1)
    return branches[position](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times), as ``keras.ops.while_loop``."""
    is_sequence = isinstance(loop_vars, (list, tuple))
    values = tuple(map_structure(tensor, tuple(loop_vars) if is_sequence else (loop_vars,)))
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*values)):
        values = body(*values)
        values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
        steps += 1
    return values if is_sequence else values[0]


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``, as ``keras.ops.fori_loop``."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs`` (or ``length`` steps), as
    ``keras.ops.scan``: returns the last carry and the stacked ``y``."""
    _check_callable("scan", "f", f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: unroll must be a positive integer or a bool. Received: unroll={unroll!r}.")
    if xs is None and length is None:
        raise ValueError("scan: give `xs` to scan over or a `length`. Received: xs=None, length=None.")
    xs_flat = [] if xs is None else [tensor(x) for x in flatten(xs)]
    steps = int(length) if length is not None else xs_flat[0].shape[0]
    init_flat = [tensor(v) for v in flatten(init)]
    carry = pack_like(init, init_flat) if _is_nested(init) else init_flat[0]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    ys = []
    for i in order:
        x = None
        if xs_flat:
            slices = [item[i] for item in xs_flat]
            x = pack_like(xs, slices) if _is_nested(xs) else slices[0]
        carry, y = f(carry, x)
        ys.append([torch.zeros_like(v) for v in init_flat] if y is None else y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    stacked = [torch.stack(items) for items in zip(*(flatten(y) for y in ys))]
    return carry, pack_like(ys[0], stacked) if _is_nested(ys[0]) else stacked[0]


def map(f, xs):  # noqa: A001 - Keras's name
    """``f`` applied to each slice of ``xs`` along its leading axis, results stacked, as
    ``keras.ops.map``."""
    _check_callable("map", "f", f)
    return scan(lambda carry, x: ((), f(x)), (), xs)[1]


def associative_scan(f, elems, reverse=False, axis=0):
    """The inclusive scan of the associative ``f`` over ``axis`` of ``elems`` (a tensor or a
    structure of tensors), as ``keras.ops.associative_scan``: ``out[i] = f(out[i - 1], elems[i])``.

    ``f`` is called on slices that keep ``axis`` (size 1), as JAX's batched calls do.
    """
    _check_callable("associative_scan", "f", f)
    flat = [tensor(e) for e in flatten(elems)]
    if not flat:
        return elems
    size = flat[0].shape[axis]
    if any(e.shape[axis] != size for e in flat):
        raise ValueError(
            "associative_scan: every element must have the same size along `axis`. "
            f"Received: shapes {[tuple(e.shape) for e in flat]}, axis={axis}."
        )
    nested = _is_nested(elems)
    order = range(size - 1, -1, -1) if reverse else range(size)
    outputs, running = [], None
    for i in order:
        current = [e.narrow(axis, i, 1) for e in flat]
        if running is None:
            running = current
        else:
            result = f(pack_like(elems, running), pack_like(elems, current)) if nested else f(running[0], current[0])
            running = [tensor(r) for r in flatten(result)]
        outputs.append(running)
    if reverse:
        outputs.reverse()
    stacked = [torch.cat(parts, dim=axis) for parts in zip(*outputs)]
    return pack_like(elems, stacked) if nested else stacked[0]


def vectorized_map(function, elements):
    """``function`` mapped over the leading axis of ``elements`` with ``torch.vmap``, as
    ``keras.ops.vectorized_map``."""
    return torch.vmap(function)(elements)
