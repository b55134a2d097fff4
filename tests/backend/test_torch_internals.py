"""Private torch calls: one module, a version check, and a public fallback with equal results."""

import re
import subprocess
import sys

import pytest
import torch
from repo_paths import PACKAGE

from lamina.backend import torch_internals

PRIVATE_NAME = re.compile(r"torch\._[A-Za-z]|from torch import _")


def test_private_torch_names_appear_only_in_backend():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if "backend" not in path.relative_to(PACKAGE).parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE_NAME.search(line)
    ]
    assert not offenders, "private torch calls outside lamina/backend:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("version", "allowed"),
    [("2.2.0", True), ("2.13.0+cpu", True), ("2.14.1", True), ("2.1.2", False), ("2.15.0.dev20270101", False), ("3.0.0", False)],
)
def test_private_calls_only_on_checked_releases(version, allowed):
    assert torch_internals.private_calls_allowed(version, environ={}) is allowed


def test_public_only_opt_out():
    assert not torch_internals.private_calls_allowed("2.13.0", environ={"LAMINA_PUBLIC_TORCH_ONLY": "1"})


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_public_recurrent_kernels_compute_what_the_private_ones_do(kind):
    gates = {"lstm": 4, "gru": 3}.get(kind, 1)
    x = torch.randn(3, 5, 4, dtype=torch.float64, requires_grad=True)
    weights = [torch.randn(gates * 6, size, dtype=torch.float64, requires_grad=True) for size in (4, 6)]
    weights += [torch.randn(gates * 6, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    h = torch.zeros(1, 3, 6, dtype=torch.float64)
    hx = (h, h) if kind == "lstm" else h
    results = []
    for private in (True, False):
        kernel = torch_internals.recurrent_kernels(private=private)[kind]
        out = kernel(x, hx, weights, True, 1, 0.0, True, False, True)[0]
        grads = torch.autograd.grad(out.sum(), [x, *weights])
        results.append((out, grads))
    (out_a, grads_a), (out_b, grads_b) = results
    torch.testing.assert_close(out_a, out_b, rtol=0, atol=0)
    for a, b in zip(grads_a, grads_b):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("private", [True, False])
def test_grad_mode_switch(private):
    switch = torch_internals.set_grad_enabled_function(private=private)
    try:
        switch(False)
        assert not torch.is_grad_enabled()
        switch(True)
        assert torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


def test_training_on_the_public_fallback_matches_the_private_calls():
    """An LSTM model with metrics trains to the same weights with LAMINA_PUBLIC_TORCH_ONLY=1."""
    script = (
        "import numpy as np, lamina\n"
        "from lamina.backend import torch_internals\n"
        "lamina.utils.set_random_seed(0)\n"
        "x = np.random.default_rng(0).normal(size=(64, 6, 3)).astype('float32')\n"
        "y = (x[:, :, 0].sum(1) > 0).astype('int64')\n"
        "m = lamina.Sequential([lamina.layers.Input((6, 3)), lamina.layers.LSTM(5), lamina.layers.Dense(2, activation='softmax')])\n"
        "m.compile('adam', 'sparse_categorical_crossentropy', ['accuracy'])\n"
        "m.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)\n"
        "print(torch_internals.PRIVATE, repr(np.concatenate([w.ravel() for w in m.get_weights()]).tolist()))\n"
    )
    outputs = {}
    for flag in ("0", "1"):
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
            env={**__import__("os").environ, "LAMINA_PUBLIC_TORCH_ONLY": flag},
        )
        assert result.returncode == 0, result.stderr
        private, weights = result.stdout.strip().split(" ", 1)
        outputs[flag] = (private, weights)
    assert outputs["0"][0] == "True" and outputs["1"][0] == "False"
    assert outputs["0"][1] == outputs["1"][1]


def test_import_lamina_does_not_import_torch_dynamo():
    """TorchDynamo costs about a second at start-up; only compiling needs it."""
    code = "import sys, lamina; print('torch._dynamo' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_has_hooks_reads_the_hook_tables_and_the_public_fallback_assumes_a_hook():
    module = torch.nn.Linear(2, 2)
    assert not torch_internals.has_hooks(module, private=True)
    handle = module.register_forward_pre_hook(lambda *args: None)
    assert torch_internals.has_hooks(module, private=True)
    handle.remove()
    handle = torch.nn.modules.module.register_module_forward_hook(lambda *args: None)
    try:
        assert torch_internals.has_hooks(module, private=True)
    finally:
        handle.remove()
    assert torch_internals.has_hooks(module, private=False)  # no public query: keep it as called
