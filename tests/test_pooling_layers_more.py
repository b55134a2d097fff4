"""Adaptive average/max pooling against real Keras 3 (Keras's bins), configs and `.keras` files."""

import numpy as np
import pytest
import torch
from oracle import check_config_round_trip, check_keras_files_both_ways, compare_with_keras

from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)

CASES = [
    (1, 3, (2, 10, 4)),
    (1, 4, (2, 7, 3)),
    (2, (2, 3), (2, 7, 9, 4)),
    (2, 5, (1, 5, 13, 2)),
    (3, 2, (1, 5, 7, 3, 2)),
    (3, (3, 1, 2), (1, 7, 4, 5, 2)),
]


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank, output_size, shape", CASES)
def test_adaptive_pooling_matches_keras(kind, data_format, rank, output_size, shape):
    if data_format == "channels_first":
        shape = (shape[0], shape[-1], *shape[1:-1])
    x = rng.normal(size=shape).astype(np.float32)
    name = f"Adaptive{kind}Pooling{rank}D"
    layer, theirs, out = compare_with_keras(name, dict(output_size=output_size, data_format=data_format), x)
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *out.shape[1:])
    assert layer.compute_output_shape((None, *shape[1:])) == theirs.compute_output_shape((None, *shape[1:]))
    check_config_round_trip(layer)


def test_bins_are_floor_start_ceil_end():
    x = torch.arange(5.0).reshape(1, 5, 1)
    out = layers.AdaptiveAveragePooling1D(3)(x).flatten().tolist()
    # bins [0, 2), [1, 4), [3, 5)
    assert out == pytest.approx([0.5, 2.0, 3.5])
    assert layers.AdaptiveMaxPooling1D(3)(x).flatten().tolist() == [1.0, 3.0, 4.0]


def test_keras_files_both_ways(tmp_path):
    x = rng.normal(size=(3, 9, 7, 2)).astype(np.float32)
    check_keras_files_both_ways(tmp_path, lambda L: L.AdaptiveMaxPooling2D((2, 3)), (9, 7, 2), x)
    check_keras_files_both_ways(tmp_path, lambda L: L.AdaptiveAveragePooling2D(4), (9, 7, 2), x)


def test_bad_arguments_and_rank_are_explained():
    with pytest.raises(ConfigurationError, match="output_size"):
        layers.AdaptiveAveragePooling2D((2, 2, 2))
    with pytest.raises(InputError, match="rank 4"):
        layers.AdaptiveMaxPooling2D(2)(torch.zeros(2, 5, 3))
