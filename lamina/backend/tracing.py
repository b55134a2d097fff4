"""Bookkeeping that ``torch.compile`` (``compile(jit_compile=True)``) must not trace.

``torch.compiler.disable`` imports TorchDynamo, a second of start-up that a program which
never compiles should not pay at ``import lamina``. So the eager versions are made when
TorchDynamo is there anyway: at once if it is already imported, by ``prepare_for_tracing``
(which ``compile(jit_compile=True)`` calls before ``torch.compile``), or at the first eager
call after something imported it (a user's own ``torch.compile(model)``).
"""

import functools
import sys

import torch

_waiting = []  # the eager_when_traced functions whose eager version is not made yet


def eager_when_traced(function):
    """``function``, run eagerly even when called from code ``torch.compile`` traces.

    Host-side state (Python step counters, sample counts) changes at every step; traced,
    each new value would be a new graph. The cost when nothing is being compiled is one
    ``torch.compiler.is_compiling()`` check (and, until TorchDynamo is imported, a look
    into ``sys.modules``).
    """
    eager = []

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if torch.compiler.is_compiling():
            if not eager:  # traced before any eager call: correct, at the price of a graph break
                _make_eager(eager, function)
            return eager[0](*args, **kwargs)
        if not eager and "torch._dynamo" in sys.modules:
            _make_eager(eager, function)
        return function(*args, **kwargs)

    if "torch._dynamo" in sys.modules:
        _make_eager(eager, function)
    else:
        _waiting.append((eager, function))
    return wrapper


def prepare_for_tracing():
    """Make every waiting eager version now, before ``torch.compile`` traces any of them."""
    while _waiting:
        eager, function = _waiting.pop()
        if not eager:
            _make_eager(eager, function)


def _make_eager(eager, function):
    eager.append(torch.compiler.disable(function))
