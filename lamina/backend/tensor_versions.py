"""Whether tensors were written since a moment: their storage and in-place write counters.

A cache derived from weights (``lamina.models.conv_bn_folding`` keeps a convolution's
kernel with a BatchNormalization folded in) stays valid while ``values_key`` of its
sources is unchanged. Every in-place write through the tensor bumps its version counter
(optimizer steps, ``assign``, ``set_weights``, ``load_state_dict``, ``copy_`` under
``no_grad``) and a new ``.data`` changes its storage. A write through a detached alias
made by ``.data`` (``w.data.copy_(...)``) has a counter of its own and goes unseen, as it
does for autograd.

The counter is private (``Tensor._version``): it is read on checked torch releases only
(``torch_internals.PRIVATE``); elsewhere ``values_key`` is None, meaning "cannot tell",
and a cache must recompute.
"""

import contextlib
import contextvars
import itertools

from lamina.backend.torch_internals import PRIVATE

_SETTLED = contextvars.ContextVar("lamina_weights_settled", default=None)
_ENTRIES = itertools.count(1)


@contextlib.contextmanager
def weights_settled():
    """The scope of one lamina inference call (``predict``, ``evaluate``, ...; the trainer
    enters it). Caches derived from weights may be used inside it, and a cache made in an
    earlier scope is stale: even a write no counter sees (``w.data.copy_``) between two
    calls is never missed."""
    token = _SETTLED.set(next(_ENTRIES))
    try:
        yield
    finally:
        _SETTLED.reset(token)


def settled_weights_scope():
    """The current ``weights_settled`` scope's number (part of a cache key), or None
    outside one (where caches derived from weights must not be used)."""
    return _SETTLED.get()


def values_key(tensors, private=PRIVATE):
    """A hashable key that changes when any of ``tensors`` (None entries allowed) is
    written in place or given new storage; None where that cannot be told."""
    if not private:
        return None
    return tuple(None if t is None else (t.data_ptr(), t._version, t.dtype, t.device) for t in tensors)
