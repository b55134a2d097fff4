"""Layers: every one a ``torch.nn.Module`` with Keras's arguments and defaults.

Each family lives in its own subpackage and is re-exported here.
"""

from lamina.layers.core import *  # noqa: F403
from lamina.layers.core import __all__ as _core

__all__ = [*_core]
