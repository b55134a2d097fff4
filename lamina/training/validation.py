"""Checks of user data against the model, run once before a loop starts."""

import torch

from lamina.errors import InputError
from lamina.layers.preprocessing._host_layer import HostLayer
from lamina.layers.symbolic import STRING
from lamina.losses.crossentropy import binary_crossentropy
from lamina.losses.focal import binary_focal_crossentropy
from lamina.training.data.array_data import NON_NUMERIC
from lamina.training.data.host_strings import HostStrings
from lamina.tree.nested import flatten, flatten_shapes

LABEL_OUT_OF_RANGE = (
    "{model}: sparse label at index {index} is {value}, but the model's output has "
    "{classes} classes, so labels must be integers in [0, {last}]. Fix the labels, or give the "
    "last layer {needed} units if there really are {needed} classes."
)
NEGATIVE_LABEL = (
    "{model}: sparse label at index {index} is {value}, but class ids start at 0: labels must "
    "be integers in [0, {last}] for the model's {classes} output classes. Fix the labels; if "
    "negative labels mark unlabelled samples, drop those samples first."
)

BINARY_TARGET_OUT_OF_RANGE = (
    "{owner}: {loss} from probabilities needs targets between 0 and 1 (the probability of "
    "the positive class), but sample {index} has the target {value}. Received: targets from "
    "{low} to {high}. For labels written as -1/1 pass (y + 1) / 2; for more than two "
    "classes use sparse_categorical_crossentropy with one output unit per class."
)


def check_string_inputs(model, x):
    """String arrays are for models that read strings (an ``Input(dtype="string")`` or a
    string preprocessing layer first); any other model gets the non-numeric data error
    before its first layer meets a NumPy array of text."""
    strings = [leaf for leaf in flatten(x) if isinstance(leaf, HostStrings)]
    if strings and not _reads_strings(model):
        raise InputError(NON_NUMERIC.format(name="x", what=f"dtype {strings[0].array.dtype}"))


def _reads_strings(model):
    stack = getattr(model, "_stack", None)
    if stack:  # Sequential
        return isinstance(stack[0], HostLayer)
    inputs = getattr(model, "inputs", None) if hasattr(model, "_nodes") else None
    if inputs is None:  # a subclassed model: its own call decides
        return True
    return any(getattr(t, "dtype", None) is STRING for t in flatten(inputs))


def check_input_shape(model, x):
    """Raise a clear error when ``x``'s per-sample shape differs from the model's inputs."""
    expected = getattr(model, "_build_shapes", None)
    if expected is None:
        return
    expected_shapes = flatten_shapes(expected)
    names = getattr(model, "input_names", None)
    if isinstance(x, dict) and names and not isinstance(getattr(model, "_inputs_struct", None), dict):
        x = [x[name] for name in names if name in x]
    received = [tuple(t.shape) for t in flatten(x)]
    if len(expected_shapes) != len(received):
        raise InputError(
            f"Model '{model.name}' takes {len(expected_shapes)} input(s) but received {len(received)}."
        )
    for want, got in zip(expected_shapes, received):
        if want is None:
            continue
        if len(want) != len(got) or any(w is not None and w != g for w, g in zip(want[1:], got[1:])):
            raise InputError(
                f"Model '{model.name}' expects inputs of shape {_show(want)} (batch first) but "
                f"received data of shape {got}. Reshape the data, or build the model with "
                f"input_shape={tuple(got[1:])}."
            )


def check_sparse_labels(model, y):
    """Sparse class labels must index the model's output; report the first bad one."""
    compiled = model._compiled
    heads = compiled.sparse_heads()
    if not heads:
        return
    shapes = getattr(model, "_output_shapes", None) or []
    targets = _targets_per_output(compiled, y)
    for index, head in heads:
        if index < len(targets) and index < len(shapes) and isinstance(targets[index], torch.Tensor):
            where = f"output '{head.name}'" if compiled.multi_output else None
            _check_labels(model.name, targets[index], shapes[index][-1], where)


def check_binary_targets(model, y):
    """Targets of binary crossentropy (plain or focal) from probabilities must lie in
    [0, 1], as Keras requires: one comparison on the device, before the first step."""
    compiled = model._compiled
    targets = _targets_per_output(compiled, y)
    for index, head in enumerate(compiled.heads or []):
        target = targets[index] if index < len(targets) else None
        if not isinstance(target, torch.Tensor) or not _needs_probability_targets(head.loss):
            continue
        per_sample = target.reshape(len(target), -1)
        bad = ((per_sample < 0) | (per_sample > 1)).any(dim=1)
        if bool(bad.any()):
            sample = int(torch.nonzero(bad)[0])
            row = per_sample[sample]
            value = row[(row < 0) | (row > 1)][0].item()
            where = f", output '{head.name}'" if compiled.multi_output else ""
            raise InputError(
                BINARY_TARGET_OUT_OF_RANGE.format(
                    owner=f"Model '{model.name}'{where}", loss=head.loss.fn.__name__, index=sample,
                    value=value, low=per_sample.min().item(), high=per_sample.max().item(),
                )
            )


def _needs_probability_targets(loss):
    """Binary crossentropy from probabilities; from logits Keras accepts any target."""
    fn = getattr(loss, "fn", None)
    return fn in (binary_crossentropy, binary_focal_crossentropy) and not getattr(
        loss, "_fn_kwargs", {}
    ).get("from_logits", False)


def _targets_per_output(compiled, y):
    if not compiled.structured:
        return [y]
    return [y.get(name) for name in compiled.output_names] if isinstance(y, dict) else flatten(y)


def _check_labels(model_name, y, classes, where):
    owner = f"Model '{model_name}'" + (f", {where}" if where else "")
    labels = y.reshape(-1)
    if labels.is_floating_point():
        fractional = labels != labels.floor()
        if bool(fractional.any()):
            index = int(torch.nonzero(fractional)[0])
            raise InputError(
                f"{owner}: sparse label at index {index} is {float(labels[index])}, "
                f"not an integer class id. Sparse labels are integers in [0, {classes - 1}]."
            )
    bad = (labels < 0) | (labels >= classes)
    if bool(bad.any()):
        index = int(torch.nonzero(bad)[0])
        value = labels[index].item()
        needed = int(labels.max().item()) + 1
        template = NEGATIVE_LABEL if value < 0 else LABEL_OUT_OF_RANGE
        raise InputError(
            template.format(
                model=owner, index=index, value=value, classes=classes, last=classes - 1, needed=needed
            )
        )


def _show(shape):
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"
