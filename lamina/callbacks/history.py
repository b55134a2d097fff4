"""``History``: the per-epoch logs that ``fit`` returns."""

from lamina.callbacks.callback import Callback
from lamina.callbacks.plot_history import plot_history


class History(Callback):
    """Records ``logs`` at each epoch end: ``history.history["loss"]`` is a list of floats."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))

    def plot(self, to_file=None, metrics=None):
        """Plot the recorded curves (see ``lamina.utils.plot_history``); returns the Figure."""
        return plot_history(self, to_file=to_file, metrics=metrics)
