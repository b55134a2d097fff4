"""PyTorch's fused recurrent kernels (behind ``nn.LSTM``; ``lamina.backend.torch_internals``).

These are the kernels behind ``nn.LSTM``, ``nn.GRU`` and ``nn.RNN``. The layers call them
with their own parameters (stored in PyTorch's layout, so nothing is copied) whenever the
configuration computes exactly what they compute. Masks whose valid steps form one
block per sequence (right or left padding) run as packed sequences: each sequence is
shifted to start at step 0, packed with its length, and the outputs are put back where
Keras puts them (zeros before the first valid step, the last valid output after it).

On CUDA, cuDNN wants all of a layer's weights in one flat buffer; weights anywhere else
are copied into a fresh buffer on every call, forward and backward. ``flat_copies`` makes
that buffer once (as ``nn.LSTM.flatten_parameters`` does) and the cells re-point their
parameters at views of it (see ``RecurrentCell.flat_fused_weights``).
"""

import warnings

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from lamina.backend.autocast import autocast_dtype, autocast_on
from lamina.backend.torch_internals import flatten_cudnn_rnn_weights, recurrent_kernels
from lamina.backend.tracing import eager_when_traced

_CUDNN_MODES = {"rnn_relu": "RNN_RELU", "rnn_tanh": "RNN_TANH", "lstm": "LSTM", "gru": "GRU"}
_KERNELS = recurrent_kernels()


@eager_when_traced
def run_fused(kind, sequences, states, weights, training, spans=None):
    """Run one recurrent layer over ``sequences`` (batch, time, features).

    Args:
        kind: ``"lstm"``, ``"gru"``, ``"rnn_tanh"`` or ``"rnn_relu"``.
        states: initial states, each (batch, units) (``[h, c]`` for LSTM).
        weights: ``[w_ih, w_hh, b_ih, b_hh]`` or ``[w_ih, w_hh]`` in PyTorch's layout.
        spans: ``(starts, lengths)`` from ``contiguous_spans`` for masked inputs.

    Returns:
        ``(outputs, last_output, final_states)``, with Keras's masking semantics.

    Under ``compile(jit_compile=True)`` the kernel runs eagerly between compiled graphs:
    it is one fused kernel already, and TorchInductor's CPU lowering of it fails.
    """
    if sequences.device.type == "cpu" and autocast_on("cpu"):
        # oneDNN's recurrent kernels refuse autocast's mixed inputs on the CPU ("could not create
        # a primitive descriptor", nn.LSTM too); they run in the autocast dtype when given it.
        dtype = autocast_dtype("cpu")
        with torch.autocast("cpu", enabled=False):
            return run_fused(kind, sequences.to(dtype), [s.to(dtype) for s in states],
                             [w.to(dtype) for w in weights], training, spans)
    hx = tuple(s.unsqueeze(0) for s in states) if kind == "lstm" else states[0].unsqueeze(0)
    # The kernels' ``train`` flag keeps what backward needs (cuDNN refuses backward after an
    # inference-mode call); with dropout 0 it changes nothing else. Keras's ``training`` only
    # governs the layer's own dropout, applied before this call.
    training = training or (torch.is_grad_enabled() and any(t.requires_grad for t in (sequences, *weights)))
    with _quiet_on_accelerators(sequences):
        if spans is None:
            result = _KERNELS[kind](sequences, hx, weights, len(weights) == 4, 1, 0.0, training, False, True)
            outputs, final = result[0], [h.squeeze(0) for h in result[1:]]
            return outputs, outputs[:, -1], final
        return _run_packed(kind, sequences, hx, weights, training, spans, states)


def flat_copies(kind, weights, input_size, hidden_size):
    """Copies of CUDA ``weights`` (``[w_ih, w_hh(, b_ih, b_hh)]``) that are views of one
    cuDNN weight buffer, or None where cuDNN does not run them (disabled, other dtypes)."""
    first = weights[0]
    if any(w.dtype != first.dtype or not torch.backends.cudnn.is_acceptable(w) for w in weights):
        return None
    copies = [w.detach().clone() for w in weights]
    if not flatten_cudnn_rnn_weights(copies, input_size, hidden_size, _CUDNN_MODES[kind]):
        return None
    return copies


def _run_packed(kind, sequences, hx, weights, training, spans, states):
    starts, lengths = spans
    steps = sequences.shape[1]
    positions = torch.arange(steps, device=sequences.device)
    if bool(starts.any()):
        gather = (positions[None] + starts[:, None]).clamp(max=steps - 1)
        sequences = sequences.gather(1, gather[..., None].expand_as(sequences))
    packed = pack_padded_sequence(sequences, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
    order, restore = packed.sorted_indices, packed.unsorted_indices
    if kind == "lstm":
        hx = tuple(h.index_select(1, order) for h in hx)
    else:
        hx = hx.index_select(1, order)
    result = _KERNELS[kind](packed.data, packed.batch_sizes, hx, weights, len(weights) == 4, 1, 0.0, training, False)
    data, final = result[0], [h.index_select(1, restore).squeeze(0) for h in result[1:]]
    packed_outputs = PackedSequence(data, packed.batch_sizes, order, restore)
    valid, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=steps)
    has_steps = (lengths > 0)[:, None]
    final = [torch.where(has_steps, h, s) for h, s in zip(final, states)]
    last_output = torch.where(has_steps, final[0], torch.zeros_like(final[0]))
    # Back to the original positions: zeros before the block, the last output after it.
    relative = positions[None] - starts[:, None]
    take = torch.minimum(relative, (lengths - 1)[:, None]).clamp(min=0)
    outputs = valid.gather(1, take[..., None].expand(-1, -1, valid.shape[-1]))
    outputs = torch.where(((relative >= 0) & has_steps)[..., None], outputs, torch.zeros_like(outputs))
    return outputs, last_output, final


class _quiet_on_accelerators:  # noqa: N801
    """cuDNN warns that weights outside one flat buffer get compacted per call; that is expected."""

    def __init__(self, sequences):
        self.active = sequences.device.type != "cpu"

    def __enter__(self):
        if self.active:
            self._context = warnings.catch_warnings()
            self._context.__enter__()
            warnings.filterwarnings("ignore", message="RNN module weights are not part")

    def __exit__(self, *exc):
        if self.active:
            self._context.__exit__(*exc)
