"""Minimum: the element-wise minimum of a list of tensors."""

import torch

from lamina.layers.merging.base_merge import Merge, reduce_skipping_masked


class Minimum(Merge):
    """Element-wise minimum of a list of tensors; masked-out entries never win (Keras 3)."""

    operation = "element-wise minimum"

    def _merge_function(self, inputs, masks):
        return reduce_skipping_masked(torch.minimum, inputs, masks)


def minimum(inputs, **kwargs):
    """Functional form of ``Minimum``."""
    return Minimum(**kwargs)(inputs)
