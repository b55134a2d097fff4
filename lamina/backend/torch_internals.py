"""The private PyTorch calls lamina makes, each behind a version check with a public fallback.

Private calls are used where they are measurably faster than the public API (the recurrent
kernels take lamina's own weights without copies; the grad-mode switch skips a context
object per metric update), or where torch has no public query (the hook tables, which
tell whether a speed rewrite is invisible). They are taken only on torch versions lamina
was checked against (``CHECKED``); on any other version, or with ``LAMINA_PUBLIC_TORCH_ONLY=1``, the
public fallback runs: same results, a little slower. The multi-tensor optimizer ops live
beside this in ``foreach.py``.
"""

import os

import torch
from torch.nn.modules import module as torch_module

CHECKED = ((2, 2), (2, 14))
"""The torch releases (major, minor), inclusive, whose private calls below lamina was checked against."""


def _release(version):
    parts = version.split("+")[0].split(".")
    return int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)


def private_calls_allowed(version=None, environ=None):
    """Whether the private calls are used: a checked torch release and no opt-out."""
    environ = os.environ if environ is None else environ
    if environ.get("LAMINA_PUBLIC_TORCH_ONLY", "0") not in ("", "0"):
        return False
    return CHECKED[0] <= _release(version or torch.__version__) <= CHECKED[1]


PRIVATE = private_calls_allowed()


def recurrent_kernels(private=PRIVATE):
    """``{"lstm", "gru", "rnn_tanh", "rnn_relu"}`` -> the fused kernel behind ``nn.LSTM`` & co."""
    names = ("lstm", "gru", "rnn_tanh", "rnn_relu")
    if private:
        from torch import _VF

        return {name: getattr(_VF, name) for name in names}
    return {name: getattr(torch, name) for name in names}


def set_grad_enabled_function(private=PRIVATE):
    """A function ``f(mode)`` that switches autograd on or off for the current thread."""
    if private:
        return torch._C._set_grad_enabled
    return torch.set_grad_enabled  # called as a function, it sets the mode too


def flatten_cudnn_rnn_weights(copies, input_size, hidden_size, cudnn_mode, private=PRIVATE):
    """Re-point CUDA RNN weight ``copies`` at views of one cuDNN buffer (what
    ``nn.LSTM.flatten_parameters`` does). Returns False where it cannot (public API only,
    or cuDNN declines), and the kernels then compact the weights per call."""
    if not private or not torch._use_cudnn_rnn_flatten_weight():
        return False
    import torch.backends.cudnn.rnn as cudnn_rnn

    with torch.cuda.device_of(copies[0]), torch.no_grad():
        torch._cudnn_rnn_flatten_weight(
            copies, len(copies), input_size, cudnn_rnn.get_cudnn_mode(cudnn_mode), hidden_size, 0, 1, True, False
        )
    return True


def has_hooks(module, private=PRIVATE):
    """Whether any hook could see ``module``'s call: its own forward/backward (pre-)hooks
    or the global ones (``torch.nn.modules.module.register_module_forward_hook`` & co).

    torch has no public query for this; the private hook tables are read on checked
    releases. Elsewhere the answer is True (a hook may be there), so a speed rewrite that
    needs a hook-free module (``lamina.models.passes``) leaves it as called.
    """
    if not private:
        return True
    return bool(
        module._forward_hooks
        or module._forward_pre_hooks
        or module._backward_hooks
        or module._backward_pre_hooks
        or torch_module._global_forward_hooks
        or torch_module._global_forward_pre_hooks
        or torch_module._global_backward_hooks
        or torch_module._global_backward_pre_hooks
    )
