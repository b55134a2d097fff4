"""Optimizer state inside a weights file, so training resumes where it stopped.

``optimizer/vars`` is written as Keras 3 writes it: ``0`` the step count, ``1`` the
learning rate (not with a schedule: Keras keeps no learning-rate variable then, and the
moments start at ``1``), then, for Adam and AdamW, each trainable weight's first and second moment
(Keras's "momentum" and "velocity", the same quantities as torch's ``exp_avg`` and
``exp_avg_sq``) in Keras's layout. ``optimizer/torch_state`` holds torch's exact state
per trainable weight for every optimizer; lamina prefers it when present, and falls back
on the Keras moments for files Keras wrote.
"""

import warnings

import numpy as np
import torch

from lamina import layouts
from lamina.saving.h5_writing import fixed_string

_KERAS_MOMENTS = {"Adam": ("exp_avg", "exp_avg_sq"), "AdamW": ("exp_avg", "exp_avg_sq")}


def _trainable_entries(model):
    return [(tensor, layout) for tensor, layout, trainable, _ in model._weight_entries() if trainable]


def write_optimizer(root, model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return
    group = root.require_group("optimizer/vars")
    group.attrs["name"] = fixed_string(getattr(optimizer, "name", type(optimizer).__name__.lower()))
    group.create_dataset("0", data=np.int64(optimizer.iterations))
    scheduled = optimizer.learning_rate_schedule is not None
    if not scheduled:
        group.create_dataset("1", data=np.float32(optimizer.learning_rate))
    torch_optimizer = getattr(optimizer, "torch_optimizer", None)
    if torch_optimizer is None:
        return
    entries = _trainable_entries(model)
    moments = _KERAS_MOMENTS.get(type(optimizer).__name__)
    if moments and not getattr(optimizer, "amsgrad", False):
        index = 1 if scheduled else 2
        for tensor, layout in entries:
            state = torch_optimizer.state.get(tensor, {})
            for key in moments:
                value = state.get(key, torch.zeros_like(tensor)).detach().cpu()
                group.create_dataset(str(index), data=layouts.to_keras(layout, value).contiguous().numpy())
                index += 1
    exact = root.require_group("optimizer/torch_state")
    if not scheduled:
        exact.attrs["learning_rate"] = float(optimizer.learning_rate)
    for position, (tensor, _) in enumerate(entries):
        slot = exact.require_group(str(position))
        for key, value in torch_optimizer.state.get(tensor, {}).items():
            if isinstance(value, torch.Tensor):
                slot.create_dataset(key, data=value.detach().cpu().numpy())
            else:
                slot.attrs[key] = value


def read_optimizer(root, model):
    """Restore optimizer state saved by ``write_optimizer`` (or by Keras, for Adam/AdamW)."""
    optimizer = getattr(model, "optimizer", None)
    group = root.get("optimizer/vars")
    if optimizer is None or group is None or "0" not in group:
        return
    if not optimizer.built:
        optimizer.build(list(model.parameters()))
    optimizer.iterations = int(np.asarray(group["0"][()]))
    scheduled = optimizer.learning_rate_schedule is not None  # its value follows iterations
    if "1" in group and not scheduled:
        optimizer.learning_rate = float(np.asarray(group["1"][()]))
    torch_optimizer = optimizer.torch_optimizer
    entries = _trainable_entries(model)
    fused = any(g.get("fused") or g.get("capturable") for g in torch_optimizer.param_groups)
    exact = root.get("optimizer/torch_state")
    if exact is not None and len(exact) == len(entries):
        if "learning_rate" in exact.attrs and not scheduled:
            optimizer.learning_rate = float(exact.attrs["learning_rate"])
        for position, (tensor, _) in enumerate(entries):
            slot = exact[str(position)]
            state = {key: float(value) if np.ndim(value) == 0 else value for key, value in slot.attrs.items()}
            for key in slot.keys():
                value = torch.from_numpy(np.asarray(slot[key][()]))
                on_cpu = key == "step" and not fused
                state[key] = value.to("cpu" if on_cpu else tensor.device)
            if state:
                torch_optimizer.state[tensor] = state
        return
    moments = _KERAS_MOMENTS.get(type(optimizer).__name__)
    first = 1 if scheduled else 2
    convertible = moments and not getattr(optimizer, "amsgrad", False)
    if len(group) > first and not (convertible and len(group) == first + len(moments) * len(entries)):
        warnings.warn(
            f"The file holds {len(group) - first} optimizer slot arrays written by Keras for "
            f"{type(optimizer).__name__}; lamina converts Keras's Adam/AdamW moments only, so this "
            f"optimizer resumes with its step count and learning rate but fresh "
            f"momentum/accumulators (training continues, not exactly as in Keras).",
            stacklevel=3,
        )
        return
    if convertible and len(group) == first + len(moments) * len(entries) and optimizer.iterations > 0:
        index = first
        for tensor, layout in entries:
            step = torch.tensor(float(optimizer.iterations), dtype=torch.float32)
            state = {"step": step.to(tensor.device) if fused else step}
            for key in moments:
                value = torch.from_numpy(np.asarray(group[str(index)][()]))
                state[key] = layouts.from_keras(layout, value).to(dtype=tensor.dtype, device=tensor.device).contiguous()
                index += 1
            torch_optimizer.state[tensor] = state
