"""Keras's base-optimizer variables in ``optimizer/vars``: EMA averages, gradient accumulators.

Keras's ``BaseOptimizer.build`` creates, after ``iteration`` and ``learning_rate`` and before
the optimizer's own slots, one ``average`` per trainable weight (``use_ema``), then one
``gradient_accumulator`` per trainable weight (``gradient_accumulation_steps``), each shaped
like its weight. lamina keeps the averages in ``optimizer._model_variables_moving_average``
and the gradients of an unfinished accumulation window in each weight's ``.grad`` (the sum
of the loss-scaled gradients; Keras's accumulator holds that sum divided by
``loss_scale_factor``, and zeros once the window's update ran).
"""

import torch

from lamina import layouts
from lamina.saving.restore_checks import read_array


def count(optimizer, entries):
    """How many arrays Keras writes for ``optimizer``'s averages and accumulators."""
    kinds = bool(getattr(optimizer, "use_ema", False)) + bool(getattr(optimizer, "gradient_accumulation_steps", None))
    return kinds * len(entries)


def _pending(optimizer, calls):
    steps = optimizer.gradient_accumulation_steps
    return bool(steps) and calls % steps != 0


def _values(optimizer, entries):
    """Each array Keras would hold, in Keras's order, in lamina's layout (a tensor or None: zeros)."""
    position = {id(p): i for i, p in enumerate(optimizer._parameters)}
    values = []
    if optimizer.use_ema:
        averages = optimizer._model_variables_moving_average
        values += [averages[position[id(t)]] if id(t) in position else None for t, _ in entries]
    if optimizer.gradient_accumulation_steps:
        pending = _pending(optimizer, optimizer._steps)
        scale = optimizer.loss_scale_factor or 1.0
        values += [t.grad / scale if pending and t.grad is not None else None for t, _ in entries]
    return values


def write(group, index, optimizer, entries):
    """Write the averages and accumulators as ``group[str(index)]``...; return the next index."""
    if not count(optimizer, entries):
        return index
    for (tensor, layout), value in zip(entries * 2, _values(optimizer, entries)):
        value = torch.zeros_like(tensor) if value is None else value.detach()
        group.create_dataset(str(index), data=layouts.to_keras(layout, value.cpu()).contiguous().numpy())
        index += 1
    return index


def prepare(group, first, optimizer, entries, calls, where, source):
    """Read and check the arrays ``write`` (or Keras) stored from ``first``; return the
    function that puts them in ``optimizer`` once it is built and counts ``calls``."""
    arrays = []
    for offset in range(count(optimizer, entries)):
        tensor, layout = entries[offset % len(entries)]
        shape = layouts.keras_shape(layout, tuple(tensor.shape))
        path = f"{where}/vars/{first + offset}"
        value = torch.from_numpy(read_array(group.get(str(first + offset)), path, shape, ("float",), source))
        arrays.append(layouts.from_keras(layout, value).to(dtype=tensor.dtype).contiguous())

    @torch.no_grad()
    def apply():
        position = {id(p): i for i, p in enumerate(optimizer._parameters)}
        values = iter(arrays)
        if optimizer.use_ema:
            averages = optimizer._model_variables_moving_average
            for (tensor, _), value in zip(entries, values):
                if id(tensor) in position:
                    averages[position[id(tensor)]].copy_(value)
        if optimizer.gradient_accumulation_steps:
            pending = _pending(optimizer, calls)
            scale = optimizer.loss_scale_factor or 1.0
            for (tensor, _), value in zip(entries, values):
                if pending:
                    tensor.grad = (value * scale).to(tensor.device)

    return apply
