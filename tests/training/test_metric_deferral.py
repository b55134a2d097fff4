"""fit/evaluate update additive built-in metrics a few batches at a time (Metric.defer_update)."""

import numpy as np
import torch

import lamina as tf
from lamina.metrics import MeanMetricWrapper


def batches(count=5, size=4, classes=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [
        (torch.randint(0, classes, (size,), generator=generator), torch.rand(size, classes, generator=generator))
        for _ in range(count)
    ]


def test_deferred_updates_equal_immediate_ones_and_reads_apply_them():
    deferred, direct = tf.metrics.SparseCategoricalAccuracy(), tf.metrics.SparseCategoricalAccuracy()
    for y_true, y_pred in batches():
        deferred.defer_update(y_true, y_pred)
        direct.update_state(y_true, y_pred)
    assert len(deferred._pending) == 5  # nothing computed yet
    torch.testing.assert_close(deferred.result(), direct.result())
    assert not deferred._pending
    for y_true, y_pred in batches(seed=1):
        deferred.defer_update(y_true, y_pred)
    state = deferred.state_dict()  # checkpoints see every batch
    assert not deferred._pending and float(state["total"]) > float(direct.state_dict()["total"])


def test_reset_drops_pending_batches_and_a_full_buffer_flushes_itself():
    metric = tf.metrics.MeanIoU(num_classes=3, sparse_y_pred=False)
    for y_true, y_pred in batches(count=3):
        metric.defer_update(y_true, y_pred)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    for y_true, y_pred in batches(count=8):
        metric.defer_update(y_true, y_pred)
    assert not metric._pending  # the eighth batch flushed the buffer


def test_masks_and_ragged_batches_are_honoured():
    masked = tf.metrics.SparseCategoricalAccuracy()
    reference = tf.metrics.SparseCategoricalAccuracy()
    for steps in (3, 3, 5):  # the last batch has more timesteps: not joinable, updated one by one
        y_true = torch.randint(0, 2, (2, steps))
        y_pred = torch.rand(2, steps, 2)
        y_pred._keras_mask = torch.rand(2, steps) > 0.3
        masked.defer_update(y_true, y_pred)
        reference.update_state(y_true, y_pred)
    torch.testing.assert_close(masked.result(), reference.result())


def test_custom_update_rules_update_at_once():
    class CountCalls(MeanMetricWrapper):
        def __init__(self):
            super().__init__(lambda y_true, y_pred: y_pred[:, 0], name="count_calls")
            self.calls = 0

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.calls += 1
            super().update_state(y_true, y_pred, sample_weight)

    metric = CountCalls()
    for y_true, y_pred in batches(count=3):
        metric.defer_update(y_true, y_pred)
    assert metric.calls == 3 and not metric.__dict__.get("_pending")


def test_fit_logs_per_batch_and_per_epoch_match_the_data():
    tf.utils.set_random_seed(0)
    model = tf.models.Sequential([tf.Input((4,)), tf.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((100, 4), dtype=np.float32), rng.integers(0, 3, 100)
    seen = []
    reader = tf.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["accuracy"]))
    model.fit(x, y, epochs=1, batch_size=10, shuffle=False, verbose=0, callbacks=[reader])
    assert len(seen) == 10 and all(0.0 <= a <= 1.0 for a in seen)
    scores = model.evaluate(x, y, batch_size=10, verbose=0)
    predicted = model.predict(x, verbose=0).argmax(1)
    np.testing.assert_allclose(scores[1], (predicted == y).mean(), rtol=1e-6)


def test_a_user_subclass_runs_as_written_at_every_batch():
    class CountCalls(tf.metrics.Metric):
        def __init__(self):
            super().__init__(name="count_calls")
            self.total = self.add_variable((), name="total")
            self.calls, self.grad_modes = 0, []

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.calls += 1
            self.grad_modes.append(torch.is_grad_enabled())
            self.total.add_(self._to_device(y_pred).sum())

        def result(self):
            return self.total.clone()

    assert CountCalls.update_state is CountCalls.__dict__["update_state"]  # not wrapped
    assert CountCalls.result is CountCalls.__dict__["result"]
    metric = CountCalls()
    for y_true, y_pred in batches(count=3):
        metric.defer_update(y_true, y_pred.requires_grad_())
    assert metric.calls == 3 and metric.grad_modes == [True] * 3 and not metric.__dict__.get("_pending")
    assert not metric.total.requires_grad  # _to_device drops the autograd history

    class OwnResult(tf.metrics.SparseCategoricalAccuracy):  # an additive built-in, result overridden
        def result(self):
            return super().result() * 1.0

    own, reference = OwnResult(), tf.metrics.SparseCategoricalAccuracy()
    for y_true, y_pred in batches(count=3):
        own.defer_update(y_true, y_pred)
        reference.update_state(y_true, y_pred)
    assert not own.__dict__.get("_pending")  # its own result() would not apply pending batches
    torch.testing.assert_close(own.result(), reference.result())


def test_every_lamina_metric_opts_in_and_defers_as_before():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    own = [c for c in subclasses(tf.metrics.Metric) if c.__module__.startswith("lamina.")]
    assert len(own) > 30
    for cls in own:
        for name in ("update_state", "result", "reset_state"):
            assert getattr(getattr(cls, name), "_lamina_builtin", False), f"{cls.__name__}.{name}"
        assert cls._defers_updates == bool(cls._additive), cls.__name__
    assert tf.metrics.SparseCategoricalAccuracy._defers_updates and not tf.metrics.AUC._defers_updates
