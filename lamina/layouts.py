"""Every conversion between lamina's weight layout and Keras's, in one place.

lamina stores weights the way PyTorch's own modules do, so its kernels run without
copies and ``state_dict()`` looks like PyTorch's (Dense kernel ``(out, in)`` as in
``nn.Linear``). Keras stores a Dense kernel ``(in, out)``. ``get_weights``,
``set_weights`` and Keras file interop pass every weight through ``to_keras`` /
``from_keras`` with the layout its layer declared in ``add_weight(..., layout=...)``.
Each layout has a test that checks both directions against layer outputs.
"""

import numpy as np
import torch

from lamina.errors import ConfigurationError


def _permute(value, axes):
    if isinstance(value, torch.Tensor):
        return value.permute(*axes)
    return np.transpose(value, axes)


def _identity(value):
    return value


def _dense_kernel(value):
    return _permute(value, (1, 0))


_LAYOUTS = {
    # name: (lamina -> keras, keras -> lamina)
    "identity": (_identity, _identity),
    "dense_kernel": (_dense_kernel, _dense_kernel),
}


def register_layout(name, to_keras_fn, from_keras_fn):
    """Add a layout conversion; layers name it in ``add_weight(layout=name)``."""
    _LAYOUTS[name] = (to_keras_fn, from_keras_fn)


def _lookup(layout):
    try:
        return _LAYOUTS[layout]
    except KeyError:
        raise ConfigurationError(
            f"Unknown weight layout. Received: layout={layout!r}. Known layouts: {sorted(_LAYOUTS)}."
        ) from None


def to_keras(layout, value):
    """Convert a weight from lamina's (PyTorch) layout to Keras's."""
    return _lookup(layout)[0](value)


def from_keras(layout, value):
    """Convert a weight from Keras's layout to lamina's (PyTorch) layout."""
    return _lookup(layout)[1](value)


def keras_shape(layout, shape):
    """The Keras-layout shape of a weight stored with ``shape`` in lamina's layout."""
    return tuple(to_keras(layout, np.empty(shape, dtype=np.uint8)).shape)
