"""Maximum: the element-wise maximum of a list of tensors."""

import torch

from lamina.layers.merging.base_merge import Merge, reduce_skipping_masked


class Maximum(Merge):
    """Element-wise maximum of a list of tensors; masked-out entries never win (Keras 3)."""

    operation = "element-wise maximum"

    def _merge_function(self, inputs, masks):
        return reduce_skipping_masked(torch.maximum, inputs, masks)


def maximum(inputs, **kwargs):
    """Functional form of ``Maximum``."""
    return Maximum(**kwargs)(inputs)
