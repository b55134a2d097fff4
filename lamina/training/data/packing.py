"""Keras's ``pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``.

An overridden ``train_step`` / ``test_step`` / ``predict_step`` receives each batch packed
as Keras packs it: the inputs alone when there are no targets (``fit(x)``), ``(x, y)`` with
targets, ``(x, y, sample_weight)`` with weights too. ``unpack_x_y_sample_weight(data)``
always gives the triple back.
"""

from lamina.errors import InputError


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``x`` (or ``(x,)`` if ``x`` is a tuple/list), ``(x, y)`` or ``(x, y, sample_weight)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a packed batch, with ``None`` for what is absent."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 3:
        return data
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    raise InputError(
        "Data is expected to be x, (x,), (x, y) or (x, y, sample_weight). Received a tuple of "
        f"length {len(data)}."
    )
