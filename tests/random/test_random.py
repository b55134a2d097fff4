"""lamina.random against Keras 3's keras.random (torch backend): values, dtypes, seeding rules."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import random as lr


def _same(ours, theirs):
    theirs = torch.as_tensor(theirs).cpu()
    return ours.dtype == theirs.dtype and ours.shape == theirs.shape and torch.equal(ours.cpu(), theirs)


CALLS = [
    ("normal", lambda m, s: m.normal((3, 4), mean=1.0, stddev=2.0, seed=s)),
    ("normal64", lambda m, s: m.normal((5,), dtype="float64", seed=s)),
    ("uniform", lambda m, s: m.uniform((3, 4), minval=-2, maxval=5, seed=s)),
    ("uniform_0d", lambda m, s: m.uniform((), seed=s)),
    ("truncated_normal", lambda m, s: m.truncated_normal((50, 20), mean=1.0, stddev=0.5, seed=s)),
    ("randint", lambda m, s: m.randint((40,), 0, 9, seed=s)),
    ("randint64", lambda m, s: m.randint((4, 2), -5, 5, dtype="int64", seed=s)),
    ("categorical", lambda m, s: m.categorical(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]]), 10, seed=s)),
    ("gamma", lambda m, s: m.gamma((6,), 2.0, seed=s)),
    ("beta", lambda m, s: m.beta((6,), 2.0, 3.0, seed=s)),
    ("binomial", lambda m, s: m.binomial((6,), 10, 0.3, seed=s)),
    ("shuffle", lambda m, s: m.shuffle(torch.arange(24.0).reshape(6, 4), seed=s)),
    ("shuffle_axis1", lambda m, s: m.shuffle(torch.arange(24.0).reshape(4, 6), axis=1, seed=s)),
    ("dropout", lambda m, s: m.dropout(torch.ones(30), 0.5, seed=s)),
    ("dropout_noise_shape", lambda m, s: m.dropout(torch.ones(4, 5), 0.5, noise_shape=(None, 1), seed=s)),
]


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_int_seed_draws_kerass_numbers_and_repeats(name, call):
    ours = call(lr, 42)
    assert _same(ours, call(keras.random, 42))
    assert _same(call(lr, 42), ours)  # an int seed repeats
    assert ours.device == torch.device(lamina.backend.get_device()) or ours.device.type == "cpu"


@pytest.mark.parametrize("name,call", CALLS[:8], ids=[c[0] for c in CALLS[:8]])
def test_seed_generator_advances_as_kerass(name, call):
    ours, theirs = lr.SeedGenerator(7), keras.random.SeedGenerator(7)
    draws = [call(lr, ours) for _ in range(3)]
    for draw in draws:
        assert _same(draw, call(keras.random, theirs))
    assert not torch.equal(draws[0], draws[1])
    again = lr.SeedGenerator(7)
    assert torch.equal(call(lr, again), draws[0])


def test_global_generator_follows_set_random_seed_as_kerass():
    lamina.utils.set_random_seed(11)
    ours = [lr.normal((3,)) for _ in range(3)]
    keras.utils.set_random_seed(11)
    theirs = [keras.random.normal((3,)) for _ in range(3)]
    assert all(_same(a, b) for a, b in zip(ours, theirs))
    assert not torch.equal(ours[0], ours[1])
    lamina.utils.set_random_seed(11)
    assert torch.equal(lr.normal((3,)), ours[0])


def test_seed_generator_state_and_config():
    gen = lr.SeedGenerator(3, name="gen")
    assert gen.state.tolist() == [3, 0] and gen.state.path == "gen/seed_generator_state"
    assert gen.state.dtype == torch.int32 and isinstance(gen.state, lamina.Variable)
    lr.normal((2,), seed=gen)
    assert gen.state.tolist() == [3, 1]
    assert gen.get_config() == keras.random.SeedGenerator(3, name="gen").get_config()
    assert lr.SeedGenerator.from_config(gen.get_config()).state.tolist() == [3, 0]


def test_a_layer_seed_generator_is_remade_from_its_seed_as_keras_saves_none(tmp_path):
    # Keras writes no seed-generator state in .keras weights (checked here): the layer's
    # config seed remakes the generator on load, and lamina does the same.
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5, seed=1)])
    path = tmp_path / "m.keras"
    model.save(path)
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as archive:
        archive.extract("model.weights.h5", tmp_path)
    with h5py.File(tmp_path / "model.weights.h5") as weights:
        assert len(weights["layers/dropout/vars"]) == 0


def test_distribution_statistics():
    n = 200_000
    x = lr.normal((n,), mean=2.0, stddev=3.0, seed=1)
    assert abs(float(x.mean()) - 2.0) < 0.05 and abs(float(x.std()) - 3.0) < 0.05
    u = lr.uniform((n,), minval=-1.0, maxval=3.0, seed=2)
    assert float(u.min()) >= -1.0 and float(u.max()) < 3.0 and abs(float(u.mean()) - 1.0) < 0.02
    t = lr.truncated_normal((n,), mean=0.0, stddev=1.0, seed=3)
    assert float(t.abs().max()) < 2.0 and abs(float(t.std()) - 0.880) < 0.01  # std of N(0,1) cut at 2
    r = lr.randint((n,), 3, 7, seed=4)
    assert set(torch.unique(r).tolist()) == {3, 4, 5, 6}
    g = lr.gamma((n,), 3.0, seed=5)
    assert abs(float(g.mean()) - 3.0) < 0.05 and abs(float(g.var()) - 3.0) < 0.1
    b = lr.beta((n,), 2.0, 5.0, seed=6)
    assert abs(float(b.mean()) - 2 / 7) < 0.01
    k = lr.binomial((n,), 20, 0.25, seed=7)
    assert abs(float(k.mean()) - 5.0) < 0.05 and abs(float(k.var()) - 3.75) < 0.1
    c = lr.categorical(np.log(np.array([[0.2, 0.3, 0.5]])), n, seed=8)
    counts = torch.bincount(c[0].long(), minlength=3).double() / n
    assert torch.allclose(counts, torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64), atol=0.01)
    d = lr.dropout(torch.ones(n), 0.3, seed=9)
    assert abs(float((d == 0).double().mean()) - 0.3) < 0.01 and float(d.max()) == pytest.approx(1 / 0.7)


def test_default_dtypes_match_keras():
    for name in ["normal", "uniform", "truncated_normal"]:
        assert getattr(lr, name)((2,), seed=1).dtype == getattr(keras.random, name)((2,), seed=1).dtype
    assert lr.randint((2,), 0, 3, seed=1).dtype == torch.int32
    assert lr.gamma((2,), 1.0, seed=1).dtype == torch.float32
    assert lr.binomial((2,), 5, 0.5, seed=1).dtype == torch.float32


def test_unseeded_dropout_and_shuffle_accept_arrays_and_lists():
    out = lr.dropout(np.ones((3, 4), "float32"), 0.5)
    assert isinstance(out, torch.Tensor) and out.shape == (3, 4)
    assert sorted(lr.shuffle([1, 2, 3, 4]).tolist()) == [1, 2, 3, 4]
    assert torch.equal(lr.dropout(torch.ones(3), 0.0), torch.ones(3))
    assert torch.equal(lr.dropout(torch.ones(3), 1.0), torch.zeros(3))


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="floating point dtype"):
        lr.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer dtype"):
        lr.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match="2-D"):
        lr.categorical([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="seed must be"):
        lr.normal((2,), seed="x")
    with pytest.raises(ValueError, match="rate must be"):
        lr.dropout(torch.ones(2), 1.5)


def test_a_custom_layer_with_its_own_seed_generator():
    class Noise(lamina.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = lamina.random.SeedGenerator(1337)

        def call(self, x):
            return x + lamina.random.normal(tuple(x.shape), stddev=0.1, seed=self.seed_generator)

    layer = Noise()
    first, second = layer(np.zeros((2, 3), "float32")), layer(np.zeros((2, 3), "float32"))
    assert not torch.equal(first, second)
    assert torch.equal(Noise()(torch.zeros(2, 3)), first)
