"""Every conversion between lamina's weight layout and Keras's, in one place.

lamina stores weights the way PyTorch's own modules do, so its kernels run without
copies and ``state_dict()`` looks like PyTorch's (Dense kernel ``(out, in)`` as in
``nn.Linear``). Keras stores a Dense kernel ``(in, out)``. ``get_weights``,
``set_weights`` and Keras file interop pass every weight through ``to_keras`` /
``from_keras`` with the layout its layer declared in ``add_weight(..., layout=...)``.
Each layout has a test that checks both directions against layer outputs.

Recurrent and attention layouts (lamina layout <-> Keras layout):

- ``rnn_kernel``: SimpleRNN / LSTM ``kernel`` and ``recurrent_kernel``, stored as
  ``nn.RNN`` / ``nn.LSTM`` store ``weight_ih`` / ``weight_hh``: ``(gates*units, in)``
  <-> Keras ``(in, gates*units)``. A transpose only: Keras's LSTM gate order
  (i, f, c, o) is PyTorch's (i, f, g, o).
- ``gru_kernel``: GRU ``kernel`` / ``recurrent_kernel``, ``(3*units, in)`` in PyTorch's
  gate order (r, z, n) <-> Keras ``(in, 3*units)`` in Keras's order (z, r, h): a
  transpose plus swapping the first two gate blocks.
- ``gru_bias``: GRU ``bias``, ``(3*units,)`` or ``(2, 3*units)`` (input bias, recurrent
  bias; ``reset_after=True``), gate blocks swapped as for ``gru_kernel``.
- ``mha_projection_kernel``: MultiHeadAttention query/key/value kernels, stored
  ``(heads, head_dim, in)`` so that a flat view is ``nn.Linear``'s weight <-> Keras's
  EinsumDense ``(in, heads, head_dim)``.
- ``mha_output_kernel``: MultiHeadAttention output kernel, stored ``(out, heads,
  head_dim)`` <-> Keras ``(heads, head_dim, out)``.
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


def _conv_kernel_to_keras(value):
    # torch (out, in, *k) -> Keras (*k, in, out); transposed conv: (in, out, *k) -> (*k, out, in)
    rank = value.ndim - 2
    return _permute(value, (*range(2, rank + 2), 1, 0))


def _conv_kernel_from_keras(value):
    rank = value.ndim - 2
    return _permute(value, (rank + 1, rank, *range(rank)))


def _depthwise_to_keras(depth_multiplier):
    def convert(value):
        # torch (in * multiplier, 1, *k) -> Keras (*k, in, multiplier)
        kernel = tuple(value.shape[2:])
        flat = _permute(value.reshape(value.shape[0], *kernel), (*range(1, len(kernel) + 1), 0))
        return flat.reshape(*kernel, value.shape[0] // depth_multiplier, depth_multiplier)

    return convert


def _depthwise_from_keras(value):
    # Keras (*k, in, m) -> torch (in * m, 1, *k); output channel i * m + j, as Keras orders them
    kernel = tuple(value.shape[:-2])
    flat = value.reshape(*kernel, value.shape[-2] * value.shape[-1])
    flat = _permute(flat, (len(kernel), *range(len(kernel))))
    return flat.reshape(flat.shape[0], 1, *kernel)


def _swap_first_two_gates(value, axis):
    """Swap gate blocks 0 and 1 of three along ``axis``: Keras (z, r, h) <-> torch (r, z, n)."""
    size = value.shape[axis] // 3
    order = np.r_[size : 2 * size, 0:size, 2 * size : 3 * size]
    if isinstance(value, torch.Tensor):
        return value.index_select(axis, torch.as_tensor(order, device=value.device))
    return np.take(value, order, axis=axis)


def _gru_kernel_from_keras(value):
    return _swap_first_two_gates(_permute(value, (1, 0)), axis=0)


def _gru_kernel_to_keras(value):
    return _permute(_swap_first_two_gates(value, axis=0), (1, 0))


def _gru_bias(value):
    return _swap_first_two_gates(value, axis=value.ndim - 1)


def _mha_projection_to_keras(value):
    return _permute(value, (2, 0, 1))


def _mha_projection_from_keras(value):
    return _permute(value, (1, 2, 0))


_LAYOUTS = {
    # name: (lamina -> keras, keras -> lamina)
    "identity": (_identity, _identity),
    "dense_kernel": (_dense_kernel, _dense_kernel),
    # Conv1D/2D/3D: Keras (*kernel_size, in / groups, filters), torch (filters, in / groups, *k)
    "conv_kernel": (_conv_kernel_to_keras, _conv_kernel_from_keras),
    # Conv*DTranspose: Keras (*kernel_size, filters, in), torch (in, filters, *kernel_size)
    "conv_transpose_kernel": (_conv_kernel_to_keras, _conv_kernel_from_keras),
    # SeparableConv pointwise: Keras (1, ..., 1, in * m, filters), torch (filters, in * m, 1, ...)
    "separable_pointwise_kernel": (_conv_kernel_to_keras, _conv_kernel_from_keras),
    # Recurrent and attention layouts: see the module docstring.
    "rnn_kernel": (_dense_kernel, _dense_kernel),
    "gru_kernel": (_gru_kernel_to_keras, _gru_kernel_from_keras),
    "gru_bias": (_gru_bias, _gru_bias),
    "mha_projection_kernel": (_mha_projection_to_keras, _mha_projection_from_keras),
    "mha_output_kernel": (_mha_projection_from_keras, _mha_projection_to_keras),
}


def depthwise_kernel_layout(depth_multiplier):
    """Name of the depthwise-kernel layout for ``depth_multiplier``, registered on first use.

    Keras stores a depthwise kernel ``(*kernel_size, in, multiplier)``; lamina stores the
    weight of torch's grouped convolution, ``(in * multiplier, 1, *kernel_size)``. Going
    back needs the multiplier, so each multiplier has its own layout name.
    """
    name = f"depthwise_kernel_x{int(depth_multiplier)}"
    if name not in _LAYOUTS:
        _LAYOUTS[name] = (_depthwise_to_keras(int(depth_multiplier)), _depthwise_from_keras)
    return name


def register_layout(name, to_keras_fn, from_keras_fn):
    """Add a layout conversion; layers name it in ``add_weight(layout=name)``."""
    _LAYOUTS[name] = (to_keras_fn, from_keras_fn)


def _lookup(layout):
    multiplier = str(layout).removeprefix("depthwise_kernel_x")
    if layout not in _LAYOUTS and multiplier != str(layout) and multiplier.isdigit():
        depthwise_kernel_layout(multiplier)
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
