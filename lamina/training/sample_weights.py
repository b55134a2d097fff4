"""Per-sample weights from ``class_weight`` and ``sample_weight``."""

import torch

from lamina.errors import InputError


def class_weights_for(y, class_weight):
    """One weight per sample: ``class_weight[label]``. Labels are read as Keras reads
    them: the argmax of rows of several columns (one-hot), else the values rounded (so
    binary 0./1. float targets work)."""
    if not isinstance(class_weight, dict) or not class_weight:
        raise InputError(f"class_weight must be a dict {{class_id: weight}}. Received: {class_weight!r}.")
    if not isinstance(y, torch.Tensor):
        raise InputError(
            "class_weight needs the targets of a single output (one array of class labels). "
            "For a model with several outputs, pass sample_weight per output instead."
        )
    labels = y.argmax(dim=-1) if y.dim() > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = labels.round().long() if labels.is_floating_point() else labels.long()
    if len(labels) and int(labels.min()) < 0:
        raise InputError(f"class_weight needs class labels >= 0. Received a label {int(labels.min())}.")
    size = max(max(int(k) for k in class_weight), int(labels.max()) if len(labels) else 0) + 1
    table = torch.ones(size, dtype=torch.float32)
    for key, value in class_weight.items():
        table[int(key)] = float(value)
    return table.to(y.device)[labels.to(y.device)]


def combine_weights(sample_weight, class_weights):
    if sample_weight is None:
        return class_weights
    return sample_weight.reshape(-1) * class_weights.to(sample_weight.device)
