"""The truncated normal of TruncatedNormal and the *_normal variance-scaling initializers:
N(mean, stddev**2) restricted to mean +- 2 stddev, checked against its CDF and Keras's draws."""

import math

import pytest
import torch

from lamina import initializers
from lamina.initializers.variance_scaling import TRUNCATED_NORMAL_STDDEV

SAMPLES = 200_000
# Kolmogorov-Smirnov critical values at the 0.1% level.
ONE_SAMPLE_KS = 1.95 / math.sqrt(SAMPLES)
TWO_SAMPLE_KS = 1.95 * math.sqrt(2.0 / SAMPLES)


def _truncated_normal_cdf(standardized):
    def phi(x):
        return 0.5 * (1.0 + torch.special.erf(x / math.sqrt(2.0)))

    low, high = phi(torch.tensor(-2.0, dtype=torch.float64)), phi(torch.tensor(2.0, dtype=torch.float64))
    return (phi(standardized) - low) / (high - low)


def _ks_distance_to_truncated_normal(values, mean, stddev):
    ordered = ((values.double().flatten() - mean) / stddev).sort().values
    n = ordered.numel()
    cdf = _truncated_normal_cdf(ordered)
    above = torch.arange(1, n + 1, dtype=torch.float64) / n - cdf
    below = cdf - torch.arange(0, n, dtype=torch.float64) / n
    return max(above.max().item(), below.max().item())


def _two_sample_ks_distance(first, second):
    first, second = first.double().flatten().sort().values, second.double().flatten().sort().values
    grid = torch.cat([first, second])
    first_cdf = torch.searchsorted(first, grid, right=True) / first.numel()
    second_cdf = torch.searchsorted(second, grid, right=True) / second.numel()
    return (first_cdf - second_cdf).abs().max().item()


@pytest.mark.parametrize("mean, stddev", [(0.0, 1.0), (1.5, 0.05), (-3.0, 2.0)])
def test_truncated_normal_follows_its_cdf(mean, stddev):
    values = initializers.TruncatedNormal(mean=mean, stddev=stddev, seed=11)((SAMPLES,))
    assert values.min().item() >= mean - 2 * stddev
    assert values.max().item() <= mean + 2 * stddev
    assert values.min().item() < mean - 1.99 * stddev  # the tails reach the bounds
    assert values.max().item() > mean + 1.99 * stddev
    assert values.mean().item() == pytest.approx(mean, abs=0.01 * stddev)
    assert values.std().item() == pytest.approx(TRUNCATED_NORMAL_STDDEV * stddev, rel=0.01)
    assert _ks_distance_to_truncated_normal(values, mean, stddev) < ONE_SAMPLE_KS


def test_variance_scaling_normal_keeps_keras_scaling():
    fan_in = 400
    values = initializers.HeNormal(seed=5)((fan_in, SAMPLES // fan_in))
    stddev = math.sqrt(2.0 / fan_in)
    assert values.std().item() == pytest.approx(stddev, rel=0.01)
    assert values.abs().max().item() <= 2 * stddev / TRUNCATED_NORMAL_STDDEV
    assert _ks_distance_to_truncated_normal(values, 0.0, stddev / TRUNCATED_NORMAL_STDDEV) < ONE_SAMPLE_KS


def test_float64_draws_are_truncated_normal_too():
    values = initializers.TruncatedNormal(mean=0.0, stddev=1.0, seed=2)((SAMPLES,), dtype=torch.float64)
    assert values.dtype == torch.float64
    assert values.abs().max().item() <= 2.0
    assert _ks_distance_to_truncated_normal(values, 0.0, 1.0) < ONE_SAMPLE_KS


def test_seeded_draws_repeat_and_seeds_differ():
    def draw(seed):
        return initializers.TruncatedNormal(seed=seed)((300, 7))

    assert torch.equal(draw(3), draw(3))
    assert not torch.equal(draw(3), draw(4))


def test_same_distribution_as_keras_truncated_normal():
    keras = pytest.importorskip("keras")
    mean, stddev = 0.5, 0.2
    theirs = keras.initializers.TruncatedNormal(mean=mean, stddev=stddev, seed=1)((SAMPLES,))
    ours = initializers.TruncatedNormal(mean=mean, stddev=stddev, seed=1)((SAMPLES,))
    theirs = torch.as_tensor(keras.ops.convert_to_numpy(theirs))
    assert _two_sample_ks_distance(ours, theirs) < TWO_SAMPLE_KS
    assert ours.std().item() == pytest.approx(theirs.std().item(), rel=0.01)
