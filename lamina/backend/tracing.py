"""Bookkeeping that ``torch.compile`` (``compile(jit_compile=True)``) must not trace."""

import functools

import torch


def eager_when_traced(function):
    """``function``, run eagerly even when called from code ``torch.compile`` traces.

    Host-side state (Python step counters, sample counts) changes at every step; traced,
    each new value would be a new graph. The cost when nothing is being compiled is one
    ``torch.compiler.is_compiling()`` check.
    """
    eager = torch.compiler.disable(function)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if torch.compiler.is_compiling():
            return eager(*args, **kwargs)
        return function(*args, **kwargs)

    return wrapper
