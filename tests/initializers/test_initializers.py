"""Initializers: statistics against their formulas, seeding, fans and the registry."""

import math

import numpy as np
import pytest
import torch

from lamina import initializers
from lamina.backend import set_floatx, set_random_seed
from lamina.errors import ConfigurationError

# A standard normal truncated to [-2, 2] has variance 1 - 2 * 2 * pdf(2) / (cdf(2) - cdf(-2)).
_PDF_2 = math.exp(-2.0) / math.sqrt(2.0 * math.pi)
_MASS_2 = math.erf(2.0 / math.sqrt(2.0))
TRUNCATED_STD = math.sqrt(1.0 - 4.0 * _PDF_2 / _MASS_2)

BIG = (400, 600)


def test_keras_truncation_constant_is_the_truncated_normal_std():
    from lamina.initializers.variance_scaling import TRUNCATED_NORMAL_STDDEV

    assert TRUNCATED_NORMAL_STDDEV == pytest.approx(TRUNCATED_STD, rel=1e-12)


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((3, 4), (3, 4)),
        ((5, 8, 16), (40, 80)),
        ((3, 3, 64, 128), (576, 1152)),
        ((2, 3, 4, 5, 6), (120, 144)),
    ],
)
def test_compute_fans_on_keras_layout(shape, fans):
    assert initializers.compute_fans(shape) == fans


def test_glorot_uniform_limit_and_variance():
    values = initializers.GlorotUniform()(BIG)
    limit = math.sqrt(6.0 / (BIG[0] + BIG[1]))
    assert values.abs().max().item() <= limit * (1 + 1e-6)  # float32 rounding of the limit
    assert values.abs().max().item() > 0.99 * limit
    assert values.var().item() == pytest.approx(limit**2 / 3.0, rel=0.02)
    assert abs(values.mean().item()) < 0.01 * limit


@pytest.mark.parametrize(
    "cls, fan_kind, scale, distribution",
    [
        (initializers.GlorotNormal, "avg", 1.0, "truncated"),
        (initializers.HeNormal, "in", 2.0, "truncated"),
        (initializers.LecunNormal, "in", 1.0, "truncated"),
        (initializers.HeUniform, "in", 2.0, "uniform"),
        (initializers.LecunUniform, "in", 1.0, "uniform"),
    ],
)
def test_named_variance_scaling_std_and_bounds(cls, fan_kind, scale, distribution):
    fan = {"in": BIG[0], "avg": (BIG[0] + BIG[1]) / 2}[fan_kind]
    expected_std = math.sqrt(scale / fan)
    values = cls()(BIG)
    assert values.std().item() == pytest.approx(expected_std, rel=0.02)
    if distribution == "uniform":
        bound = math.sqrt(3.0) * expected_std
    else:
        bound = 2.0 * expected_std / TRUNCATED_STD
    assert values.abs().max().item() <= bound * (1 + 1e-6)
    assert values.abs().max().item() > 0.98 * bound


def test_he_normal_on_conv_kernel_uses_receptive_field():
    shape = (3, 3, 64, 128)
    values = initializers.HeNormal()(shape)
    assert values.shape == shape
    assert values.std().item() == pytest.approx(math.sqrt(2.0 / (9 * 64)), rel=0.02)


@pytest.mark.parametrize("mode, fan", [("fan_in", 400), ("fan_out", 600), ("fan_avg", 500)])
def test_variance_scaling_modes_and_untruncated_normal(mode, fan):
    init = initializers.VarianceScaling(scale=3.0, mode=mode, distribution="untruncated_normal")
    values = init(BIG)
    assert values.std().item() == pytest.approx(math.sqrt(3.0 / fan), rel=0.02)
    # Untruncated: some samples lie beyond 2 std (about 4.6% of them).
    beyond = (values.abs() > 2 * math.sqrt(3.0 / fan)).float().mean().item()
    assert beyond == pytest.approx(1 - _MASS_2, abs=0.005)


def test_variance_scaling_accepts_normal_as_truncated_normal():
    assert initializers.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"scale": 0.0}, "scale"),
        ({"scale": -1.0}, "scale"),
        ({"mode": "fan_middle"}, "mode"),
        ({"distribution": "cauchy"}, "distribution"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_variance_scaling_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        initializers.VarianceScaling(**kwargs)


def test_random_normal_moments():
    values = initializers.RandomNormal(mean=1.5, stddev=0.3)(BIG)
    assert values.mean().item() == pytest.approx(1.5, abs=0.003)
    assert values.std().item() == pytest.approx(0.3, rel=0.01)


def test_random_uniform_bounds_and_moments():
    values = initializers.RandomUniform(minval=-1.0, maxval=3.0)(BIG)
    assert values.min().item() >= -1.0
    assert values.max().item() < 3.0
    assert values.mean().item() == pytest.approx(1.0, abs=0.015)
    assert values.var().item() == pytest.approx(16.0 / 12.0, rel=0.02)


def test_truncated_normal_stays_within_two_std():
    mean, stddev = 1.0, 2.0
    values = initializers.TruncatedNormal(mean=mean, stddev=stddev)(BIG)
    assert values.min().item() >= mean - 2 * stddev
    assert values.max().item() <= mean + 2 * stddev
    assert values.mean().item() == pytest.approx(mean, abs=0.02)
    assert values.std().item() == pytest.approx(stddev * TRUNCATED_STD, rel=0.01)


def test_keras_defaults():
    assert initializers.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.RandomUniform().get_config() == {
        "minval": -0.05,
        "maxval": 0.05,
        "seed": None,
    }
    assert initializers.TruncatedNormal().get_config()["stddev"] == 0.05
    assert initializers.VarianceScaling().get_config() == {
        "scale": 1.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
        "seed": None,
    }
    assert initializers.Constant().get_config() == {"value": 0.0}
    assert initializers.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    assert initializers.Identity().get_config() == {"gain": 1.0}


@pytest.mark.parametrize("shape", [(60, 20), (20, 60), (32, 32)])
def test_orthogonal_matrix(shape):
    q = initializers.Orthogonal()(shape).double()
    rows, cols = shape
    gram = q.T @ q if rows >= cols else q @ q.T
    np.testing.assert_allclose(gram.numpy(), np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_conv_kernel_and_gain():
    shape = (3, 3, 4, 8)
    values = initializers.Orthogonal(gain=2.0)(shape).double()
    assert values.shape == shape
    matrix = values.reshape(-1, 8)
    np.testing.assert_allclose((matrix.T @ matrix).numpy(), 4.0 * np.eye(8), atol=1e-5)


def test_orthogonal_needs_two_dimensions():
    with pytest.raises(ConfigurationError, match="at least 2 dimensions"):
        initializers.Orthogonal()((5,))


def test_constant_zeros_ones_identity():
    assert torch.equal(initializers.Zeros()((2, 3)), torch.zeros(2, 3))
    assert torch.equal(initializers.Ones()((2, 3)), torch.ones(2, 3))
    assert torch.equal(initializers.Constant(2.5)((2, 3)), torch.full((2, 3), 2.5))
    broadcast = initializers.Constant([1.0, 2.0, 3.0])((2, 3))
    assert broadcast.tolist() == [[1, 2, 3], [1, 2, 3]]
    assert torch.equal(initializers.Identity(gain=3.0)((2, 4)), 3.0 * torch.eye(2, 4))
    assert initializers.Zeros()((3,), dtype="int64").dtype == torch.int64


def test_constant_that_cannot_broadcast_and_identity_rank_errors():
    with pytest.raises(ConfigurationError, match="cannot be broadcast"):
        initializers.Constant([1.0, 2.0])((2, 3))
    with pytest.raises(ConfigurationError, match="2-D"):
        initializers.Identity()((2, 2, 2))


def test_dtypes():
    init = initializers.GlorotUniform(seed=1)
    assert init((4, 5)).dtype == torch.float32
    assert init((4, 5), dtype=torch.float64).dtype == torch.float64
    half = init((4, 5), dtype="bfloat16")
    assert half.dtype == torch.bfloat16
    torch.testing.assert_close(half.float(), init((4, 5)), atol=1e-2, rtol=1e-2)
    assert init((4, 5)).device.type == "cpu"
    with pytest.raises(ConfigurationError, match="floating point"):
        init((4, 5), dtype=torch.int32)
    with pytest.raises(ConfigurationError, match="unknown dtype"):
        init((4, 5), dtype="float33")


def test_default_dtype_follows_floatx():
    set_floatx("float64")
    try:
        assert initializers.HeNormal()((3, 3)).dtype == torch.float64
        assert initializers.Zeros()((3,)).dtype == torch.float64
    finally:
        set_floatx("float32")


SEEDABLE = [
    initializers.RandomNormal,
    initializers.RandomUniform,
    initializers.TruncatedNormal,
    initializers.VarianceScaling,
    initializers.GlorotUniform,
    initializers.GlorotNormal,
    initializers.HeUniform,
    initializers.HeNormal,
    initializers.LecunUniform,
    initializers.LecunNormal,
    initializers.Orthogonal,
]


@pytest.mark.parametrize("cls", SEEDABLE)
def test_seeded_initializer_repeats_its_values(cls):
    first = cls(seed=42)((6, 5))
    assert torch.equal(first, cls(seed=42)((6, 5)))
    seeded = cls(seed=42)
    assert torch.equal(seeded((6, 5)), seeded((6, 5)))
    assert not torch.equal(first, cls(seed=43)((6, 5)))


@pytest.mark.parametrize("cls", SEEDABLE)
def test_unseeded_initializer_follows_global_seed(cls):
    init = cls()
    set_random_seed(7)
    first, second = init((6, 5)), init((6, 5))
    assert not torch.equal(first, second)
    set_random_seed(7)
    assert torch.equal(first, init((6, 5)))
    assert torch.equal(second, init((6, 5)))


def _non_default_instances():
    return [
        initializers.Zeros(),
        initializers.Ones(),
        initializers.Constant(value=0.7),
        initializers.Constant(value=[[1.0, 2.0]]),
        initializers.RandomNormal(mean=0.1, stddev=0.2, seed=3),
        initializers.RandomUniform(minval=-1.0, maxval=2.0, seed=3),
        initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=3),
        initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=3),
        initializers.GlorotUniform(seed=3),
        initializers.GlorotNormal(seed=3),
        initializers.HeUniform(seed=3),
        initializers.HeNormal(seed=3),
        initializers.LecunUniform(seed=3),
        initializers.LecunNormal(seed=3),
        initializers.Orthogonal(gain=0.5, seed=3),
        initializers.Identity(gain=2.0),
    ]


def test_every_class_is_covered_by_the_round_trip():
    # STFT takes only 3-D shapes; tests/initializers/test_initializer_aliases.py round-trips it.
    covered = {type(i) for i in _non_default_instances()} | {initializers.STFT}
    assert covered == set(initializers.ALL_CLASSES)


@pytest.mark.parametrize("init", _non_default_instances(), ids=lambda i: type(i).__name__)
def test_serialize_get_round_trip(init):
    config = initializers.serialize(init)
    assert config["class_name"] == type(init).__name__
    rebuilt = initializers.get(config)
    assert type(rebuilt) is type(init)
    assert rebuilt.get_config() == init.get_config()
    assert torch.equal(rebuilt((4, 2)), init((4, 2)))
    assert initializers.get(init) is init


def test_serialized_form_is_keras_like():
    assert initializers.serialize(initializers.GlorotUniform()) == {
        "class_name": "GlorotUniform",
        "config": {"seed": None},
    }


def test_get_by_every_name_and_keras_spellings():
    for name in initializers.ALL_NAMES:
        assert isinstance(initializers.get(name), initializers.Initializer)
    expected = {
        "glorot_uniform": initializers.GlorotUniform,
        "GlorotUniform": initializers.GlorotUniform,
        "he_normal": initializers.HeNormal,
        "zeros": initializers.Zeros,
        "zero": initializers.Zeros,
        "ones": initializers.Ones,
        "orthogonal": initializers.Orthogonal,
        "OrthogonalInitializer": initializers.Orthogonal,
        "random_normal": initializers.RandomNormal,
        "normal": initializers.RandomNormal,
        "uniform": initializers.RandomUniform,
        "truncated_normal": initializers.TruncatedNormal,
        "variance_scaling": initializers.VarianceScaling,
        "lecun_uniform": initializers.LecunUniform,
        "identity": initializers.Identity,
    }
    for name, cls in expected.items():
        assert type(initializers.get(name)) is cls


def test_get_keras_3_full_config_dict_none_class_and_callable():
    keras_config = {
        "module": "keras.initializers",
        "class_name": "HeNormal",
        "config": {"seed": 5},
        "registered_name": None,
    }
    init = initializers.get(keras_config)
    assert isinstance(init, initializers.HeNormal) and init.seed == 5
    assert initializers.get(None) is None
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)

    def my_init(shape, dtype=None):
        return torch.full(shape, 4.0)

    assert initializers.get(my_init) is my_init
    assert initializers.serialize(my_init) == "my_init"


def test_unknown_name_lists_valid_names():
    with pytest.raises(ConfigurationError) as info:
        initializers.get("glorot_uniformm")
    message = str(info.value)
    assert "Received: initializer='glorot_uniformm'" in message
    for name in initializers.ALL_NAMES:
        assert name in message


def test_bad_config_is_reported():
    with pytest.raises(ConfigurationError, match="does not fit"):
        initializers.get({"class_name": "GlorotUniform", "config": {"gain": 2.0}})
    with pytest.raises(ConfigurationError, match="class_name"):
        initializers.get({"config": {}})
