"""fit on generators, torch Datasets/DataLoaders and PyDataset; fit options; mixed precision."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.backend import set_random_seed
from lamina.errors import InputError


def data(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


def model():
    set_random_seed(3)
    m = lamina.Sequential([layers.Dense(8, activation="relu", input_shape=(5,)), layers.Dense(2, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return m


def trained_weights(x_source, epochs=2, **kwargs):
    m = model()
    history = m.fit(x_source, epochs=epochs, verbose=0, **kwargs)
    return [w.copy() for w in m.get_weights()], history.history


def batches_of(x, y, size=16):
    for start in range(0, len(x), size):
        yield x[start : start + size], y[start : start + size]


def test_generator_dataloader_and_pydataset_match_arrays():
    x, y = data()
    reference, ref_history = trained_weights(x, epochs=2, y=y, batch_size=16, shuffle=False)

    def endless():
        while True:
            yield from batches_of(x, y)

    from_generator, _ = trained_weights(endless(), epochs=2, steps_per_epoch=8)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(dataset, batch_size=16, shuffle=False, num_workers=2)
    from_loader, loader_history = trained_weights(loader, epochs=2)
    from_dataset, _ = trained_weights(dataset, epochs=2, batch_size=16, shuffle=False)

    class Batches(lamina.utils.PyDataset):
        def __len__(self):
            return 8

        def __getitem__(self, index):
            return x[index * 16 : (index + 1) * 16], y[index * 16 : (index + 1) * 16]

    from_py, _ = trained_weights(Batches(workers=2, use_multiprocessing=True), epochs=2, shuffle=False)
    for other in (from_generator, from_loader, from_dataset, from_py):
        for a, b in zip(reference, other):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert loader_history["loss"] == pytest.approx(ref_history["loss"], rel=1e-6)


class IndexBatches(lamina.utils.PyDataset):
    """8 batches; batch ``i`` holds the number ``i`` (so its order shows), and reads are logged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.read = []

    def __len__(self):
        return 8

    def __getitem__(self, index):
        self.read.append(index)
        return np.full((2, 5), index, dtype=np.float32), np.zeros(2, dtype=np.int64)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_shuffled_py_dataset_yields_its_batches_in_a_new_order_each_epoch(workers):
    from lamina.training.data.py_dataset import from_py_dataset

    data = from_py_dataset(IndexBatches(workers=workers, use_multiprocessing=workers > 1), shuffle=True)
    epochs = [[int(x[0, 0]) for x, _, _ in data.batches()] for _ in range(2)]
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(8))
    assert epochs[0] != epochs[1] and list(range(8)) not in epochs


def test_fit_shuffles_a_py_dataset_as_keras_does_unless_told_not_to():
    dataset = IndexBatches()
    trained_weights(dataset, epochs=2)
    order = dataset.read[-16:]
    assert order[:8] != list(range(8)) and sorted(order[:8]) == list(range(8))
    trained_weights(dataset, epochs=2)  # torch's generator: set_random_seed repeats the order
    assert dataset.read[-16:] == order
    trained_weights(dataset, epochs=1, shuffle=False)
    assert dataset.read[-8:] == list(range(8))


def test_used_up_generator_is_explained():
    x, y = data()
    with pytest.raises(InputError, match="steps_per_epoch"):
        model().fit(batches_of(x, y), epochs=2, verbose=0)


def test_class_weight_equals_matching_sample_weight():
    x, y = data()
    by_class, _ = trained_weights(x, y=y, batch_size=16, class_weight={0: 1.0, 1: 3.0}, shuffle=False)
    by_sample, _ = trained_weights(x, y=y, batch_size=16, sample_weight=np.where(y == 1, 3.0, 1.0), shuffle=False)
    for a, b in zip(by_class, by_sample):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_steps_validation_freq_and_validation_batch_size():
    x, y = data()
    seen = []

    class Count(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    history = model().fit(
        x, y, epochs=4, batch_size=16, steps_per_epoch=3, validation_data=(x, y),
        validation_freq=2, validation_batch_size=64, validation_steps=1, verbose=0, callbacks=[Count()],
    )
    # 128 samples are 8 batches: epochs go on through the pass (as Keras's), the third ends
    # short (batches 6-7) where the pass does, the fourth starts a new pass.
    assert seen == [0, 1, 2] + [0, 1, 2] + [0, 1] + [0, 1, 2]
    assert len(history.history["val_loss"]) == 2 and len(history.history["loss"]) == 4


class Interrupt(Exception):
    pass


class InterruptOnce(lamina.callbacks.Callback):
    """Stop the run by an exception once, at (epoch, batch) (batch None: at the epoch's start)."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.at, self.done = (epoch, batch), False

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if self.at == (epoch, None) and not self.done:
            self.done = True
            raise Interrupt

    def on_train_batch_end(self, batch, logs=None):
        if self.at == (self.epoch, batch) and not self.done:
            self.done = True
            raise Interrupt


def assert_resumes_exactly(make_model, backup_dir, at, **options):
    """A run interrupted at ``at`` (epoch, batch) and rerun with BackupAndRestore ends with
    the weights of a run never interrupted."""
    x, y = data()
    whole = make_model()
    whole.fit(x, y, verbose=0, **options)
    interrupted, stop = make_model(), InterruptOnce(*at)
    backup = lamina.callbacks.BackupAndRestore(str(backup_dir), save_freq=1)
    with pytest.raises(Interrupt):
        interrupted.fit(x, y, callbacks=[backup, stop], verbose=0, **options)
    interrupted.fit(x, y, callbacks=[backup, stop], verbose=0, **options)
    for a, b in zip(whole.get_weights(), interrupted.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("epoch, batch", [(2, None), (1, 1), (2, 0)])
def test_a_resumed_run_goes_on_through_the_pass_as_the_uninterrupted_one(tmp_path, epoch, batch):
    assert_resumes_exactly(model, tmp_path, (epoch, batch), epochs=4, batch_size=16, steps_per_epoch=3, shuffle=True)


def test_evaluate_and_predict_accept_generators_and_loaders():
    x, y = data()
    m = model()
    m.fit(x, y, verbose=0)
    expected = m.evaluate(x, y, batch_size=16, verbose=0)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    assert m.evaluate(torch.utils.data.DataLoader(dataset, batch_size=16), verbose=0) == pytest.approx(expected)
    out = m.predict((x[i : i + 32] for i in range(0, 128, 32)), verbose=0)
    np.testing.assert_allclose(out, m.predict(x, verbose=0), rtol=1e-6)


def test_y_with_a_generator_is_refused():
    x, y = data()
    with pytest.raises(InputError, match="yields the targets itself"):
        model().fit(batches_of(x, y), y, verbose=0)


@pytest.mark.slow
def test_mixed_bfloat16_matches_float32_accuracy_band(fashion_dir):
    (x, y), (xt, yt) = lamina.datasets.fashion_mnist.load_data()
    x, y, xt, yt = x[:6000] / 255.0, y[:6000], xt[:2000] / 255.0, yt[:2000]

    def run():
        set_random_seed(0)
        m = lamina.Sequential([
            layers.Flatten(input_shape=(28, 28)), layers.Dense(128, activation="relu"),
            layers.Dropout(0.2), layers.Dense(10, activation="softmax"),
        ])
        m.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
        m.fit(x, y, epochs=2, batch_size=64, verbose=0)
        return m, m.evaluate(xt, yt, verbose=0)[1]

    baseline_model, baseline = run()
    lamina.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed_model, mixed = run()
        assert mixed_model.layers[1].kernel.dtype == torch.float32
        assert mixed_model.predict(xt[:4], verbose=0).dtype == np.float32
    finally:
        lamina.mixed_precision.set_global_policy("float32")
    assert baseline > 0.78 and abs(mixed - baseline) < 0.03, (baseline, mixed)


def test_a_run_with_a_learning_rate_schedule_resumes_from_a_backup(tmp_path):
    def scheduled():
        m = model()
        schedule = lamina.optimizers.schedules.ExponentialDecay(0.01, decay_steps=4, decay_rate=0.5)
        m.compile(lamina.optimizers.Adam(schedule), "sparse_categorical_crossentropy")
        return m

    assert_resumes_exactly(scheduled, tmp_path, (1, 2), epochs=3, batch_size=16, shuffle=True)
