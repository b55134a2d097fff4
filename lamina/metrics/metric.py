"""The ``Metric`` base class: state tensors that accumulate on the device.

A metric keeps its running state (totals, counts) in small tensors created with
``add_variable``. ``update_state`` adds one batch with a few in-place torch ops under
``torch.no_grad()``; ``result`` returns a 0-d tensor; nothing reads a value back to the
host, so updating a metric every step costs no synchronisation. Convert the result
with ``float(metric.result())`` when you want a number.

Placement: ``metric.to(device)`` moves the state and pins it there; inputs from other
devices are moved to it. A metric that was never placed adopts the device of the first
batch it sees.
"""

import functools

import torch

from lamina.backend import floatx
from lamina.backend.dtypes import to_torch_dtype as dtype_of
from lamina.backend.naming import to_snake_case
from lamina.backend.torch_internals import set_grad_enabled_function
from lamina.backend.tracing import eager_when_traced
from lamina.errors import ConfigurationError, SavingError, describe
from lamina.losses.loss import as_tensor, to_torch_dtype
from lamina.variables.variable import as_variable, rewrap

_INITIALIZERS = {"zeros": 0.0, "ones": 1.0}


class Metric:
    """Base class of every metric.

    Subclasses create state in ``__init__`` with ``add_variable`` and implement
    ``update_state(y_true, y_pred, sample_weight=None)`` and ``result()``. They run
    exactly as written: lamina does not wrap them. ``_to_device`` gives an input on the
    state's device without its autograd history, and ``Variable.assign_add`` records no
    gradient, so state updated through either keeps no graph.

    lamina's own metrics opt in to more with ``class Mean(Metric, builtin=True)``: their
    ``update_state`` runs without autograd (and eagerly under ``torch.compile``), and,
    where the state adds up over samples (``_additive``), fit/evaluate update them a few
    batches at a time (``defer_update``). A subclass that overrides ``update_state``,
    ``result`` or ``reset_state`` without opting in updates at every batch.

    Args:
        name: Name of the metric (shown in logs). Defaults to the snake-case class name.
        dtype: Float dtype of the state and result. Defaults to ``floatx()``.

    Example:
        ```python
        class CountPositives(Metric):
            def __init__(self, name="count_positives"):
                super().__init__(name=name)
                self.count = self.add_variable((), name="count")

            def update_state(self, y_true, y_pred, sample_weight=None):
                y_pred = self._to_device(y_pred)
                self.count.add_((y_pred > 0).sum())

            def result(self):
                return self.count.clone()
        ```
    """

    # "up" when larger is better, "down" when smaller is; callbacks such as EarlyStopping
    # read it in mode="auto". None: unknown.
    _direction = None

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype_argument = None if dtype is None else str(dtype).replace("torch.", "")
        self._torch_dtype = to_torch_dtype(dtype or floatx(), where=f"{type(self).__name__}(dtype)")
        self._variables = {}
        self._initial_values = {}
        self._device = None  # None until placed with ``to`` or by the first update.

    # Set by built-in metrics whose state adds up over samples (one update with two batches
    # joined equals two updates): fit/evaluate then update them a few batches at a time.
    _additive = False
    # Whether ``defer_update`` may keep batches: ``_additive``, and ``update_state``,
    # ``result`` and ``reset_state`` all from ``builtin=True`` classes (set per class).
    _defers_updates = False

    def __init_subclass__(cls, builtin=False, **kwargs):
        """``builtin=True`` (lamina's own metrics only): the methods this class body defines
        support deferred updates (see the class docstring). Other subclasses are left as
        written."""
        super().__init_subclass__(**kwargs)
        if builtin:
            if "update_state" in cls.__dict__:
                cls.update_state = _builtin(eager_when_traced(_without_grad(cls.__dict__["update_state"])))
                if "_additive" not in cls.__dict__:
                    cls._additive = False  # a new update rule must declare itself additive
            if "reset_state" in cls.__dict__:
                cls.reset_state = _builtin(_dropping_pending_updates(cls.__dict__["reset_state"]))
            if "result" in cls.__dict__:
                cls.result = _builtin(_after_pending_updates(cls.__dict__["result"]))
        cls._defers_updates = bool(cls._additive) and all(
            getattr(getattr(cls, name), "_lamina_builtin", False) for name in _DEFERRAL_METHODS
        )

    @property
    def dtype(self):
        """Name of the state's float dtype, e.g. ``"float32"``."""
        return str(self._torch_dtype).replace("torch.", "")

    @property
    def device(self):
        """Device of the state tensors (CPU until placed)."""
        return self._device or torch.device("cpu")

    @property
    def variables(self):
        """The state tensors, in creation order."""
        self.flush_updates()
        return list(self._variables.values())

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Create a state tensor on the metric's device and return it.

        The state is a ``lamina.Variable`` (non-trainable): ``assign``, ``assign_add``,
        ``numpy()``, ``path`` (``"metric_name/variable_name"``) work as in Keras, and it
        is a plain torch tensor for in-place torch ops.

        Args:
            shape: Shape of the state, e.g. ``()`` for a running total.
            initializer: ``"zeros"``, ``"ones"`` or a number; ``reset_state`` restores it.
            dtype: Dtype of the state; defaults to the metric's dtype.
            aggregation: accepted for Keras code (no effect).
            name: Unique name, the key in ``state_dict``. Defaults to ``variable_<n>``.
        """
        name = name or f"variable_{len(self._variables)}"
        if name in self._variables:
            raise ConfigurationError(
                f"{type(self).__name__}.add_variable: a state named {name!r} already exists. "
                "Give each variable a unique name."
            )
        value = _INITIALIZERS.get(initializer, initializer)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigurationError(
                f"{type(self).__name__}.add_variable: unknown initializer. Received: "
                f"initializer={initializer!r}. Use 'zeros', 'ones' or a number."
            )
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        tensor = torch.full(
            shape, float(value), dtype=dtype_of(dtype) if dtype else self._torch_dtype, device=self.device
        )
        tensor = as_variable(tensor, name, f"{self.name}/{name}", False)
        self._variables[name] = tensor
        self._initial_values[name] = float(value)
        return tensor

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras's older name for ``add_variable`` (``initializer=None``: zeros)."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the state. Subclasses must implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """The metric's value as a 0-d tensor. Subclasses must implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    @eager_when_traced
    def defer_update(self, y_true, y_pred, sample_weight=None):
        """``update_state``, applied a few batches at a time for additive metrics.

        The training loop calls this: an additive built-in metric keeps the batch (the
        tensors, no copy) and updates once per few batches from them joined, so a step
        pays a list append instead of ~10 small tensor ops. ``result()``, ``variables``,
        ``state_dict()`` and ``to()`` apply what is pending first; ``reset_state()``
        drops it. Other metrics (a user subclass's own ``update_state`` among them) update
        at once.
        """
        if not self._defers_updates or not _joinable(y_true, y_pred, sample_weight):
            self.flush_updates()
            self.update_state(y_true, y_pred, sample_weight)
            return
        pending = self.__dict__.setdefault("_pending", [])
        pending.append((y_true, y_pred, sample_weight))
        if len(pending) >= _PENDING_BATCHES or sum(p[1].numel() for p in pending) >= _PENDING_VALUES:
            self.flush_updates()

    def flush_updates(self):
        """Apply the batches ``defer_update`` kept (one joined update where they join)."""
        pending = self.__dict__.get("_pending")
        if not pending:
            return
        self._pending = []
        joined = _joined(pending)
        for args in [joined] if joined is not None else pending:
            self.update_state(*args)

    def reset_state(self):
        """Restore every state tensor to its initial value, in place (keeps the device)."""
        self._pending = []
        for name, tensor in self._variables.items():
            tensor.fill_(self._initial_values[name])

    def __call__(self, *args, **kwargs):
        """Update the state with one batch and return the new result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def to(self, device):
        """Move the state to ``device`` and keep it there; returns ``self``."""
        self.flush_updates()
        device = torch.device(device)
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        for name, old in list(self._variables.items()):
            new = rewrap(old.to(device), old)
            self._variables[name] = new
            for attribute, value in list(vars(self).items()):
                if value is old:
                    setattr(self, attribute, new)
        self._device = device
        return self

    def state_dict(self):
        """``{name: tensor}`` copies of the state (for checkpoints and exact resume)."""
        self.flush_updates()
        return {name: tensor.detach().clone() for name, tensor in self._variables.items()}

    def load_state_dict(self, state_dict):
        """Copy saved state into this metric in place (the device does not change).

        Raises:
            SavingError: if names or shapes differ from this metric's state.
        """
        missing = sorted(set(self._variables) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(self._variables))
        if missing or unexpected:
            raise SavingError(
                f"Metric {self.name!r}: saved state does not match. Missing: {missing}; "
                f"unexpected: {unexpected}. Load state saved from the same kind of metric."
            )
        for name, tensor in self._variables.items():
            saved = as_tensor(state_dict[name])
            if saved.shape != tensor.shape:
                raise SavingError(
                    f"Metric {self.name!r}: state {name!r} has shape {tuple(tensor.shape)} but "
                    f"the saved value is {describe(saved)}."
                )
            tensor.copy_(saved)

    def get_config(self):
        """The constructor arguments that rebuild this object with ``from_config``."""
        return {"name": self.name, "dtype": self._dtype_argument}

    @classmethod
    def from_config(cls, config):
        """Rebuild an instance from the dict ``get_config`` returned."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"

    def _to_device(self, value, dtype=None):
        """``value`` as a tensor on the state's device (adopting its device if unplaced)."""
        if type(value) is torch.Tensor and value.device == self._device and not value.requires_grad:
            if dtype is None or value.dtype == dtype:
                return value
        if isinstance(value, torch.Tensor) and value.requires_grad:
            value = _detached(value)  # metric state keeps no autograd graph
        if self._device is None and isinstance(value, torch.Tensor):
            self.to(value.device)
        return as_tensor(value, dtype=dtype, device=self.device)


set_grad_enabled = set_grad_enabled_function()

_DEFERRAL_METHODS = ("update_state", "result", "reset_state")


def _detached(tensor):
    """``tensor.detach()``, keeping its Keras mask."""
    mask = getattr(tensor, "_keras_mask", None)
    tensor = tensor.detach()
    if mask is not None:
        tensor._keras_mask = mask
    return tensor


def _builtin(method):
    """Mark ``method`` as a ``builtin=True`` metric's (see ``Metric._defers_updates``)."""
    method._lamina_builtin = True
    return method


for _name in _DEFERRAL_METHODS:  # the base's own: reset_state drops pending batches itself
    _builtin(vars(Metric)[_name])

_PENDING_BATCHES = 8
_PENDING_VALUES = 1 << 20  # predictions kept at most (bounds the memory held)


def _after_pending_updates(result):
    @functools.wraps(result)
    def wrapper(self):
        self.flush_updates()
        return result(self)

    return wrapper


def _dropping_pending_updates(reset_state):
    @functools.wraps(reset_state)
    def wrapper(self):
        self._pending = []
        return reset_state(self)

    return wrapper


def _joinable(y_true, y_pred, sample_weight):
    tensors = (y_true, y_pred) if sample_weight is None else (y_true, y_pred, sample_weight)
    return all(isinstance(t, torch.Tensor) and t.dim() > 0 for t in tensors)


def _joined(pending):
    """The pending ``(y_true, y_pred, sample_weight)`` batches as one, or None when they do
    not join (shapes beyond the batch axis differ, weights or masks on some only)."""
    if len(pending) == 1:
        return pending[0]
    masks = [getattr(p[1], "_keras_mask", None) for p in pending]
    weights = [p[2] for p in pending]
    for parts in (masks, weights):
        if any((part is None) != (parts[0] is None) for part in parts):
            return None
    try:
        y_true = torch.cat([p[0] for p in pending])
        y_pred = torch.cat([p[1] for p in pending])
        sample_weight = None if weights[0] is None else torch.cat(weights)
        if masks[0] is not None:
            y_pred._keras_mask = torch.cat(masks)
    except (RuntimeError, TypeError):
        return None
    return y_true, y_pred, sample_weight


def _without_grad(update_state):
    """Run ``update_state`` without building an autograd graph (state must not keep one)."""

    @functools.wraps(update_state)
    def wrapper(*args, **kwargs):
        if not torch.is_grad_enabled():
            return update_state(*args, **kwargs)
        # The switch itself rather than the ``torch.no_grad()`` context manager: ~1 us
        # instead of ~5 us, paid by every metric at every training step.
        set_grad_enabled(False)
        try:
            return update_state(*args, **kwargs)
        finally:
            set_grad_enabled(True)

    return wrapper
