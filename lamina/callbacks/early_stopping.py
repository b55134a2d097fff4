"""``EarlyStopping``: stop training when a monitored quantity stops improving."""

import torch

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.callbacks.weights import copy_weights, restore_weights


class EarlyStopping(MonitorCallback):
    """Stop ``fit`` once ``monitor`` has not improved for ``patience`` epochs (Keras 3).

    Args:
        monitor: Quantity to watch. Defaults to ``"val_loss"``.
        min_delta: Smallest change that counts as an improvement. Defaults to 0.
        patience: Epochs without improvement before stopping. Defaults to 0.
        verbose: 1 prints when it stops and when it restores weights.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see ``MonitorCallback``).
        baseline: Training stops unless the model beats this value within ``patience``
            epochs (the best epoch is still restored).
        restore_best_weights: At the end of training, put back the weights of the best
            epoch: an exact copy of the model's ``state_dict`` (parameters and buffers such
            as BatchNormalization statistics), kept on the CPU, taken at that epoch's end.
        start_from_epoch: Epochs of warm-up before monitoring starts. Defaults to 0.

    Attributes:
        stopped_epoch: The epoch (0-based) at which training stopped, 0 if it did not.
        best_epoch: The best epoch seen (0-based).
        best: The best value seen.
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self._monitor_value(logs, "early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored epoch is the best.
            self.best_weights = copy_weights(self.model)
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = copy_weights(self.model)
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def state_dict(self):
        """Counters, best value and (with ``restore_best_weights``) the best weights, for
        ``BackupAndRestore``."""
        state = {
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "best": self.best,
            "best_epoch": self.best_epoch,
        }
        if self.best_weights is not None:
            state["best_weight_names"] = list(self.best_weights)
            state["best_weights"] = [t.numpy() for t in self.best_weights.values()]
        return state

    def load_state_dict(self, state):
        self.wait = int(state.get("wait", 0))
        self.stopped_epoch = int(state.get("stopped_epoch", 0))
        self.best = state.get("best")
        self.best_epoch = int(state.get("best_epoch", 0))
        names = state.get("best_weight_names")
        if names is not None:
            arrays = state["best_weights"]
            self.best_weights = {n: torch.as_tensor(a).clone() for n, a in zip(names, arrays)}

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.",
                    flush=True,
                )
            restore_weights(self.model, self.best_weights)
