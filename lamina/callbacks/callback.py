"""``Callback``: hooks that ``fit``, ``evaluate`` and ``predict`` call, with Keras's names."""


class Callback:
    """Base class: override the hooks you need. ``self.model`` and ``self.params`` are set by fit.

    In ``fit``, ``self.fit_run`` is the run's ``lamina.training.fit_run.FitRun``: its
    ``epoch``, ``batch`` (batches done in the epoch), ``order`` (the epoch's sample order),
    ``callbacks`` (all of the fit's, in hook order), ``state()`` (where a rerun would
    continue) and ``restore(state)`` (continue from a saved state; call it in
    ``on_train_begin``). It is None in ``evaluate`` and ``predict``.

    Hooks run in the order of the ``callbacks`` list, then ``History``; a callback whose
    class sets ``callback_order = "last"`` runs after those (``BackupAndRestore``, so a
    backup captures the epoch's final state, then the progress bar).

    Under data parallel (``lamina.distribute``) every process runs the callbacks, with the
    same (global) epoch logs. A callback that only prints or writes files sets
    ``chief_only = True``: its hooks then run on rank 0 alone.
    """

    chief_only = False
    #: Whether the batch hooks only read ``logs`` during the call (lamina's progress bar):
    #: they then get the live logs, read from the metrics on demand, not a dict copy.
    reads_logs_in_place = False
    #: ``"normal"`` or ``"last"``: where the hooks run among the fit's callbacks (see above).
    callback_order = "normal"
    #: The ``FitRun`` of the ``fit`` call the callback serves (None outside ``fit``).
    fit_run = None

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Give the callback the model it serves (``fit``/``evaluate``/``predict`` call this)."""
        self.model = model

    def set_fit_run(self, fit_run):
        """Give the callback the ``FitRun`` of the current ``fit`` (None for evaluate/predict)."""
        self.fit_run = fit_run

    def set_params(self, params):
        """Give the callback the run's parameters: ``epochs``, ``steps``, ``verbose``, ``in_fit``."""
        self.params = params

    def state_dict(self):
        """State to keep in a backup (JSON-able values and arrays); override with load_state_dict."""
        return {}

    def load_state_dict(self, state):
        """Restore what ``state_dict`` returned (used by ``BackupAndRestore``)."""

    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts. ``logs`` is empty."""

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends; ``logs`` holds the last epoch's results."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch ``epoch`` (counted from 0) in ``fit``."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of epoch ``epoch`` in ``fit``.

        Args:
            epoch: Index of the epoch, from 0.
            logs: The epoch's loss and metrics as floats (``{"loss": ..., "accuracy": ...}``),
                with ``val_``-prefixed entries when there is validation data.
        """

    def on_train_batch_begin(self, batch, logs=None):
        """Called before training step ``batch`` (index within the epoch)."""

    def on_train_batch_end(self, batch, logs=None):
        """Called after training step ``batch``.

        Args:
            batch: Index of the step within the epoch, from 0.
            logs: The running loss and metrics of the epoch so far. A lazy mapping: each
                value is read from the device as a float only when it is accessed, so a
                callback that does not look costs nothing.
        """

    def on_test_begin(self, logs=None):
        """Called when an evaluation starts (``evaluate``, or validation inside ``fit``)."""

    def on_test_end(self, logs=None):
        """Called when an evaluation ends; ``logs`` holds its loss and metrics as floats."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before evaluation step ``batch``."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after evaluation step ``batch``; ``logs`` holds the running results."""

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts."""

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before prediction step ``batch``."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after prediction step ``batch``; ``logs["outputs"]`` holds its outputs."""
