"""Optimizer state inside a weights file, so training resumes where it stopped.

``optimizer/vars`` is written as Keras 3 writes it: ``0`` the step count, ``1`` the
learning rate (not with a schedule: Keras keeps no learning-rate variable then, and the
slots start at ``1``), then with ``use_ema`` the moving averages and with gradient
accumulation the accumulators (``ema_accumulators``), then the optimizer's slot variables
in Keras's order and layout (``keras_slots``: Adam's moments, SGD's momentum, RMSprop's
velocity...), converted from torch's state. ``optimizer/torch_state`` holds torch's exact
state per trainable weight; lamina prefers it when present, and falls back on the Keras
slots for files Keras wrote; its ``format`` attribute tells files whose SGD/RMSprop
momentum is in torch's units (written before lamina followed Keras's rules,
``legacy_momentum``) from today's.
"""

import warnings

import numpy as np
import torch

from lamina import layouts
from lamina.backend import floatx
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.saving import ema_accumulators, legacy_momentum
from lamina.saving.h5_writing import fixed_string
from lamina.saving.restore_checks import (
    check_number,
    place_slot_state,
    read_array,
    read_scalar,
    read_torch_slot,
)


def keras_slots(optimizer, learning_rate=None):
    """Keras's slot variables of ``optimizer`` as groups of ``(torch state key, factor)``:
    Keras lists each group's slots weight by weight (within a group, interleaved), one
    group after the other; ``factor`` turns the stored value into Keras's. ``None`` when
    the conversion is unknown (a wrapped torch.optim class).

    lamina's optimizers keep Keras's units (SGD's and RMSprop's momentum include the
    learning rate, as Keras's), so every factor is 1; ``learning_rate`` is accepted for
    callers that pass the rate a file restores. Nadam's shared momentum product, Keras's
    last variable, follows from the step count (``_nadam_product``).
    """
    del learning_rate
    name = type(optimizer).__name__
    if name in ("Adam", "AdamW"):
        groups = [[("exp_avg", 1.0), ("exp_avg_sq", 1.0)]]
        return groups + [[("max_exp_avg_sq", 1.0)]] if optimizer.amsgrad else groups
    if name == "SGD":
        return [[("momentum_buffer", 1.0)]] if optimizer.momentum > 0 else []
    if name == "RMSprop":
        groups = [[("square_avg", 1.0)]]
        groups += [[("momentum_buffer", 1.0)]] if optimizer.momentum > 0 else []
        return groups + ([[("grad_avg", 1.0)]] if optimizer.centered else [])
    return {
        "Adagrad": [[("sum", 1.0)]],
        "Adamax": [[("exp_avg", 1.0), ("exp_inf", 1.0)]],
        "Adadelta": [[("square_avg", 1.0), ("acc_delta", 1.0)]],
        "Lion": [[("exp_avg", 1.0)]],
        "Nadam": [[("exp_avg", 1.0), ("exp_avg_sq", 1.0)]],
    }.get(name)


def _nadam_product(optimizer):
    """Keras's Nadam ``u_product`` (a scalar variable after the slots), or None."""
    update = getattr(optimizer, "torch_optimizer", None)
    if type(optimizer).__name__ != "Nadam" or not hasattr(update, "momentum_product"):
        return None
    return update.momentum_product(int(optimizer.iterations), optimizer.beta_1)


def _slot_order(groups, entries):
    """``(entry position, torch key, factor)`` in Keras's variable order."""
    return [(position, key, factor) for group in groups for position in range(len(entries)) for key, factor in group]


def _trainable_entries(model):
    return [(tensor, layout) for tensor, layout, trainable, _ in model._weight_entries() if trainable]


def write_optimizer(root, model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return
    if _loss_scaled(optimizer):
        _write_loss_scale(root, model, optimizer)
        return
    _write_state(root.require_group("optimizer"), optimizer, model)


def _loss_scaled(optimizer):
    return isinstance(optimizer, LossScaleOptimizer)


def _write_loss_scale(root, model, optimizer):
    """Keras's layout: the inner optimizer's variables under ``optimizer/inner_optimizer``;
    ``optimizer/vars`` holds the wrapper's own (iteration 0, learning rate 0, and once built
    step_counter and dynamic_scale), then the inner ones again."""
    inner = root.require_group("optimizer/inner_optimizer")
    _write_state(inner, optimizer.inner_optimizer, model)
    group = root.require_group("optimizer/vars")
    group.attrs["name"] = fixed_string(optimizer.name)
    own = [np.int64(0), np.float32(0.0)]
    if optimizer.built:  # Keras adds step_counter and dynamic_scale when it builds
        own += [np.int64(optimizer.step_counter), np.float32(optimizer.dynamic_scale)]
    for index, value in enumerate(own):
        group.create_dataset(str(index), data=value)
    inner_vars = inner["vars"]
    for index in range(len(inner_vars)):
        group.create_dataset(str(index + len(own)), data=inner_vars[str(index)][()])


def _write_state(base, optimizer, model):
    group = base.require_group("vars")
    group.attrs["name"] = fixed_string(getattr(optimizer, "name", type(optimizer).__name__.lower()))
    # Keras's "iteration" counts calls (with gradient accumulation, steps * updates).
    group.create_dataset("0", data=np.int64(getattr(optimizer, "_steps", optimizer.iterations)))
    scheduled = optimizer.learning_rate_schedule is not None
    if not scheduled:
        # Keras's learning-rate variable has floatx's dtype (float64 keeps a float64 rate exact).
        rate_dtype = np.float64 if floatx() == "float64" else np.float32
        group.create_dataset("1", data=rate_dtype(optimizer.learning_rate))
    torch_optimizer = getattr(optimizer, "torch_optimizer", None)
    if torch_optimizer is None:
        return
    entries = _trainable_entries(model)
    groups = keras_slots(optimizer)
    index = ema_accumulators.write(group, 1 if scheduled else 2, optimizer, entries)
    if groups:
        for position, key, factor in _slot_order(groups, entries):
            tensor, layout = entries[position]
            value = torch_optimizer.state.get(tensor, {}).get(key)
            value = torch.zeros_like(tensor) if value is None else value.detach() * factor
            group.create_dataset(str(index), data=layouts.to_keras(layout, value.cpu()).contiguous().numpy())
            index += 1
        product = _nadam_product(optimizer)
        if product is not None:
            group.create_dataset(str(index), data=np.float32(product))
    exact = base.require_group("torch_state")
    legacy_momentum.mark(exact)
    if not scheduled:
        exact.attrs["learning_rate"] = float(optimizer.learning_rate)
    for position, (tensor, _) in enumerate(entries):
        slot = exact.require_group(str(position))
        for key, value in torch_optimizer.state.get(tensor, {}).items():
            if isinstance(value, torch.Tensor):
                slot.create_dataset(key, data=value.detach().cpu().numpy())
            else:
                slot.attrs[key] = value


def torch_slot_keys(optimizer):
    """The per-weight tensors ``optimizer`` keeps in torch's state (each shaped like its
    weight), or None when lamina does not know them (a wrapped ``torch.optim`` class)."""
    groups = keras_slots(optimizer)
    return None if groups is None else {key for group in groups for key, _ in group}


def _required_torch_slots(optimizer, allowed):
    """The keys a weight's saved torch state must all hold once it holds any: every slot,
    and the step count where torch's own Adam kernel reads it."""
    if allowed is None:
        return ()
    torch_adam = any(cls.__name__ in ("Adam", "AdamW") for cls in type(optimizer).__mro__)
    return allowed | ({"step"} if torch_adam else set())


def read_optimizer(root, model, source="the file"):
    """Restore optimizer state saved by ``write_optimizer`` (or by Keras)."""
    prepare_optimizer(root, model, source)()


def prepare_optimizer(root, model, source="the file"):
    """Check and read the optimizer state in ``root``; return the function that restores it.

    Every array is checked against what it replaces (``restore_checks``) before anything
    is changed, so a refused file leaves the optimizer as it was.
    """
    import h5py

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not isinstance(root.get("optimizer"), h5py.Group):
        return lambda: None
    from_wrapper = isinstance(root.get("optimizer/inner_optimizer/vars"), h5py.Group)
    base = "optimizer/inner_optimizer" if from_wrapper else "optimizer"
    if not _loss_scaled(optimizer):
        return _prepare_state(root[base], base, optimizer, model, source)
    restore_inner = _prepare_state(root[base], base, optimizer.inner_optimizer, model, source)
    scale_state = None
    own = root.get("optimizer/vars")
    if from_wrapper and isinstance(own, h5py.Group) and len(own) == len(root[base]["vars"]) + 4:
        scale_state = (
            read_scalar(own.get("2"), "optimizer/vars/2", low=0, source=source),
            read_scalar(own.get("3"), "optimizer/vars/3", low=2.0**-149, source=source),
        )

    def apply():
        restore_inner()
        if scale_state is not None:
            optimizer.set_scale_state(*scale_state)

    return apply


def keras_variable_shapes(optimizer, model):
    """The shapes of Keras's variables of ``optimizer`` (what ``optimizer.variables`` lists:
    iteration, learning rate, averages/accumulators, slots, Nadam's product), in Keras's
    order and layout, for ``model``'s trainable weights; None when lamina does not know
    the optimizer's slots."""
    groups = keras_slots(optimizer)
    if groups is None or _loss_scaled(optimizer):
        return None
    entries = _trainable_entries(model)
    shapes = [()] if optimizer.learning_rate_schedule is not None else [(), ()]
    extras = ema_accumulators.count(optimizer, entries)
    positions = [offset % len(entries) for offset in range(extras)] + [p for p, _, _ in _slot_order(groups, entries)]
    shapes += [layouts.keras_shape(entries[p][1], tuple(entries[p][0].shape)) for p in positions]
    return shapes + ([()] if type(optimizer).__name__ == "Nadam" else [])


def _prepare_state(base, where, optimizer, model, source):
    import h5py

    group = base.get("vars")
    if not isinstance(group, h5py.Group):
        return lambda: None
    return prepare_keras_variables(group, base.get("torch_state"), where, optimizer, model, source)


def prepare_keras_variables(group, exact, where, optimizer, model, source):
    """``prepare_optimizer`` for one optimizer's variables: ``group`` maps ``"0"``, ``"1"``...
    to the arrays of Keras's ``optimizer.variables`` (an ``optimizer/vars`` group, or the
    arrays a legacy ``.h5`` file lists), ``exact`` is lamina's ``torch_state`` group or None."""
    import h5py

    if "0" not in group:
        return lambda: None
    scheduled = optimizer.learning_rate_schedule is not None  # its value follows iterations
    entries = _trainable_entries(model)
    restored = {"iterations": read_scalar(group["0"], f"{where}/vars/0", low=0, source=source)}
    if "1" in group and not scheduled:
        restored["learning_rate"] = read_scalar(group["1"], f"{where}/vars/1", source=source)
    first = 1 if scheduled else 2
    extras = ema_accumulators.count(optimizer, entries)
    restore_extras = _prepare_extras(group, first, extras, optimizer, entries, restored, where, source)
    states, legacy = None, False
    if isinstance(exact, h5py.Group) and len(exact) == len(entries):
        legacy = legacy_momentum.in_torch_units(exact, optimizer)
        if "learning_rate" in exact.attrs and not scheduled:
            restored["learning_rate"] = check_number(
                exact.attrs["learning_rate"], f"{where}/torch_state@learning_rate", source=source
            )
        allowed = torch_slot_keys(optimizer)
        required = _required_torch_slots(optimizer, allowed)
        states = [
            read_torch_slot(
                exact.get(str(position)), tensor, allowed, f"{where}/torch_state/{position}", source, required
            )
            for position, (tensor, _) in enumerate(entries)
        ]
    else:
        rate = restored.get("learning_rate")
        updates = int(restored["iterations"]) // (optimizer.gradient_accumulation_steps or 1)
        states = _read_keras_slots(group, optimizer, entries, first + extras, updates, rate, source)

    def apply():
        if not optimizer.built:
            optimizer.build(list(model.parameters()))
        optimizer.iterations = int(restored["iterations"]) // (optimizer.gradient_accumulation_steps or 1)
        optimizer._steps = int(restored["iterations"])  # Keras's count of calls
        if "learning_rate" in restored:
            optimizer.learning_rate = float(restored["learning_rate"])
        restore_extras()
        if states is None:
            return
        if legacy:
            legacy_momentum.convert(states, optimizer)
        torch_optimizer = optimizer.torch_optimizer
        fused = any(g.get("fused") or g.get("capturable") for g in torch_optimizer.param_groups)
        for (tensor, _), state in zip(entries, states):
            if state:
                torch_optimizer.state[tensor] = place_slot_state(state, tensor, fused)

    return apply


def _prepare_extras(group, first, extras, optimizer, entries, restored, where, source):
    """Keras's EMA averages and gradient accumulators (``ema_accumulators``), read when the
    file holds exactly the variables this optimizer has; otherwise they start fresh."""
    if not extras:
        return lambda: None
    groups = keras_slots(optimizer)
    slots = 0 if groups is None else len(_slot_order(groups, entries))
    expected = first + extras + slots + (type(optimizer).__name__ == "Nadam")
    if len(group) == expected:
        calls = int(restored["iterations"])
        return ema_accumulators.prepare(group, first, optimizer, entries, calls, where, source)
    if len(group) > first:
        warnings.warn(
            f"The file holds {len(group)} optimizer variables, not the {expected} of "
            f"{type(optimizer).__name__} with use_ema={optimizer.use_ema} and "
            f"gradient_accumulation_steps={optimizer.gradient_accumulation_steps}: the moving "
            "averages and accumulated gradients start fresh.",
            stacklevel=5,
        )
    return lambda: None


def _read_keras_slots(group, optimizer, entries, first, iterations, rate, source):
    """Per-weight torch states from Keras's slot variables (``None``: nothing to restore)."""
    groups = keras_slots(optimizer, rate)
    order = [] if groups is None else _slot_order(groups, entries)
    stored = len(group) - first - (type(optimizer).__name__ == "Nadam")
    if stored <= 0:
        return None
    if groups is None or stored != len(order):
        warnings.warn(
            f"The file holds {stored} optimizer slot arrays written by Keras for "
            f"{type(optimizer).__name__} with other settings or a layout lamina does not convert "
            f"(other use_ema or gradient_accumulation_steps settings...), so this optimizer "
            f"resumes with its step count and learning rate but fresh momentum/accumulators "
            f"(training continues, not exactly as in Keras).",
            stacklevel=5,
        )
        return None
    if iterations == 0:
        return None
    states = [{} for _ in entries]
    for index, (position, key, factor) in enumerate(order, start=first):
        tensor, layout = entries[position]
        where = f"optimizer/vars/{index}"
        shape = layouts.keras_shape(layout, tuple(tensor.shape))
        value = torch.from_numpy(read_array(group.get(str(index)), where, shape, ("float",), source))
        value = layouts.from_keras(layout, value).to(dtype=tensor.dtype).contiguous()
        states[position][key] = value if factor == 1.0 else (value / factor if factor else value * 0.0)
    if type(optimizer).__name__ not in ("SGD", "Lion"):  # the torch optimizers that count steps
        for state in states:
            state["step"] = torch.tensor(float(iterations), dtype=torch.float32)
    return states
