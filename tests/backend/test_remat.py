"""``remat`` / ``RematScope``: gradient checkpointing with Keras's rules; same gradients, less kept."""

import keras
import pytest
import torch

import lamina
from lamina.errors import ConfigurationError


def _saved_bytes(fn, x):
    """Bytes autograd keeps for the backward pass of ``fn(x)``."""
    kept = []

    def pack(t):
        kept.append(t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn(x)
    return out, sum(kept)


def _model(scope=None):
    torch.manual_seed(0)
    ctx = scope or torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t)
    with ctx:
        layers = [lamina.layers.Dense(256, activation="relu", name=f"d{i}") for i in range(3)]
    for layer in layers:
        layer.build((None, 256))
    return layers


def _run(layers, x):
    for layer in layers:
        x = layer(x)
    return x.square().sum()


@pytest.mark.parametrize("scope", [
    lambda: lamina.RematScope("full"),
    lambda: lamina.RematScope("list_of_layers", layer_names=["d0", "d1", "d2"]),
    lambda: lamina.RematScope("larger_than", output_size_threshold=10),
])
def test_scope_keeps_gradients_and_saves_memory(scope):
    x = torch.randn(64, 256)
    plain, remat_layers = _model(), _model(scope())
    for a, b in zip(plain, remat_layers):
        b.kernel.data.copy_(a.kernel.data)
    loss_a, kept_a = _saved_bytes(lambda v: _run(plain, v), x)
    loss_b, kept_b = _saved_bytes(lambda v: _run(remat_layers, v), x)
    loss_a.backward()
    loss_b.backward()
    torch.testing.assert_close(loss_a, loss_b)
    for a, b in zip(plain, remat_layers):
        torch.testing.assert_close(a.kernel.grad, b.kernel.grad)
    assert kept_b < kept_a / 2


def test_scope_is_read_at_creation_and_threshold_skips_small_layers():
    with lamina.RematScope("larger_than", output_size_threshold=10**9):
        layer = lamina.layers.Dense(4)
    layer.build((None, 4))
    _, kept = _saved_bytes(lambda v: layer(v).sum(), torch.randn(2, 4, requires_grad=True))
    assert kept > 0
    assert lamina.layers.Dense(2).__dict__.get("_remat_mode") is None


def test_remat_function_matches_keras_grad():
    x = torch.randn(5, requires_grad=True)
    f = lambda v: torch.sin(v) * v  # noqa: E731
    (g_ours,) = torch.autograd.grad(lamina.remat(f)(x).sum(), x)
    (g_keras,) = torch.autograd.grad(keras.remat(f)(x).sum(), x)
    torch.testing.assert_close(g_ours, g_keras)


def test_bad_mode_is_refused():
    with pytest.raises(ConfigurationError, match="Received: mode='some'"):
        lamina.RematScope("some")
