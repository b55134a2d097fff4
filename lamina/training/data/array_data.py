"""In-memory datasets: validate user arrays once, move them to the device once, slice batches."""

import numpy as np
import torch

from lamina.backend import config as backend_config
from lamina.errors import InputError, describe
from lamina.training.data.host_strings import HostStrings, is_string_array
from lamina.training.data.input_kinds import map_inputs
from lamina.tree.nested import flatten, map_structure

NON_NUMERIC = (
    "{name} holds non-numeric data ({what}). lamina trains on numbers: convert it first, "
    "e.g. np.asarray({name}, dtype='float32'), or encode strings/categories as integers."
)


def to_tensor(value, name, integer_ok):
    """A CPU (or already-placed) tensor from an array-like, checking that it is numeric.

    Floats become ``floatx`` (float32). Integers and booleans stay integers where
    ``integer_ok`` (labels, token ids), else become floats too, as Keras casts inputs.
    """
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
    else:
        array = value.array if isinstance(value, HostStrings) else np.asarray(value)
        if is_string_array(array):  # for a model whose first layer reads strings
            if array.ndim == 0:
                raise InputError(f"{name} must have a batch axis; received a scalar {describe(value)}.")
            return HostStrings(array)
        if array.dtype.kind not in "biuf":
            raise InputError(NON_NUMERIC.format(name=name, what=f"dtype {array.dtype}"))
        if array.dtype.kind == "u" and array.dtype != np.uint8:
            array = array.astype(np.int64)
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.dim() == 0:
        raise InputError(f"{name} must have a batch axis; received a scalar {describe(value)}.")
    if tensor.is_floating_point() or tensor.is_complex():
        return tensor.to(backend_config.float_dtype())
    if integer_ok:
        return tensor.long() if tensor.dtype != torch.long else tensor
    return tensor.to(backend_config.float_dtype())


NESTED_LISTS = (
    "{name} is a Python {kind} of {count} {items}. A list (or tuple) passed as {name} holds one "
    "array per model input, so this would be {count} inputs. Convert it to one array first: "
    "{name} = np.asarray({name}, dtype='{dtype}'). Received: {name}={shown}."
)


def check_not_nested_lists(value, name):
    """Refuse plain Python (nested) lists of numbers, which read as one input per element;
    Keras refuses them too. Lists and tuples of arrays pass."""
    if not isinstance(value, (list, tuple)) or not value or not _numbers_or_lists(value):
        return
    items = "lists" if isinstance(value[0], (list, tuple)) else "numbers"
    raise InputError(
        NESTED_LISTS.format(
            name=name, kind=type(value).__name__, count=len(value), items=items,
            dtype="float32" if name == "x" else "int64' or 'float32", shown=describe(value),
        )
    )


def _numbers_or_lists(value):
    """Whether ``value`` holds only numbers and lists of them (only the first nested list
    is looked into: enough to tell data from a structure, and cheap on big lists)."""
    if not all(isinstance(v, (int, float, np.number, np.bool_, list, tuple)) for v in value):
        return False
    first = value[0]
    return not isinstance(first, (list, tuple)) or (bool(first) and _numbers_or_lists(first))


class ArrayData:
    """``x`` (and optionally ``y``, ``sample_weight``) as tensors with one batch axis."""

    def __init__(self, x, y=None, sample_weight=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        leaves = [t for t in flatten((x, y, sample_weight)) if t is not None]
        self.size = int(leaves[0].shape[0])

    @classmethod
    def from_user(cls, x, y=None, sample_weight=None, integer_inputs=False, check_finite=True):
        if x is None:
            raise InputError("x is None: pass the input data as the first argument.")
        check_not_nested_lists(x, "x")
        check_not_nested_lists(y, "y")
        x = map_inputs(lambda v, integer_ok: to_tensor(v, "x", integer_ok), x, integer_inputs)
        y = None if y is None else map_structure(lambda v: to_tensor(v, "y", True), y)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, "sample_weight", False)
        data = cls(x, y, sample_weight)
        data._check_lengths()
        if check_finite:
            data.check_finite()
        return data

    def check_finite(self):
        """Raise on NaN/inf, naming the array and the first bad sample (one pass, on the device)."""
        named = [("x", t) for t in flatten(self.x)] + [("y", t) for t in flatten(self.y) if t is not None]
        if self.sample_weight is not None:
            named.append(("sample_weight", self.sample_weight))
        for name, tensor in named:
            if not tensor.is_floating_point() or _all_finite(tensor):
                continue
            bad = ~torch.isfinite(tensor.reshape(tensor.shape[0], -1)).all(dim=1)
            if bool(bad.any()):
                index = int(torch.nonzero(bad)[0])
                values = tensor[index].reshape(-1)
                value = values[~torch.isfinite(values)][0].item()
                raise InputError(
                    f"{name} holds a non-finite value ({value}) in sample {index}. NaN or inf in the data "
                    f"turns the loss into NaN. Clean or impute it first (e.g. np.nan_to_num), or pass "
                    f"check_finite=False to fit/evaluate to skip this check."
                )

    def _check_lengths(self):
        named = [("x", t) for t in flatten(self.x)] + [("y", t) for t in flatten(self.y) if t is not None]
        if self.sample_weight is not None:
            named.append(("sample_weight", self.sample_weight))
        lengths = {name: int(t.shape[0]) for name, t in named}
        if len(set(lengths.values())) > 1:
            names = list(dict.fromkeys(name for name, _ in named))
            together = ", ".join(names[:-1]) + " and " + names[-1]
            raise InputError(
                f"{together} must hold the same number of samples. Received: "
                + ", ".join(f"{name} has {n}" for name, n in lengths.items())
                + ". Check that inputs and targets line up (same first axis)."
            )
        if self.size == 0:
            raise InputError("The dataset is empty (0 samples): nothing to train or evaluate on.")

    def to(self, device):
        move = lambda t: None if t is None else t.to(device, non_blocking=True)  # noqa: E731
        return ArrayData(map_structure(move, self.x), map_structure(move, self.y), move(self.sample_weight))

    def take(self, indices):
        pick = lambda t: None if t is None else t.index_select(0, indices.to(t.device))  # noqa: E731
        return ArrayData(map_structure(pick, self.x), map_structure(pick, self.y), pick(self.sample_weight))

    def num_batches(self, batch_size):
        return -(-self.size // batch_size)

    def peek(self):
        """A two-sample batch (for building the model and resolving metrics)."""
        pick = lambda t: None if t is None else t[:2]  # noqa: E731
        return map_structure(pick, self.x), map_structure(pick, self.y), pick(self.sample_weight)

    def epoch_order(self, shuffle):
        """This epoch's sample order: a permutation from torch's global generator, or None."""
        return torch.randperm(self.size) if shuffle else None

    def batches(self, batch_size, shuffle=False, steps=None, order=None, start=0, shard=None, offset=0):
        """Yield ``(x, y, sample_weight)`` batches.

        With ``shuffle`` a fresh permutation is drawn (kept in ``self.last_order``, so a
        backup can replay the epoch); ``order`` replays a given one. The batches are those
        from ``offset`` (into the pass) on, ``steps`` of them at most, the first ``start``
        of those skipped. ``shard=(rank, world)`` (data parallel) yields only rows
        ``rank::world`` of each batch, possibly none of a short last batch.
        """
        rank, world = shard or (0, 1)
        if order is None and shuffle:
            order = self.epoch_order(True)
        self.last_order = order
        single = isinstance(self.x, torch.Tensor) and (self.y is None or isinstance(self.y, torch.Tensor))
        device = flatten(self.x)[0].device
        order = None if order is None else order.to(device, non_blocking=True)
        total = self.num_batches(batch_size)
        last = total if steps is None else min(offset + steps, total)
        for index in range(offset + start, last):
            begin = index * batch_size
            if order is None:
                rows = slice(begin + rank, begin + batch_size, world)
                pick = lambda t: None if t is None else t[rows]  # noqa: E731, B023
            else:
                chosen = order[begin : begin + batch_size]
                if world > 1:
                    chosen = chosen[rank::world]
                pick = lambda t: None if t is None else t.index_select(0, chosen)  # noqa: E731, B023
            if single:
                yield pick(self.x), pick(self.y), pick(self.sample_weight)
            else:
                yield map_structure(pick, self.x), map_structure(pick, self.y), pick(self.sample_weight)

    def with_sample_weight(self, weight):
        return ArrayData(self.x, self.y, weight)


def epoch_offset(epochs_done, steps_per_epoch, batches_per_pass):
    """The batch of the pass an epoch starts at, ``epochs_done`` epochs into ``fit``: with
    ``steps_per_epoch`` short of a pass, each epoch takes the next ``steps_per_epoch``
    batches and the pass's last epoch may be shorter; else 0."""
    if not steps_per_epoch or steps_per_epoch >= batches_per_pass:
        return 0
    epochs_per_pass = -(-batches_per_pass // steps_per_epoch)
    return (epochs_done % epochs_per_pass) * steps_per_epoch


def check_steps(steps, name):
    """``steps`` (``steps_per_epoch``, ``validation_steps``, ``steps``) is None or >= 1."""
    if steps is None:
        return None
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise InputError(
            f"{name} must be a positive integer, or None for one pass over the data. "
            f"Received: {name}={steps!r}."
        )
    return int(steps)


def check_batch_size(batch_size, default=32):
    if batch_size is None:
        return default
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise InputError(f"batch_size must be a positive integer. Received: batch_size={batch_size!r}.")
    return int(batch_size)


def _all_finite(tensor):
    """One float64 sum instead of an elementwise mask: NaN and inf survive a sum, and a
    float64 sum of float32/16 values cannot overflow. (A float64 array's sum can; then
    the elementwise check decides.)"""
    return bool(torch.isfinite(tensor.sum(dtype=torch.float64)))
