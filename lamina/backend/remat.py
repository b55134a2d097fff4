"""Rematerialization (gradient checkpointing): ``remat`` and ``RematScope``, as Keras's.

``remat(f)`` wraps ``f`` in ``torch.utils.checkpoint.checkpoint`` (non-reentrant), as
Keras's torch backend does: the activations inside ``f`` are not kept for the backward
pass but recomputed there, trading compute for memory; gradients are unchanged.
``RematScope(mode)`` applies it to the layers *created* inside the scope when they are
called (Keras's rule): "full" every layer, "larger_than" layers whose output has more
than ``output_size_threshold`` elements, "list_of_layers" the layers named in
``layer_names``, "activations" only the layer's ``activation``.
"""

import collections
import math

import torch
from torch.utils import checkpoint

from lamina.errors import ConfigurationError

RematMode = collections.namedtuple("RematMode", ["mode", "output_size_threshold", "layer_names"])
_MODES = ("full", "activations", "larger_than", "list_of_layers", None)
_stack = []


def remat(f):
    """``f`` rematerialized: its intermediate activations are recomputed in the backward pass.

    Args:
        f: A function or layer of tensors.

    Returns:
        A function with ``f``'s results and gradients that keeps less memory.
    """

    def wrapped(*args, **kwargs):
        return checkpoint.checkpoint(f, *args, use_reentrant=False, **kwargs)

    return wrapped


class RematScope:
    """Rematerialize the layers created inside this scope when they run.

    Args:
        mode: "full", "activations", "larger_than", "list_of_layers" or None (off).
        output_size_threshold: For "larger_than": the number of output elements (the
            whole output shape, as Keras counts it) above which a layer is
            rematerialized. Defaults to 1024.
        layer_names: For "list_of_layers": the names of the layers to rematerialize.
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ConfigurationError(
                f"RematScope: `mode` must be one of {list(_MODES)}. Received: mode={mode!r}."
            )
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        _stack.append(self)
        return self

    def __exit__(self, *exc):
        _stack.remove(self)


def get_current_remat_mode():
    """The innermost scope's ``RematMode``, or ``None`` outside any (or with mode None)."""
    if not _stack or _stack[-1].mode is None:
        return None
    top = _stack[-1]
    return RematMode(top.mode, top.output_size_threshold, top.layer_names)


def rematerialized_call(layer, call, mode, inputs, args, kwargs):
    """Run ``call(inputs, *args, **kwargs)`` for ``layer`` under its remat ``mode``."""
    if not torch.is_grad_enabled():
        return call(inputs, *args, **kwargs)
    if mode.mode == "activations":
        activation = getattr(layer, "activation", None)
        if activation is None or not callable(activation):
            return call(inputs, *args, **kwargs)
        layer.__dict__["activation"] = remat(activation)
        try:
            return call(inputs, *args, **kwargs)
        finally:
            layer.__dict__["activation"] = activation
    if mode.mode == "list_of_layers" and layer.name not in mode.layer_names:
        return call(inputs, *args, **kwargs)
    if mode.mode == "larger_than":
        shape = getattr(inputs, "shape", None)
        output_shape = layer.compute_output_shape(tuple(shape)) if shape is not None else None
        if not output_shape or math.prod(d or 1 for d in output_shape) <= mode.output_size_threshold:
            return call(inputs, *args, **kwargs)
    return remat(call)(inputs, *args, **kwargs)
