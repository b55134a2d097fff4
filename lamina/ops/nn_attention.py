"""``keras.ops.dot_product_attention``: scaled dot-product attention over
``(batch, steps, heads, head_dim)`` tensors, on torch's fused kernel when it applies."""

import math

import torch
import torch.nn.functional as F

from lamina.ops.arguments import float_tensor, tensors
from lamina.ops.operation import keras_op


@keras_op("DotProductAttention", "nn", operands=("query", "key", "value", "bias", "mask", "scale"))
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """``softmax(query . key * scale + bias) . value`` per head, as ``keras.ops.dot_product_attention``.

    ``query`` is ``(batch, steps, heads, head_dim)``, ``key``/``value`` ``(batch, kv_steps,
    kv_heads, head_dim)`` (grouped heads are repeated); ``mask`` (bool, broadcast to
    ``(batch, heads, steps, kv_steps)``) keeps the positions where true; ``is_causal`` keeps
    each step's past; ``attn_logits_soft_cap`` squashes logits to ``cap * tanh(logits / cap)``.
    ``flash_attention=True`` raises NotImplementedError (torch's flash kernel needs CUDA
    half-precision inputs); None lets torch pick its fused kernel.
    """
    query, key, value, bias, mask = tensors(query, key, value, bias, mask)
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise ValueError(
            "dot_product_attention: query, key and value must be 4-D (batch, steps, heads, head_dim). "
            f"Received: query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}."
        )
    if bias is not None and mask is not None:
        raise ValueError("dot_product_attention: give `bias` or `mask`, not both. Received both.")
    if flash_attention and not (query.is_cuda and query.dtype in (torch.float16, torch.bfloat16)):
        raise NotImplementedError(
            "dot_product_attention: flash_attention=True needs CUDA float16/bfloat16 inputs on torch. "
            f"Received: device={query.device}, dtype={query.dtype}. Pass flash_attention=None."
        )
    dtype = torch.promote_types(torch.promote_types(query.dtype, key.dtype), value.dtype)
    q, k, v = (float_tensor(t.to(dtype)).transpose(1, 2) for t in (query, key, value))
    if q.shape[1] > k.shape[1] > 1:
        groups = q.shape[1] // k.shape[1]
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
    if mask is not None:
        mask = mask.bool()
        if is_causal:
            mask = mask & torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device).tril()
            is_causal = False
    if attn_logits_soft_cap is None:
        attn_mask = bias.to(q.dtype) if bias is not None else mask
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal, scale=scale)
        return out.transpose(1, 2)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = torch.matmul(q, k.transpose(-1, -2)) * scale
    logits = attn_logits_soft_cap * torch.tanh(logits / attn_logits_soft_cap)
    if bias is not None:
        logits = logits + bias.to(q.dtype)
    if is_causal:
        mask = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device).tril()
    if mask is not None:
        logits = logits.masked_fill(~mask, torch.finfo(logits.dtype).min)
    return torch.matmul(torch.softmax(logits, dim=-1), v).transpose(1, 2)
