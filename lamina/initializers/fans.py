"""Fan-in and fan-out of a weight, computed on its Keras-layout shape."""


def compute_fans(shape):
    """Return ``(fan_in, fan_out)`` of a weight of Keras-layout ``shape``, as Keras does.

    - rank 0: ``(1, 1)``; rank 1: ``(n, n)``;
    - rank 2 (Dense kernel ``(in, out)``): ``(in, out)``;
    - rank >= 3 (conv kernel ``(*spatial, in, out)``): both are multiplied by the
      receptive field size ``prod(spatial)``.

    The shape must be in Keras layout (channels last, input before output), not
    PyTorch's ``(out, in, *spatial)``; layers pass their Keras-layout kernel shape.
    """
    shape = tuple(int(dim) for dim in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = 1
    for dim in shape[:-2]:
        receptive_field *= dim
    return shape[-2] * receptive_field, shape[-1] * receptive_field
