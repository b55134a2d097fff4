"""``MonitorCallback``: the shared "is this epoch better?" logic of EarlyStopping,
ModelCheckpoint and ReduceLROnPlateau (Keras 3 semantics)."""

import math
import operator
import warnings

from lamina.callbacks.callback import Callback
from lamina.errors import ConfigurationError

_MODES = ("auto", "min", "max")


class MonitorCallback(Callback):
    """Base class for callbacks that watch one logged quantity.

    Args:
        monitor: Name of the quantity in the epoch logs, e.g. ``"val_loss"``.
        mode: ``"min"`` (lower is better), ``"max"`` (higher is better) or ``"auto"``:
            a loss is minimised; a metric follows its direction (accuracy, AUC... are
            maximised; errors minimised). ``"auto"`` raises when the direction is unknown.
        baseline: Initial "best" value, or ``None`` to take the first value seen.
        min_delta: Smallest change that counts as an improvement (absolute value).
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in _MODES:
            raise ConfigurationError(
                f"{type(self).__name__}: mode must be 'auto', 'min' or 'max'. Received: mode={mode!r}."
            )
        if not isinstance(monitor, str):
            raise ConfigurationError(
                f"{type(self).__name__}: monitor must be the name of a logged value, e.g. "
                f"'val_loss'. Received: monitor={monitor!r}."
            )
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Choose ``<`` or ``>`` for the monitored quantity (``mode="auto"`` looks it up)."""
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            self.monitor_op = self._infer_direction()
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)

    def _infer_direction(self):
        name = self.monitor.removeprefix("val_")
        if name == "loss":
            return operator.lt
        for metric in getattr(self.model, "metrics", None) or []:
            direction = getattr(metric, "_direction", None)
            if metric.name == name and direction in ("up", "down"):
                return operator.gt if direction == "up" else operator.lt
        raise ConfigurationError(
            f"{type(self).__name__}(monitor={self.monitor!r}) cannot tell whether that quantity "
            "should go up or down. Pass mode='max' to keep the highest value (accuracy-like) "
            "or mode='min' for the lowest (loss-like)."
        )

    def _is_improvement(self, value, reference):
        """Whether ``value`` beats ``reference`` by ``min_delta`` (a NaN never does)."""
        if math.isnan(value):
            return False
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))

    def _monitor_value(self, logs, action):
        """The monitored value from ``logs`` as a float, or ``None`` (with a warning)."""
        logs = logs or {}
        if self.monitor not in logs:
            warnings.warn(
                f"{type(self).__name__} {action} conditioned on `{self.monitor}`, which is not "
                f"in the logs. Available: {', '.join(logs) or 'nothing'}. Check the name (val_ "
                "values need validation data).",
                stacklevel=3,
            )
            return None
        return float(logs[self.monitor])
