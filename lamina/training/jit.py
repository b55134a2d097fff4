"""``compile(jit_compile=True)``: the step methods run under ``torch.compile``.

This is what Keras's PyTorch backend does with ``jit_compile=True``: ``train_step``,
``test_step`` and ``predict_step`` (the model's own, or an override) are handed to
``torch.compile`` (TorchInductor) on first use. Code that cannot be traced (the backward
call, the fused optimizer step, Python-side bookkeeping) runs eagerly between the
compiled graphs. ``"auto"`` means False, as on Keras's PyTorch backend.
"""

import torch

from lamina.backend.tracing import prepare_for_tracing
from lamina.errors import ConfigurationError


def resolve(model_name, jit_compile, run_eagerly):
    """The boolean a ``compile(jit_compile=...)`` argument means."""
    if jit_compile not in ("auto", True, False):
        raise ConfigurationError(
            f"Model '{model_name}': jit_compile must be True, False or 'auto'. "
            f"Received: jit_compile={jit_compile!r}."
        )
    return jit_compile is True and not run_eagerly


def step(model, name):
    """``model.<name>``, compiled once per model when ``jit_compile`` is on."""
    if not model.jit_compile:
        return getattr(model, name)
    compiled = model.__dict__.setdefault("_jit_steps", {})
    if name not in compiled:
        prepare_for_tracing()
        compiled[name] = torch.compile(getattr(model, name))
    return compiled[name]
