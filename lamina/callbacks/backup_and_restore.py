"""``BackupAndRestore``: survive a crash and resume at the exact next batch."""

import os

from lamina import distribute
from lamina.callbacks.callback import Callback
from lamina.errors import ConfigurationError
from lamina.saving.atomic import remove_if_unlocked
from lamina.saving.training_state import read_training_state, write_training_state

NOT_SHARED = (
    "BackupAndRestore: the backup {path} exists on some processes but not on others. Under "
    "data parallel, rank 0 writes it and every process reads it on restart: put backup_dir "
    "on a filesystem that every machine sees (or remove the stale backup)."
)


class BackupAndRestore(Callback):
    """Back training up regularly; a rerun of the same script continues from the backup.

    Keras resumes at epoch boundaries only. lamina backs up weights, optimizer state,
    every random generator, the epoch, the batch, the epoch's shuffle order, metric
    accumulators, the history and callback state (EarlyStopping counters,
    ReduceLROnPlateau...), so with array data a resumed run finishes bitwise equal (on
    CPU) to one that never stopped. Each backup replaces the previous one atomically: a
    crash while writing leaves the previous backup intact. With generators or
    DataLoaders the data stream itself cannot be rewound, so use ``save_freq="epoch"``.

    Under data parallel, rank 0 writes the backup (with the metric accumulators summed
    over processes) while the others wait; on restart every process reads it, so
    ``backup_dir`` must be visible to all of them.

    Args:
        backup_dir: directory for the backup file (created if needed).
        save_freq: ``"epoch"`` or a number of batches between backups.
        delete_checkpoint: remove the backup when training finishes normally.
    """

    reads_logs_in_place = True
    callback_order = "last"  # after History and the other callbacks: the epoch's final state

    FILENAME = "training_state.h5"

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ConfigurationError(
                "BackupAndRestore: backup_dir is required. Received: backup_dir=''."
            )
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ConfigurationError(
                f"BackupAndRestore: save_freq must be 'epoch' or a positive number of batches. "
                f"Received: save_freq={save_freq!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.path = os.path.join(self.backup_dir, self.FILENAME)
        self._batches_since_backup = 0
        self._before_rename = None

    def _others(self):
        callbacks = self.fit_run.callbacks if self.fit_run is not None else []
        return [cb for cb in callbacks if cb is not self]

    def on_train_begin(self, logs=None):
        self._batches_since_backup = 0
        if distribute.is_chief():
            self._remove_stale_temporaries()
        found = os.path.exists(self.path)
        if distribute.any_process(found) != (not distribute.any_process(not found)):
            raise ConfigurationError(NOT_SHARED.format(path=self.path))
        if found:
            self.fit_run.restore(read_training_state(self.path, self.model, self._others()))
            if not distribute.is_chief():
                self.model.reset_metrics()  # the backup holds the sum over processes

    def _remove_stale_temporaries(self):
        """A run killed mid-write leaves its temporary file; the backup itself is intact. Only
        this callback writes into its folder, so any unlocked one is a dead run's, whatever its age."""
        if not os.path.isdir(self.backup_dir):
            return
        prefix = f".{self.FILENAME}."
        for name in os.listdir(self.backup_dir):
            if name.startswith(prefix) and name.endswith(".tmp"):
                remove_if_unlocked(os.path.join(self.backup_dir, name))

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_backup += 1
        if self._batches_since_backup >= self.save_freq:
            self._batches_since_backup = 0
            self._backup()

    def on_epoch_end(self, epoch, logs=None):
        self._batches_since_backup = 0
        self._backup()  # the next epoch's start, with this epoch's order (it may go on through it)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and distribute.is_chief() and os.path.exists(self.path):
            os.remove(self.path)

    def _backup(self):
        position = self.fit_run.state()  # the next batch to train
        with distribute.global_metric_state(self.model.metrics):
            if distribute.is_chief():
                write_training_state(
                    self.path,
                    self.model,
                    position["epoch"],
                    position["batch"],
                    position["order"],
                    self._others(),
                    before_rename=self._before_rename,
                )
        distribute.barrier()
