"""``ProgbarLogger``: the progress bar ``fit`` shows with ``verbose=1`` (or a line per epoch with 2)."""

from lamina.callbacks.callback import Callback
from lamina.callbacks.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints the progress bar of ``fit``/``evaluate``/``predict``; added by ``verbose``.

    Args:
        verbose: 1 for a progress bar (redrawn in place on a terminal), 2 for one line
            per epoch.
    """

    reads_logs_in_place = True
    chief_only = True  # data parallel: rank 0 prints
    callback_order = "last"  # shows what the other callbacks added to the logs

    def __init__(self, verbose=1):
        super().__init__()
        self.verbose = verbose
        self.progbar = None

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        self.progbar = Progbar(self.params.get("steps"), verbose=self.verbose)
        print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.progbar.seen, logs, finalize=True)

    def on_test_begin(self, logs=None):
        if not self.params.get("in_fit"):
            self.progbar = Progbar(self.params.get("steps"), verbose=self.verbose)

    def on_test_batch_end(self, batch, logs=None):
        if not self.params.get("in_fit"):
            self.progbar.update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not self.params.get("in_fit"):
            self.progbar.update(self.progbar.seen, logs, finalize=True)

    def on_predict_begin(self, logs=None):
        self.progbar = Progbar(self.params.get("steps"), verbose=self.verbose)

    def on_predict_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, None)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.progbar.seen, None, finalize=True)
