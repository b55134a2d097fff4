"""Layers: every one a ``torch.nn.Module`` with Keras's arguments and defaults.

Each family lives in its own subpackage and is re-exported here.
"""

from lamina.layers.core import *  # noqa: F403
from lamina.layers.core import __all__ as _core
from lamina.layers.merging import *  # noqa: F403
from lamina.layers.merging import __all__ as _merging
from lamina.layers.convolutional import *  # noqa: F403
from lamina.layers.convolutional import __all__ as _convolutional
from lamina.layers.pooling import *  # noqa: F403
from lamina.layers.pooling import __all__ as _pooling

__all__ = [*_core, *_merging, *_convolutional, *_pooling]
