"""Layers: every one a ``torch.nn.Module`` with Keras's arguments and defaults.

Each family lives in its own subpackage and is re-exported here.
"""

import inspect as _inspect

from lamina.layers import keras_operations as _keras_operations  # noqa: F401  (registers operation nodes)
from lamina.layers.activations import *  # noqa: F403
from lamina.layers.activations import __all__ as _activations
from lamina.layers.attention import *  # noqa: F403
from lamina.layers.attention import __all__ as _attention
from lamina.layers.audio import *  # noqa: F403
from lamina.layers.audio import __all__ as _audio
from lamina.layers.convolutional import *  # noqa: F403
from lamina.layers.convolutional import __all__ as _convolutional
from lamina.layers.core import *  # noqa: F403
from lamina.layers.core import __all__ as _core
from lamina.layers.layer_serialization import deserialize, serialize
from lamina.layers.merging import *  # noqa: F403
from lamina.layers.merging import __all__ as _merging
from lamina.layers.normalization import *  # noqa: F403
from lamina.layers.normalization import __all__ as _normalization
from lamina.layers.pooling import *  # noqa: F403
from lamina.layers.pooling import __all__ as _pooling
from lamina.layers.preprocessing import *  # noqa: F403
from lamina.layers.preprocessing import __all__ as _preprocessing
from lamina.layers.regularization import *  # noqa: F403
from lamina.layers.regularization import __all__ as _regularization
from lamina.layers.reshaping import *  # noqa: F403
from lamina.layers.reshaping import __all__ as _reshaping
from lamina.layers.rnn import *  # noqa: F403
from lamina.layers.rnn import __all__ as _rnn
from lamina.layers.sequence import *  # noqa: F403
from lamina.layers.sequence import __all__ as _sequence
from lamina.serialization.registry import register_builtin as _register_builtin

__all__ = [*_core, *_activations, *_merging, *_convolutional, *_pooling, *_sequence, *_rnn, *_normalization, *_reshaping, *_attention, *_audio, *_regularization, *_preprocessing, "deserialize", "serialize"]

# Layers register themselves with serialization, under their exported names.
_register_builtin(**{name: globals()[name] for name in __all__ if _inspect.isclass(globals()[name])})
