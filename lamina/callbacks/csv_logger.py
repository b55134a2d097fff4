"""``CSVLogger``: one CSV row of logs per epoch."""

import collections.abc
import csv
import io
import os

from lamina.callbacks.callback import Callback


class CSVLogger(Callback):
    """Write the epoch logs to a CSV file: ``epoch`` then the logged values, sorted by name.

    Each row is written with one ``write`` call and flushed, so the file never ends in a
    half-written line. With ``append=True`` an existing file keeps its header and rows,
    and new rows follow (no second header). The file is opened at the first epoch's end.

    Args:
        filename: The CSV file.
        separator: Column separator. Defaults to ``","``.
        append: Append to an existing file instead of overwriting it.

    As in Keras, when the first epoch has no ``val_`` values their columns are still
    created (as ``val_<name>``, filled with ``NA``) so that later validation fits.

    Under data parallel only rank 0 writes (the logs are global).
    """

    chief_only = True  # data parallel: only rank 0 writes files

    chief_only = True

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.csv_file = None
        self._resuming = False

    def on_train_begin(self, logs=None):
        self._close()
        self.keys = None
        self._resuming = False

    def state_dict(self):
        """The columns, so that a run resumed by ``BackupAndRestore`` appends to the file."""
        return {"keys": self.keys or []}

    def load_state_dict(self, state):
        self.keys = list(state.get("keys") or []) or None
        self._resuming = True

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.sep, lineterminator="\n")
        if self.csv_file is None and self._open():
            writer.writerow(["epoch", *self.keys])
        writer.writerow([epoch, *(_cell(logs[k]) if k in logs else "NA" for k in self.keys)])
        self.csv_file.write(buffer.getvalue())
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()

    def _open(self):
        """Open the file; returns whether it needs a header."""
        append = self.append or self._resuming
        needs_header = True
        if append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as existing:
                needs_header = not existing.readline()
        directory = os.path.dirname(self.filename)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.csv_file = open(  # noqa: SIM115 - kept open for the whole fit
            self.filename, "a" if append else "w", newline="", encoding="utf-8"
        )
        return needs_header

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = None


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable):
        return f"[{', '.join(map(str, value))}]"
    return value
