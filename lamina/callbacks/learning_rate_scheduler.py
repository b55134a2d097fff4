"""``LearningRateScheduler``: set the learning rate at the start of each epoch."""

import inspect
import numbers

from lamina.callbacks.callback import Callback
from lamina.errors import ConfigurationError, describe


class LearningRateScheduler(Callback):
    """Set ``model.optimizer.learning_rate = schedule(epoch, lr)`` before every epoch (Keras 3).

    Args:
        schedule: ``schedule(epoch, lr) -> new_lr`` with the 0-based epoch and the current
            learning rate (a one-argument ``schedule(epoch)`` works too).
        verbose: 1 prints each new learning rate.

    The epoch logs get ``learning_rate`` (so ``History`` records it).
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ConfigurationError(
                "LearningRateScheduler: schedule must be a function (epoch, lr) -> lr. "
                f"Received: schedule={describe(schedule)}."
            )
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _accepts_two_arguments(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if self._takes_lr:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise ConfigurationError(
                "LearningRateScheduler: the schedule must return a float. Received: "
                f"{describe(learning_rate)} for epoch {epoch}."
            )
        optimizer.learning_rate = float(learning_rate)
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                f"{float(learning_rate)}.",
                flush=True,
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def _accepts_two_arguments(function):
    try:
        inspect.signature(function).bind(0, 0.0)
    except TypeError:
        return False
    except ValueError:  # no signature (some builtins): assume Keras's current API
        return True
    return True
