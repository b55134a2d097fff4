"""Property-based tests (hypothesis) of the in-memory data adapter and validation_split.

Each sample is tagged with its index (``y[i] == i``, ``x[i] == [i, -i]``), so a batch tells
exactly which samples it holds.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.errors import InputError
from lamina.training.data import ArrayData
from lamina.training.validation_split import split_indices

FAST = settings(max_examples=120, deadline=None)

sizes = st.integers(min_value=1, max_value=200)
batch_sizes = st.integers(min_value=1, max_value=64)
seeds = st.integers(min_value=0, max_value=2**31 - 1)
fractions = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True)


def tagged(n):
    ids = np.arange(n)
    x = np.stack([ids, -ids], axis=1).astype(np.float32)
    return ArrayData.from_user(x, ids)


def sample_ids(batches):
    """The tagged sample ids of each batch, after checking x and y agree."""
    ids = []
    for x, y, sample_weight in batches:
        assert sample_weight is None
        torch.testing.assert_close(x[:, 0], y.float())
        torch.testing.assert_close(x[:, 1], -y.float())
        ids.append(y.tolist())
    return ids


def expected_sizes(n, batch_size):
    full, rest = divmod(n, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


# ----------------------------------------------------------------- ArrayData.batches
@FAST
@given(n=sizes, batch_size=batch_sizes, shuffle=st.booleans(), seed=seeds)
def test_every_sample_is_seen_exactly_once_per_epoch(n, batch_size, shuffle, seed):
    torch.manual_seed(seed)
    data = tagged(n)
    epochs = [sample_ids(data.batches(batch_size, shuffle=shuffle)) for _ in range(2)]
    for batches in epochs:
        assert [len(b) for b in batches] == expected_sizes(n, batch_size)
        assert len(batches) == data.num_batches(batch_size)
        seen = [i for batch in batches for i in batch]
        assert sorted(seen) == list(range(n))
        if not shuffle:
            assert seen == list(range(n))


@FAST
@given(n=sizes, batch_size=batch_sizes, shuffle=st.booleans(), steps=st.integers(1, 80), seed=seeds)
def test_steps_stops_after_that_many_batches_of_the_same_epoch(n, batch_size, shuffle, steps, seed):
    data = tagged(n)
    torch.manual_seed(seed)
    full = sample_ids(data.batches(batch_size, shuffle=shuffle))
    torch.manual_seed(seed)
    limited = sample_ids(data.batches(batch_size, shuffle=shuffle, steps=steps))
    assert limited == full[:steps]


@FAST
@given(n=sizes, batch_size=batch_sizes, shuffle=st.booleans(), seed=seeds, data=st.data())
def test_replaying_the_order_from_batch_k_yields_exactly_the_tail_of_the_epoch(
    n, batch_size, shuffle, seed, data
):
    torch.manual_seed(seed)
    arrays = tagged(n)
    epoch = sample_ids(arrays.batches(batch_size, shuffle=shuffle))
    order = arrays.last_order
    assert (order is None) == (not shuffle)
    start = data.draw(st.integers(min_value=0, max_value=len(epoch)), label="start")
    torch.manual_seed(seed + 1)  # the replay must not depend on the global generator
    replayed = sample_ids(arrays.batches(batch_size, order=order, start=start))
    assert replayed == epoch[start:]


@FAST
@given(n=sizes, seed=seeds)
def test_epoch_order_is_a_permutation_drawn_from_the_seeded_generator(n, seed):
    data = tagged(n)
    torch.manual_seed(seed)
    first = data.epoch_order(True)
    torch.manual_seed(seed)
    assert torch.equal(first, data.epoch_order(True))
    assert sorted(first.tolist()) == list(range(n))
    assert data.epoch_order(False) is None


# ------------------------------------------------------------------ split_indices
def keras_train_size(n, fraction):
    return int(n * (1 - fraction))


@FAST
@given(n=st.integers(1, 500), fraction=fractions, shuffle=st.booleans(), seed=seeds)
def test_split_is_disjoint_covers_the_data_and_sizes_follow_keras(n, fraction, shuffle, seed):
    torch.manual_seed(seed)
    n_train = keras_train_size(n, fraction)
    if n_train in (0, n):
        with pytest.raises(InputError, match="validation_split"):
            split_indices(n, fraction, shuffle=shuffle)
        return
    train, val = split_indices(n, fraction, shuffle=shuffle)
    train, val = train.tolist(), val.tolist()
    assert len(train) == n_train and len(val) == n - n_train
    assert not set(train) & set(val)
    assert sorted(train + val) == list(range(n))
    assert train == sorted(train) and val == sorted(val)
    if not shuffle:
        assert val == list(range(n_train, n))


@FAST
@given(
    labels=st.lists(st.integers(0, 5), min_size=2, max_size=400).filter(lambda v: len(set(v)) > 1),
    fraction=fractions,
    seed=seeds,
)
def test_stratified_split_keeps_each_class_share_within_one_sample(labels, fraction, seed):
    labels = np.asarray(labels)
    n = labels.size
    n_val = n - keras_train_size(n, fraction)
    if n_val in (0, n):
        return
    torch.manual_seed(seed)
    train, val = split_indices(n, fraction, labels=labels, shuffle=True)
    assert sorted(train.tolist() + val.tolist()) == list(range(n))
    assert len(val) == n_val
    share = n_val / n
    for cls in np.unique(labels):
        total = int((labels == cls).sum())
        in_val = int((labels[val.numpy()] == cls).sum())
        assert abs(in_val - total * share) < 1, (cls, total, in_val, share)


@FAST
@given(
    labels=st.lists(st.integers(0, 3), min_size=2, max_size=200).filter(lambda v: len(set(v)) > 1),
    fraction=fractions,
)
def test_shuffle_false_takes_the_tail_even_for_class_labels(labels, fraction):
    n = len(labels)
    n_train = keras_train_size(n, fraction)
    if n_train in (0, n):
        return
    train, val = split_indices(n, fraction, labels=np.asarray(labels), shuffle=False)
    assert train.tolist() == list(range(n_train))
    assert val.tolist() == list(range(n_train, n))


@settings(max_examples=40, deadline=None)
@given(fraction=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0)), n=st.integers(2, 50))
def test_fractions_outside_zero_one_are_refused(fraction, n):
    with pytest.raises(InputError, match="validation_split"):
        split_indices(n, fraction)
