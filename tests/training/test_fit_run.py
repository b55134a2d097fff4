"""fit's position lives in its own object (lamina.training.fit_run.FitRun), not on the model;
callbacks reach it as ``self.fit_run`` and declare their own order."""

import numpy as np
import pytest
import torch

import lamina
from lamina.errors import ConfigurationError
from lamina.training.data import adapt
from lamina.training.fit_run import FitRun


def arrays(n=100):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype("float32"), rng.integers(0, 2, n)


def test_a_restored_run_continues_with_the_same_batches_in_the_same_order():
    data = adapt(*arrays(), batch_size=16)
    torch.manual_seed(0)
    run = FitRun(data, 16, epochs=2)
    seen, state = [], None
    for _ in run.epochs():
        for step, batch in run.batches():
            seen.append(batch[0])
            run.batch_done(step)
            if len(seen) == 3:
                state = run.state()
        run.epoch_done()
    assert state["epoch"] == 0 and state["batch"] == 3 and state["order"].shape == (100,)
    resumed = FitRun(data, 16, epochs=2)
    resumed.restore(state)
    torch.manual_seed(0)
    rest = []
    for epoch in resumed.epochs():
        assert resumed.resumes_mid_epoch == (epoch == 0)
        rest.extend(batch[0] for _, batch in resumed.batches())
    assert len(rest) == len(seen) - 3
    for a, b in zip(seen[3:7], rest[:4]):  # the restored epoch replays the saved order
        torch.testing.assert_close(a, b)
    assert run.state() == {"epoch": 2, "batch": 0, "order": run.order}


def test_callbacks_get_the_run_and_the_model_keeps_no_fit_position():
    x, y = arrays()
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")

    class Record(lamina.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.positions = []

        def on_train_batch_end(self, batch, logs=None):
            self.positions.append((self.fit_run.epoch, self.fit_run.batch))

    record = Record()
    model.fit(x, y, epochs=2, batch_size=50, callbacks=[record], verbose=0)
    assert record.positions == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert record in record.fit_run.callbacks
    for name in ("_resume_point", "_epoch", "_epoch_order", "_active_callbacks"):
        assert not hasattr(model, name)
    model.evaluate(x, y, callbacks=[record], verbose=0)
    assert record.fit_run is None


def test_callbacks_declare_their_order():
    calls = []

    class Last(lamina.callbacks.Callback):
        callback_order = "last"

        def on_epoch_end(self, epoch, logs=None):
            calls.append(("last", dict(self.model.history.history)))

    class Plain(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            calls.append(("plain", dict(self.model.history.history)))

    x, y = arrays()
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, callbacks=[Last(), Plain()], verbose=0)
    assert [name for name, _ in calls] == ["plain", "last"]
    assert calls[0][1] == {} and list(calls[1][1]) == ["loss"]  # "last" runs after History

    class Odd(lamina.callbacks.Callback):
        callback_order = "first"

    with pytest.raises(ConfigurationError, match="callback_order"):
        model.fit(x, y, epochs=1, callbacks=[Odd()], verbose=0)
