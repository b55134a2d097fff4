"""Losses of ``keras.ops.nn``: the crossentropies (unreduced), CTC loss and decoding, PSNR.

Probabilities (``from_logits=False``) are clipped to ``[epsilon, 1 - epsilon]`` before
the log, as Keras does; logits go through torch's fused, stable kernels.
"""

import torch
import torch.nn.functional as F

from lamina.backend.config import epsilon
from lamina.ops.arguments import float_tensor, tensor, tensors
from lamina.ops.dtypes import result_type, to_torch_dtype
from lamina.ops.nn_ctc_beam import beam_search_decode
from lamina.ops.operation import keras_op


def _check_same_shape(function, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{function}: `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}."
        )


@keras_op("BinaryCrossentropy", "nn", operands=("target", "output"))
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy of ``target`` under ``output`` (probabilities, or
    logits with ``from_logits=True``), as ``keras.ops.binary_crossentropy``."""
    target, output = tensors(target, output)
    output = float_tensor(output)
    target = target.to(output.dtype)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -(target * torch.log(output) + (1.0 - target) * torch.log1p(-output))


@keras_op("CategoricalCrossentropy", "nn", operands=("target", "output"))
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy of one-hot (or soft) ``target`` under ``output`` along ``axis``, as
    ``keras.ops.categorical_crossentropy`` (probabilities are renormalised first)."""
    target, output = tensors(target, output)
    output = float_tensor(output)
    target = target.to(output.dtype)
    _check_same_shape("categorical_crossentropy", target, output)
    if from_logits:
        log_prob = torch.log_softmax(output, dim=axis)
    else:
        output = output / output.sum(dim=axis, keepdim=True)
        eps = epsilon()
        log_prob = torch.log(torch.clamp(output, eps, 1.0 - eps))
    return -(target * log_prob).sum(dim=axis)


@keras_op("SparseCategoricalCrossentropy", "nn", operands=("target", "output"))
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy of integer class ``target`` under ``output`` along ``axis``, as
    ``keras.ops.sparse_categorical_crossentropy`` (a size-1 class axis of ``target`` is dropped)."""
    target, output = tensors(target, output)
    output = float_tensor(output)
    target = target.long()
    if output.dim() < 1:
        raise ValueError(f"sparse_categorical_crossentropy: `output` must be at least rank 1. Received: output.shape={tuple(output.shape)}.")
    if target.dim() == output.dim() and target.shape[axis] == 1:
        target = target.squeeze(axis)
    expected = list(output.shape)
    del expected[axis]
    if list(target.shape) != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have `output`'s shape without the class axis. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}, axis={axis}."
        )
    if from_logits:
        log_prob = torch.log_softmax(output, dim=axis)
    else:
        eps = epsilon()
        log_prob = torch.log(torch.clamp(output / output.sum(dim=axis, keepdim=True), eps, 1.0 - eps))
    class_axis = axis % output.dim()
    return -log_prob.gather(class_axis, target.unsqueeze(class_axis)).squeeze(class_axis)


@keras_op("CTCLoss", "nn", operands=("target", "output", "target_length", "output_length"))
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss per sample: ``target`` ``(batch,
    max_label_length)`` labels, ``output`` ``(batch, max_time, classes)`` logits, the
    lengths ``(batch,)``; ``mask_index`` is the blank class, as ``keras.ops.ctc_loss``."""
    target, output, target_length, output_length = tensors(target, output, target_length, output_length)
    output = output.to(torch.promote_types(output.dtype, torch.float32))
    log_prob = torch.log_softmax(output.transpose(0, 1), dim=-1)
    return F.ctc_loss(
        log_prob, target.long(), output_length.long(), target_length.long(), blank=mask_index, reduction="none"
    )


@keras_op("CTCDecode", "nn", operands=("inputs", "sequence_lengths"))
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC ``inputs`` ``(batch, max_time, classes)`` as ``keras.ops.ctc_decode``:
    ``(decoded, scores)``, ``decoded`` ``(top_paths, batch, max_time)`` int32 labels padded
    with -1, and ``scores``.

    ``strategy="greedy"`` takes the best class per step (``scores`` ``(batch, 1)``: minus the
    summed best logits); ``strategy="beam_search"`` keeps ``beam_width`` candidate label
    sequences and returns the ``top_paths`` best with their log-probabilities
    (``(batch, top_paths)``). ``mask_index`` is the blank class (None: the last one).
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: strategy must be 'greedy' or 'beam_search'. Received: strategy={strategy!r}.")
    inputs, sequence_lengths = tensors(inputs, sequence_lengths)
    inputs = inputs.to(to_torch_dtype(result_type(inputs.dtype, "float32")))  # Keras: float64 computes in float32
    if strategy == "beam_search":
        return beam_search_decode(inputs, sequence_lengths, beam_width, top_paths, mask_index)
    batch, steps, classes = inputs.shape
    blank = classes - 1 if mask_index is None else mask_index
    scores, labels = inputs.max(dim=-1)
    labels = labels.int()
    past_end = torch.arange(steps, device=inputs.device)[None, :] >= sequence_lengths[:, None]
    labels = labels.masked_fill(past_end, blank)
    scores = scores.masked_fill(past_end, 0.0)
    dropped = labels == blank
    if merge_repeated:
        dropped[:, 1:] |= labels[:, 1:] == labels[:, :-1]
    labels = labels.masked_fill(dropped, -1)
    positions = torch.arange(steps, device=inputs.device).expand(batch, steps).masked_fill(dropped, steps)
    order = torch.argsort(positions, dim=-1, stable=True)
    decoded = labels.gather(1, order)
    return decoded.unsqueeze(0), -scores.sum(dim=1, keepdim=True)


@keras_op("PSNR", "nn", operands=("x1", "x2"))
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)`` over all elements,
    as ``keras.ops.psnr``."""
    x1, x2 = tensors(x1, x2)
    x1, x2 = float_tensor(x1), float_tensor(x2)
    _check_same_shape("psnr", x1, x2)
    mse = torch.mean((x1 - x2) ** 2)
    return 20 * torch.log10(tensor(max_val, x1.device).to(x1.dtype)) - 10 * torch.log10(mse)
