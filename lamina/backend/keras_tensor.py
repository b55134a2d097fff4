"""``is_keras_tensor``: whether a value is a functional-API symbolic tensor.

The symbolic tensor class lives on the layers floor, above this one: ``lamina.layers.symbolic``
registers it here (``register_keras_tensor_type``), so the backend imports nothing above it.
"""

_KERAS_TENSOR_TYPES = ()


def register_keras_tensor_type(cls):
    """Make ``is_keras_tensor`` recognise instances of ``cls``."""
    global _KERAS_TENSOR_TYPES
    if cls not in _KERAS_TENSOR_TYPES:
        _KERAS_TENSOR_TYPES = (*_KERAS_TENSOR_TYPES, cls)


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor of the functional API (``lamina.KerasTensor``).

    Args:
        x: Any value.

    Returns:
        True for a ``KerasTensor`` (from ``lamina.Input``, or a layer or op called on one);
        False for torch tensors, arrays and numbers.
    """
    return isinstance(x, _KERAS_TENSOR_TYPES)
