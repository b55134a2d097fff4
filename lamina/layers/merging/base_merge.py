"""``Merge``: the base of layers that combine a list of tensors element-wise."""

import functools

import torch

from lamina.backend import config as backend_config
from lamina.errors import InputError
from lamina.layers.layer import Layer
from lamina.layers.symbolic import KerasTensor
from lamina.tree.nested import flatten, is_shape


class Merge(Layer):
    """Combines a list of tensors of broadcast-compatible shapes into one.

    Shapes broadcast as in Keras: sizes must match or be 1, and an input of lower rank
    gains size-1 axes right after the batch axis. The output mask is the logical OR of
    the input masks when every input has one (Keras 3), else no mask.

    Subclasses implement ``_merge_function(inputs, masks)``; ``min_inputs`` /
    ``max_inputs`` bound how many inputs the layer takes. Shapes are checked by
    ``compute_output_shape`` on symbolic inputs; an eager call only compares batch sizes
    (torch would broadcast a batch of 1) and explains a failing torch op with the same
    check, so a correct step pays almost nothing.
    """

    min_inputs = 1
    max_inputs = None
    #: Words for error messages: "element-wise addition" etc.
    operation = "element-wise merge"
    shape_rule = (
        "Sizes must be equal on every axis, or 1 to broadcast (the batch axis must always be equal)"
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        inputs = self._as_list(inputs)
        batch = inputs[0].shape[0] if inputs[0].dim() else None
        if any(x.dim() == 0 or x.shape[0] != batch for x in inputs[1:]):
            self._merged_shape([tuple(x.shape) for x in inputs])
        ranks = {x.dim() for x in inputs}
        if len(ranks) > 1:
            rank = max(ranks)
            inputs = [x.reshape((x.shape[0],) + (1,) * (rank - x.dim()) + tuple(x.shape[1:])) for x in inputs]
        masks = mask if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        return self._merge_function(inputs, masks)

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return self._merged_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        masks = self._masks_for(inputs, mask)
        if any(m is None for m in masks):
            return None
        return functools.reduce(torch.logical_or, [m.bool() for m in masks])

    def _symbolic_output_dtype(self, inputs):
        dtypes = [t.dtype for t in flatten(inputs) if isinstance(t, KerasTensor)]
        return functools.reduce(torch.promote_types, dtypes)

    # ------------------------------------------------------------------ checks
    def _as_list(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise InputError(
                f"{type(self).__name__} '{self.name}' merges a list of tensors, e.g. "
                f"{type(self).__name__}()([x1, x2]). Received a single {type(inputs).__name__}."
            )
        return list(inputs)

    def _check_count(self, shapes):
        """``shapes`` must be a list of shapes of an allowed length; returns it as a list."""
        name = type(self).__name__
        if not isinstance(shapes, (list, tuple)) or is_shape(shapes) or not all(is_shape(s) for s in shapes):
            raise InputError(
                f"{name} '{self.name}' merges a list of tensors, e.g. {name}()([x1, x2]). "
                f"Received inputs of shape {shapes} (not a list of tensors)."
            )
        count = len(shapes)
        low, high = self.min_inputs, self.max_inputs
        if count < low or (high is not None and count > high):
            wanted = f"exactly {low}" if low == high else f"at least {low}"
            raise InputError(
                f"{name} '{self.name}' takes {wanted} input(s). Received {count} input(s) "
                f"of shapes {list(shapes)}."
            )
        return list(shapes)

    def _incompatible(self, shapes, why):
        raise InputError(
            f"{type(self).__name__} '{self.name}': inputs have incompatible shapes for "
            f"{self.operation}: {why}. Received shapes: {list(shapes)}. {self.shape_rule}."
        )

    def _merged_shape(self, shapes):
        """The broadcast shape of ``shapes`` (batch first), or a clear error."""
        shapes = self._check_count(shapes)
        if any(len(s) == 0 for s in shapes):
            self._incompatible(shapes, "every input needs a batch axis")
        batches = {s[0] for s in shapes} - {None}
        if len(batches) > 1:
            self._incompatible(shapes, f"batch sizes differ {sorted(batches)}")
        rank = max(len(s) - 1 for s in shapes)
        merged = [1] * rank
        for shape in shapes:
            aligned = (1,) * (rank - len(shape) + 1) + tuple(shape[1:])
            for axis, (have, size) in enumerate(zip(merged, aligned)):
                if have == 1:
                    merged[axis] = size
                elif have is None:
                    merged[axis] = None if size == 1 else size
                elif size not in (1, None, have):
                    self._incompatible(shapes, f"axis {axis + 1} has sizes {have} and {size}")
        batch = next(iter(batches)) if batches else None
        return (batch,) + tuple(merged)

    def _masks_for(self, inputs, mask):
        masks = list(mask) if isinstance(mask, (list, tuple)) else None
        if masks is None or not isinstance(inputs, (list, tuple)) or len(masks) != len(inputs):
            raise InputError(
                f"{type(self).__name__} '{self.name}': mask must be a list with one entry (a "
                f"mask or None) per input. Received: mask={mask!r} for {len(flatten(inputs))} input(s)."
            )
        return masks

    def _explain_call_error(self, inputs, err):
        if not isinstance(inputs, (list, tuple)):
            return
        try:
            self.compute_output_shape([tuple(getattr(x, "shape", ())) for x in inputs])
        except InputError as explained:
            raise explained from err


def float_result_dtype(dtype):
    """``dtype`` if it is a float type, else ``floatx`` (for merges that divide)."""
    return dtype if dtype.is_floating_point else backend_config.float_dtype()


def expand_mask(mask, like):
    """A boolean mask of ``like``'s shape: ``(batch, time)`` masks gain trailing axes."""
    mask = mask.bool()
    while mask.dim() < like.dim():
        mask = mask.unsqueeze(-1)
    return mask.expand_as(like)


def reduce_skipping_masked(op, inputs, masks):
    """Fold ``op`` over ``inputs`` where masked-out entries of one input defer to the others.

    Keras 3's rule for ``Maximum`` / ``Minimum``: an entry masked out in one input takes
    the running result (or the next input) instead, so it never wins.
    """
    output, output_mask = None, None
    for x, mask in zip(inputs, masks):
        mask = None if mask is None else expand_mask(mask, x)
        if output is None:
            output, output_mask = x, mask
            continue
        if mask is not None:
            x = torch.where(mask, x, output)
        if output_mask is not None:
            output = torch.where(output_mask, output, x)
        output_mask = None if mask is None or output_mask is None else output_mask | mask
        output = op(output, x)
    return output
