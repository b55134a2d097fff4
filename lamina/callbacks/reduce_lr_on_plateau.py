"""``ReduceLROnPlateau``: lower the learning rate when a monitored quantity stalls."""

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.errors import ConfigurationError


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    Reads and sets ``model.optimizer.learning_rate`` (a Python float: no device work),
    and adds ``learning_rate`` to the epoch logs (so ``History`` records it).

    Args:
        monitor: Quantity to watch. Defaults to ``"val_loss"``.
        factor: Multiplier of the learning rate, in [0, 1). Defaults to 0.1.
        patience: Epochs without improvement before reducing. Defaults to 10.
        verbose: 1 prints each reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        min_delta: Smallest change that counts as an improvement. Defaults to 1e-4.
        cooldown: Epochs to wait after a reduction before counting again. Defaults to 0.
        min_lr: The learning rate never goes below this. Defaults to 0.
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if not 0 <= factor < 1.0:
            raise ConfigurationError(
                f"ReduceLROnPlateau: factor must be in [0, 1) to reduce the learning rate. "
                f"Received: factor={factor!r}. Try 0.1 or 0.5."
            )
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def state_dict(self):
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state):
        self.best = state.get("best")
        self.wait = int(state.get("wait", 0))
        self.cooldown_counter = int(state.get("cooldown_counter", 0))

    def in_cooldown(self):
        """Whether the callback is waiting out its ``cooldown`` epochs after a reduction."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        optimizer = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = float(optimizer.learning_rate)
        current = self._monitor_value(logs, "learning rate reduction")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(optimizer, epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, optimizer, epoch):
        old = float(optimizer.learning_rate)
        if old <= self.min_lr:
            return False
        new = max(old * self.factor, self.min_lr)
        optimizer.learning_rate = new
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
        return True
