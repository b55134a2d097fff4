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

from lamina.backend.torch_internals import PRIVATE


def values_key(tensors, private=PRIVATE):
    """A hashable key that changes when any of ``tensors`` (None entries allowed) is
    written in place or given new storage; None where that cannot be told."""
    if not private:
        return None
    return tuple(None if t is None else (t.data_ptr(), t._version, t.dtype, t.device) for t in tensors)
