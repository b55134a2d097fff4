"""Scale and zero point of asymmetric grouped quantization (the tensor path of
``abs_max_quantize_grouped_with_zero_point``), with Keras's signed-range arithmetic."""

import torch


def quantization_parameters(x, *, bits, group_size, epsilon, compute_dtype):
    """``(scale, zero_point)`` of ``x`` (``(out_features, in_features)``), each of shape
    ``(out_features, n_groups)``, for a signed ``bits``-bit range, ``zero_point`` int8.

    Groups of ``group_size`` columns (the last one zero-padded) when there are several;
    one group spans the whole row otherwise (no padding). A row whose minimum equals its
    maximum is widened by 1 on each side.
    """
    out_features, in_features = x.shape
    groups = (in_features + group_size - 1) // group_size
    if groups > 1:
        padded = torch.nn.functional.pad(x, (0, groups * group_size - in_features))
        rows = padded.reshape(out_features, groups, group_size)
        smallest, largest = rows.amin(dim=2), rows.amax(dim=2)
    else:
        smallest, largest = x.amin(dim=1), x.amax(dim=1)
    flat = smallest == largest
    smallest = torch.where(flat, smallest - 1, smallest)
    largest = torch.where(flat, largest + 1, largest)
    levels = torch.tensor(2**bits - 1, dtype=compute_dtype, device=x.device)
    spread = largest - smallest
    if epsilon > 0:
        spread = spread + epsilon
    scale = spread / levels
    scale = torch.where(scale <= 0, torch.tensor(1e-8, dtype=scale.dtype, device=x.device), scale)
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    zero_point = torch.clip(torch.round(-smallest / scale) + low, low, high)
    if groups == 1:
        scale, zero_point = scale.reshape(-1, 1), zero_point.reshape(-1, 1)
    return scale, zero_point.to(torch.int8)
