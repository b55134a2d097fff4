"""``ModelCheckpoint``: save the model (or its weights) during training."""

import os

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.distribute.process_group import barrier, is_chief
from lamina.errors import ConfigurationError


class ModelCheckpoint(MonitorCallback):
    """Save the model or its weights every epoch (or every ``save_freq`` batches), Keras 3.

    Saving goes through ``model.save(path)`` / ``model.save_weights(path)``, whose writes
    are atomic: an interrupted save leaves the previous file intact.

    Args:
        filepath: Where to save. May contain ``str.format`` fields filled from the epoch
            (1-based) and the logs, e.g. ``"ckpt/{epoch:02d}-{val_loss:.2f}.keras"``; with
            an integer ``save_freq`` also ``{batch}`` (1-based).
        monitor: Quantity that decides the best model (with ``save_best_only``).
        verbose: 1 prints a line per save (or skipped save).
        save_best_only: Only save when ``monitor`` improved on the best value so far
            (with a fixed ``filepath`` the file always holds the best model).
        save_weights_only: Save with ``model.save_weights`` instead of ``model.save``.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see ``MonitorCallback``).
        save_freq: ``"epoch"`` (default) or an integer: save every that many batches
            (then the monitored value is the running value of the epoch so far).
        initial_value_threshold: Initial "best" value for ``save_best_only``.

    Under data parallel rank 0 decides and writes, and every process waits until the file
    is written, so any process may load it afterwards.
    """

    chief_only = True  # data parallel: only rank 0 writes files

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        is_int = isinstance(save_freq, int) and not isinstance(save_freq, bool)
        if save_freq != "epoch" and not (is_int and save_freq > 0):
            raise ConfigurationError(
                "ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches. "
                f"Received: save_freq={save_freq!r}."
            )
        self.save_freq = save_freq
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch = None
        if is_int:
            # Only batch-level saving needs a per-batch hook (keeps per-step cost at zero).
            self.on_train_batch_end = self._count_batch

    def state_dict(self):
        return {
            "best": self.best,
            "batches_since_save": self._batches_since_save,
            "last_batch": self._last_batch,
        }

    def load_state_dict(self, state):
        self.best = state.get("best")
        self._batches_since_save = int(state.get("batches_since_save", 0))
        self._last_batch = state.get("last_batch")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _count_batch(self, batch, logs=None):
        if self._last_batch is None or batch <= self._last_batch:
            self._batches_since_save += batch + 1  # a new epoch started
        else:
            self._batches_since_save += batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            if self.monitor_op is None:
                self._set_monitor_op()
            self._save(self._current_epoch, batch, logs)

    def _save(self, epoch, batch, logs):
        if is_chief():
            self._write(epoch, batch, logs)
        barrier()

    def _write(self, epoch, batch, logs):
        logs = dict(logs or {})
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if os.path.isdir(filepath):
            raise ConfigurationError(
                f"ModelCheckpoint: filepath is an existing directory: {filepath}. Give a file "
                "name, e.g. os.path.join(directory, 'model.keras')."
            )
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}", flush=True)
            return True
        current = self._monitor_value(logs, "save_best_only")
        if current is None:
            return True  # As Keras: without the value, save anyway.
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {filepath}",
                    flush=True,
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}", flush=True)
        return False

    def _file_path(self, epoch, batch, logs):
        fields = {**logs, "epoch": epoch + 1}
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError, ValueError) as err:
            raise ConfigurationError(
                f"ModelCheckpoint: cannot fill in filepath {self.filepath!r} ({err!r}). Its "
                f"fields must be 'epoch'{', batch' if batch is not None else ''} or logged "
                f"values: {', '.join(logs) or 'none'}."
            ) from None
