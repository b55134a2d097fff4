"""Weights created without running their initializer, for values a file then overwrites.

``load_model`` builds a whole model from its config only to replace every weight with
the saved one; on a large model most of the load time went to initializers whose values
were never used. Inside ``skip_initializers()`` ``Layer.add_weight`` makes uninitialized tensors
and notes how to initialize them; ``initialize_left_out`` then runs the initializers of
the weights the file did not write, so no weight is left without its proper value.
"""

import contextlib

import torch

from lamina import layouts
from lamina.backend.device import get_device

_active = []  # the recorders of the open skip_initializers() scopes


@contextlib.contextmanager
def skip_initializers():
    """Within the block, new weights are left uninitialized; yields the list of what was skipped."""
    recorder = []
    _active.append(recorder)
    try:
        yield recorder
    finally:
        _active.remove(recorder)


def recorder():
    """The open scope's list of skipped initializations, or None outside one."""
    return _active[-1] if _active else None


def placeholder(layout, keras_shape, dtype):
    """An uninitialized tensor of lamina's shape for a weight of Keras-layout ``keras_shape``."""
    try:
        shape = layouts.from_keras(layout, torch.empty(keras_shape, dtype=dtype, device="meta")).shape
    except (NotImplementedError, RuntimeError, TypeError):  # a layout that needs real values
        shape = layouts.from_keras(layout, torch.empty(keras_shape, dtype=dtype)).shape
    return torch.empty(shape, dtype=dtype, device=get_device())


def initialize_left_out(skipped, written):
    """Run the skipped initializers of the weights not in ``written`` (tensor ids)."""
    with torch.no_grad():
        for tensor, make_value in skipped:
            if id(tensor) not in written:
                tensor.copy_(make_value())
