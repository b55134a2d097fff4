"""Segment reductions of ``keras.ops`` math: ``segment_sum``, ``segment_max``,
``segment_min``, ``segment_prod`` (rows of ``data`` grouped by ``segment_ids``)."""

import torch

from lamina.ops.arguments import tensors
from lamina.ops.operation import keras_op


def _segment_reduce(function, data, segment_ids, num_segments, reduction, empty):
    data, segment_ids = tensors(data, segment_ids)
    segment_ids = segment_ids.long()
    if segment_ids.dim() != 1 or segment_ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"{function}: segment_ids must be 1-D with one id per row of data. "
            f"Received: segment_ids.shape={tuple(segment_ids.shape)}, data.shape={tuple(data.shape)}."
        )
    if num_segments is None:
        num_segments = int(segment_ids.max()) + 1 if segment_ids.numel() else 0
    # Ids out of [0, num_segments) go to one extra row, dropped at the end.
    segment_ids = torch.where((segment_ids >= 0) & (segment_ids < num_segments), segment_ids, num_segments)
    compute = data if data.is_floating_point() else data.to(torch.float64)
    index = segment_ids.reshape(-1, *(1,) * (data.dim() - 1)).expand_as(data)
    out = torch.full((num_segments + 1, *data.shape[1:]), empty, dtype=compute.dtype, device=data.device)
    out = out.scatter_reduce(0, index, compute, reduction, include_self=True)
    return out[:-1].to(data.dtype)


@keras_op("SegmentSum", "math", operands=("data", "segment_ids"))
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """The sum of the rows of ``data`` in each segment (0 for an empty one), as
    ``keras.ops.segment_sum``; ``num_segments`` defaults to ``max(segment_ids) + 1``."""
    return _segment_reduce("segment_sum", data, segment_ids, num_segments, "sum", 0.0)


@keras_op("SegmentMax", "math", operands=("data", "segment_ids"))
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """The maximum of the rows of ``data`` in each segment (-inf for an empty one), as
    ``keras.ops.segment_max``."""
    return _segment_reduce("segment_max", data, segment_ids, num_segments, "amax", float("-inf"))


@keras_op("SegmentMin", "math", operands=("data", "segment_ids"))
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """The minimum of the rows of ``data`` in each segment (inf for an empty one), as
    ``keras.ops.segment_min``."""
    return _segment_reduce("segment_min", data, segment_ids, num_segments, "amin", float("inf"))


@keras_op("SegmentProd", "math", operands=("data", "segment_ids"))
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """The product of the rows of ``data`` in each segment (1 for an empty one), as
    ``keras.ops.segment_prod``."""
    return _segment_reduce("segment_prod", data, segment_ids, num_segments, "prod", 1.0)
