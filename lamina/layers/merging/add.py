"""Add: the element-wise sum of a list of tensors."""

import functools
import operator

from lamina.layers.merging.base_merge import Merge


class Add(Merge):
    """Adds a list of tensors of the same (or broadcastable) shape.

    Example:
        >>> import lamina
        >>> a, b = lamina.Input((16,)), lamina.Input((16,))
        >>> lamina.layers.Add()([a, b]).shape
        (None, 16)
    """

    operation = "element-wise addition"

    def _merge_function(self, inputs, masks):
        return functools.reduce(operator.add, inputs)


def add(inputs, **kwargs):
    """Functional form of ``Add``: ``add([x1, x2])`` is ``Add(**kwargs)([x1, x2])``."""
    return Add(**kwargs)(inputs)
