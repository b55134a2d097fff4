"""Optimizer state inside a weights file, so training resumes where it stopped.

``optimizer/vars`` is written as Keras 3 writes it: ``0`` the step count, ``1`` the
learning rate (not with a schedule: Keras keeps no learning-rate variable then, and the
slots start at ``1``), then the optimizer's slot variables in Keras's order and layout
(``keras_slots``: Adam's moments, SGD's momentum, RMSprop's velocity...), converted from
torch's state. ``optimizer/torch_state`` holds torch's exact state per trainable weight;
lamina prefers it when present, and falls back on the Keras slots for files Keras wrote.
"""

import warnings

import numpy as np
import torch

from lamina import layouts
from lamina.saving.h5_writing import fixed_string


def keras_slots(optimizer):
    """Keras's slot variables of ``optimizer`` as groups of ``(torch state key, factor)``:
    Keras lists each group's slots weight by weight (within a group, interleaved), one
    group after the other; ``factor`` turns torch's value into Keras's. ``None`` when the
    conversion is unknown (Nadam: Keras keeps one shared momentum product).

    Momentum is where the two differ in units: torch keeps SGD's and RMSprop's buffer
    without the learning rate (``w -= lr * buf``), Keras with it (SGD ``w += m``, ``m =
    -lr * buf``; RMSprop ``w -= m``, ``m = lr * buf``). Both at the current rate.
    """
    name, rate = type(optimizer).__name__, float(optimizer.learning_rate)
    if name in ("Adam", "AdamW"):
        groups = [[("exp_avg", 1.0), ("exp_avg_sq", 1.0)]]
        return groups + [[("max_exp_avg_sq", 1.0)]] if optimizer.amsgrad else groups
    if name == "SGD":
        return [[("momentum_buffer", -rate)]] if optimizer.momentum > 0 else []
    if name == "RMSprop":
        groups = [[("square_avg", 1.0)]]
        groups += [[("momentum_buffer", rate)]] if optimizer.momentum > 0 else []
        return groups + ([[("grad_avg", 1.0)]] if optimizer.centered else [])
    return {
        "Adagrad": [[("sum", 1.0)]],
        "Adamax": [[("exp_avg", 1.0), ("exp_inf", 1.0)]],
        "Adadelta": [[("square_avg", 1.0), ("acc_delta", 1.0)]],
        "Lion": [[("exp_avg", 1.0)]],
    }.get(name)


def _slot_order(groups, entries):
    """``(entry position, torch key, factor)`` in Keras's variable order."""
    return [(position, key, factor) for group in groups for position in range(len(entries)) for key, factor in group]


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
    groups = keras_slots(optimizer)
    if groups:
        index = 1 if scheduled else 2
        for position, key, factor in _slot_order(groups, entries):
            tensor, layout = entries[position]
            value = torch_optimizer.state.get(tensor, {}).get(key)
            value = torch.zeros_like(tensor) if value is None else value.detach() * factor
            group.create_dataset(str(index), data=layouts.to_keras(layout, value.cpu()).contiguous().numpy())
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
    """Restore optimizer state saved by ``write_optimizer`` (or by Keras)."""
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
    _read_keras_slots(group, optimizer, entries, 1 if scheduled else 2, fused)


def _read_keras_slots(group, optimizer, entries, first, fused):
    groups = keras_slots(optimizer)
    order = [] if groups is None else _slot_order(groups, entries)
    stored = len(group) - first
    if stored <= 0:
        return
    if groups is None or stored != len(order):
        warnings.warn(
            f"The file holds {stored} optimizer slot arrays written by Keras for "
            f"{type(optimizer).__name__} with other settings or a layout lamina does not convert "
            f"(Nadam's shared momentum product, gradient accumulation...), so this optimizer "
            f"resumes with its step count and learning rate but fresh momentum/accumulators "
            f"(training continues, not exactly as in Keras).",
            stacklevel=4,
        )
        return
    if optimizer.iterations == 0:
        return
    torch_optimizer = optimizer.torch_optimizer
    states = [{} for _ in entries]
    for index, (position, key, factor) in enumerate(order, start=first):
        tensor, layout = entries[position]
        value = torch.from_numpy(np.asarray(group[str(index)][()]))
        value = layouts.from_keras(layout, value).to(dtype=tensor.dtype, device=tensor.device).contiguous()
        states[position][key] = value if factor == 1.0 else (value / factor if factor else value * 0.0)
    for (tensor, _), state in zip(entries, states):
        if type(optimizer).__name__ not in ("SGD", "Lion"):  # the torch optimizers that count steps
            step = torch.tensor(float(optimizer.iterations), dtype=torch.float32)
            state["step"] = step.to(tensor.device) if fused else step
        torch_optimizer.state[tensor] = state
