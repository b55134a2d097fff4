"""``FitRun``: one ``fit`` call's position - epoch, batch, sample order - kept off the model.

``fit`` makes one per call, hands it to every callback (``Callback.fit_run``, set with
``set_fit_run``) and walks it: ``epochs()`` yields the epochs to train, ``batches()`` the
current epoch's ``(step, batch)`` pairs. ``state()`` is where a rerun would continue and
``restore(state)``, called from ``on_train_begin`` (as ``BackupAndRestore`` does), makes
this run continue from such a state instead of ``initial_epoch``.

Array data: each epoch draws a fresh sample order from torch's generator (with
``shuffle``), or, with ``steps_per_epoch`` short of a pass, goes on through the last
epoch's order where it stopped (as Keras does). Under data parallel every process takes
rank 0's order and its own rows of each batch (``shard``). Other data (generators,
DataLoaders, PyDatasets) streams as it comes: it has no order to keep or replay.
"""

from lamina import distribute
from lamina.training.data import ArrayData
from lamina.training.data.array_data import epoch_offset
from lamina.training.sample_weights import class_weights_for, combine_weights


class FitRun:
    """One ``fit`` call's position (see the module docstring).

    Attributes:
        epoch: The current epoch, from 0 (None before the first).
        batch: Batches of the current epoch done so far, so the index of the next one.
        order: The current epoch's sample order (a 1-D tensor of sample indices), or None
            (no shuffling, or data that is not in memory).
        callbacks: The fit's callbacks, in the order their hooks run.
    """

    def __init__(
        self, data, batch_size, epochs, initial_epoch=0, steps_per_epoch=None, shuffle=True,
        class_weight=None, shard=None,
    ):
        self.data = data
        self.batch_size = batch_size
        self.total_epochs = epochs
        self.initial_epoch = initial_epoch
        self.steps_per_epoch = steps_per_epoch
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.shard = shard
        self.epoch = None
        self.batch = 0
        self.order = None
        self.callbacks = []
        self._resume = None
        self._epoch_done = False

    # ----------------------------------------------------------------- position
    def state(self):
        """``{"epoch", "batch", "order"}``: where a rerun continues (the next batch to train).

        After the last batch of an epoch it is the next epoch's start, with this epoch's
        order (with ``steps_per_epoch`` short of a pass the next epoch goes on through it).
        """
        if self._epoch_done:
            return {"epoch": self.epoch + 1, "batch": 0, "order": self.order}
        return {"epoch": self.epoch, "batch": self.batch, "order": self.order}

    def restore(self, state):
        """Continue from ``state`` (what ``state()`` returned, perhaps in an earlier process):
        the epochs start at its epoch, and its first batches are skipped in its order."""
        self._resume = {"epoch": int(state["epoch"]), "batch": int(state["batch"]), "order": state.get("order")}

    @property
    def resumes_mid_epoch(self):
        """Whether the current epoch continues a restored one part-way (its metric
        accumulators were restored too, so they must not be reset)."""
        resume = self._resume
        return resume is not None and self.epoch == resume["epoch"] and resume["batch"] > 0

    # ------------------------------------------------------------------ walking
    def epochs(self):
        """The epochs to train: from the restored epoch, else ``initial_epoch``, to ``epochs``."""
        first = self._resume["epoch"] if self._resume is not None else self.initial_epoch
        for epoch in range(first, self.total_epochs):
            self.epoch, self.batch, self._epoch_done = epoch, 0, False
            yield epoch

    def batches(self):
        """The current epoch's ``(step, (x, y, sample_weight))`` pairs, ``step`` counting from
        the epoch's first batch (a restored epoch starts at its saved batch)."""
        data = self.data
        resume = self._resume if self._resume is not None and self._resume["epoch"] == self.epoch else None
        start = resume["batch"] if self.resumes_mid_epoch else 0
        if isinstance(data, ArrayData):
            offset = epoch_offset(
                self.epoch - self.initial_epoch, self.steps_per_epoch, data.num_batches(self.batch_size)
            )
            if resume is not None and (start or offset):
                order = resume["order"]  # replay the saved epoch (or the pass it goes on through)
            elif offset:
                order = self.order  # go on through the last epoch's order
            else:
                order = data.epoch_order(self.shuffle)
            self.order = distribute.broadcast_tensor(order)
            batches = data.batches(
                self.batch_size, steps=self.steps_per_epoch, order=self.order, start=start,
                shard=self.shard, offset=offset,
            )
        else:
            batches = data.batches(self.batch_size, steps=self.steps_per_epoch)
            if self.class_weight is not None:
                batches = (_class_weighted(batch, self.class_weight) for batch in batches)
        self.batch = start
        return enumerate(batches, start=start)

    def batch_done(self, step):
        """Record that batch ``step`` of the current epoch was trained."""
        self.batch = step + 1

    def epoch_done(self):
        """Record that the current epoch ended (its last batch, or a stop)."""
        self._epoch_done = True


def _class_weighted(batch, class_weight):
    """A streamed batch with ``class_weight`` folded into its sample weights (array data
    gets them once, before fit)."""
    x, y, sample_weight = batch
    return x, y, combine_weights(sample_weight, class_weights_for(y, class_weight))
