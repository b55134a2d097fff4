"""Recurrent layers under the CPU mixed_bfloat16 policy: torch's fused recurrent kernels (and
nn.LSTM) fail inside autocast on the CPU; lamina runs them in bfloat16 outside it, so fit and
predict work and agree with float32 to bfloat16's precision."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers, mixed_precision

X = np.random.default_rng(0).uniform(-1, 1, (8, 5, 3)).astype("float32")
Y = np.random.default_rng(1).uniform(-1, 1, (8, 2)).astype("float32")


@pytest.fixture
def policy():
    yield mixed_precision.set_global_policy
    mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN"])
def test_fit_and_predict_under_mixed_bfloat16_agree_with_float32(policy, layer):
    policy("mixed_bfloat16")
    model = lamina.Sequential([layers.Input((5, 3)), getattr(layers, layer)(4), layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    mixed = model.predict(X, verbose=0)
    policy("float32")
    reference = lamina.Sequential([layers.Input((5, 3)), getattr(layers, layer)(4), layers.Dense(2)])
    reference.set_weights(model.get_weights())
    np.testing.assert_allclose(mixed, reference.predict(X, verbose=0), atol=0.05)


def test_a_recurrent_layer_inside_torch_autocast_returns_the_autocast_dtype():
    lstm = layers.LSTM(4, return_sequences=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        outputs = lstm(torch.from_numpy(X))
    assert outputs.dtype == torch.bfloat16
    np.testing.assert_allclose(outputs.float().detach().numpy(), lstm(torch.from_numpy(X)).detach().numpy(), atol=0.05)
