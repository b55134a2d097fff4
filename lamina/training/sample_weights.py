"""Per-sample weights from ``class_weight`` and ``sample_weight``."""

import torch

from lamina.errors import InputError
from lamina.training.validation_split import class_labels


def class_weights_for(y, class_weight):
    """One weight per sample: ``class_weight[label]`` (labels sparse or one-hot)."""
    if not isinstance(class_weight, dict) or not class_weight:
        raise InputError(f"class_weight must be a dict {{class_id: weight}}. Received: {class_weight!r}.")
    labels = class_labels(y) if isinstance(y, torch.Tensor) else None
    if labels is None:
        raise InputError(
            "class_weight needs class labels as targets (integer ids, or one-hot rows) for a single output."
        )
    size = max(max(int(k) for k in class_weight), int(labels.max())) + 1
    table = torch.ones(size, dtype=torch.float32)
    for key, value in class_weight.items():
        table[int(key)] = float(value)
    return table[torch.as_tensor(labels, dtype=torch.long)].to(y.device)


def combine_weights(sample_weight, class_weights):
    if sample_weight is None:
        return class_weights
    return sample_weight.reshape(-1) * class_weights.to(sample_weight.device)
