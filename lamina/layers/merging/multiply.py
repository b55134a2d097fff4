"""Multiply: the element-wise product of a list of tensors."""

import torch

from lamina.layers.merging.base_merge import Merge, expand_mask


class Multiply(Merge):
    """Multiplies a list of tensors of the same (or broadcastable) shape.

    With masks (Keras 3): masked-out entries of an input count as 1; when every input
    is masked, entries masked out in all inputs are 0 in the output.
    """

    operation = "element-wise multiplication"

    def _merge_function(self, inputs, masks):
        all_masked = all(m is not None for m in masks)
        output, output_mask = None, None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = expand_mask(mask, x)
                x = torch.where(mask, x, torch.ones((), dtype=x.dtype, device=x.device))
                if all_masked:
                    output_mask = mask if output_mask is None else output_mask | mask
            output = x if output is None else output * x
        if all_masked:
            output = torch.where(output_mask, output, torch.zeros((), dtype=output.dtype, device=output.device))
        return output


def multiply(inputs, **kwargs):
    """Functional form of ``Multiply``."""
    return Multiply(**kwargs)(inputs)
