"""``TerminateOnNaN``: stop training as soon as the loss becomes NaN or infinite."""

import math

from lamina.callbacks.callback import Callback
from lamina.errors import TrainingError


class TerminateOnNaN(Callback):
    """Stop ``fit`` after the first batch whose running loss is NaN or infinite (Keras 3).

    It reads ``logs["loss"]`` after every training batch: one division on the device
    (the running mean, whose sample count lamina keeps on the host) and one read back.
    On the CPU that is a few microseconds per step (14 us measured on a 2-core machine
    under heavy load, against a seed-MLP step of about 1 ms; ``benchmarks/
    callbacks_overhead.py`` prices it as ``nan_check``). On a GPU the read waits for the
    step to finish, which removes the overlap between launching step n+1 and running
    step n: leave it out of GPU runs where every microsecond counts.

    Args:
        raise_error: Raise a ``lamina.errors.TrainingError`` (a ``RuntimeError``) at once
            instead of stopping gracefully (``on_train_end`` of other callbacks then does
            not run).

    Attributes:
        stopped_at: ``(epoch, batch)`` (0-based) where the loss went bad, or ``None``.
    """

    reads_logs_in_place = True

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error
        self.stopped_at = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self.stopped_at = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if logs is None or "loss" not in logs:
            return
        loss = float(logs["loss"])
        if math.isfinite(loss):
            return
        self.stopped_at = (self._epoch, batch)
        steps = self.params.get("steps")
        step = f"{batch + 1}/{steps}" if steps else f"{batch + 1}"
        message = (
            f"Epoch {self._epoch + 1}, batch {batch}: invalid loss ({loss}), terminating training. "
            f"Batch {batch} (counted from 0; step {step} of the progress bar) is the first whose "
            "loss is not finite: check the data in that batch (fit's default check_finite=True "
            "finds NaN/inf in array data), or lower the learning rate."
        )
        if self.raise_error:
            raise TrainingError(message)
        print(message, flush=True)
        self.model.stop_training = True
