"""Subtract: ``inputs[0] - inputs[1]``."""

from lamina.layers.merging.base_merge import Merge


class Subtract(Merge):
    """Subtracts the second of exactly two tensors from the first."""

    min_inputs = max_inputs = 2
    operation = "element-wise subtraction"

    def _merge_function(self, inputs, masks):
        if len(inputs) != 2:
            self._check_count([tuple(x.shape) for x in inputs])
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs):
    """Functional form of ``Subtract``: ``subtract([x1, x2])`` is ``x1 - x2``."""
    return Subtract(**kwargs)(inputs)
