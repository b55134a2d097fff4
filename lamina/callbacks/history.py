"""``History``: the per-epoch logs that ``fit`` returns."""

from lamina.callbacks.callback import Callback


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
