"""Average: the element-wise mean of a list of tensors."""

import functools
import operator

from lamina.layers.merging.base_merge import Merge, float_result_dtype


class Average(Merge):
    """Averages a list of tensors of the same (or broadcastable) shape."""

    operation = "element-wise average"

    def _merge_function(self, inputs, masks):
        return functools.reduce(operator.add, inputs) / len(inputs)

    def _symbolic_output_dtype(self, inputs):
        return float_result_dtype(super()._symbolic_output_dtype(inputs))


def average(inputs, **kwargs):
    """Functional form of ``Average``."""
    return Average(**kwargs)(inputs)
