"""``is_keras_tensor``: whether a value is a functional-API symbolic tensor."""


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor of the functional API (``lamina.KerasTensor``).

    Args:
        x: Any value.

    Returns:
        True for a ``KerasTensor`` (from ``lamina.Input``, or a layer or op called on one);
        False for torch tensors, arrays and numbers.
    """
    from lamina.layers.symbolic import KerasTensor  # noqa: PLC0415  (the layers floor sits above)

    return isinstance(x, KerasTensor)
