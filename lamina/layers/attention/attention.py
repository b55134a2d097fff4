"""Attention: dot-product (Luong-style) attention over [query, value(, key)]."""

import torch
import torch.nn.functional as F

from lamina.errors import ConfigurationError, InputError
from lamina.layers.attention import masking
from lamina.layers.layer import Layer


class Attention(Layer):
    """Dot-product attention layer (Keras's ``Attention``), a.k.a. Luong attention.

    Called on ``[query, value]`` or ``[query, value, key]`` (key defaults to value):
    ``scores = query @ key^T`` (times a learned ``scale`` with ``use_scale``), or with
    ``score_mode="concat"`` ``concat_score_weight * sum(tanh(scale * (query + key)))``;
    then ``softmax(scores) @ value``.

    Args:
        use_scale: learn a scalar ``scale`` for the scores (initialised to 1).
        score_mode: ``"dot"`` (default) or ``"concat"``.
        dropout: dropout rate on the attention probabilities (training only).

    Call arguments:
        inputs: ``[query (batch, Tq, dim), value (batch, Tv, dim)]`` and optionally key.
        mask: ``[query_mask (batch, Tq), value_mask (batch, Tv)]``; taken from the
            inputs' Keras masks when not given. Masked values get no attention; outputs
            at masked query positions are zeros.
        return_attention_scores: also return the (batch, Tq, Tv) probabilities.
        use_causal_mask: position i attends only to positions <= i.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ConfigurationError(
                f"{type(self).__name__} '{self.name}': score_mode must be 'dot' or 'concat'. "
                f"Received: score_mode={score_mode!r}."
            )
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ConfigurationError(
                f"{type(self).__name__} '{self.name}': dropout must be a number in [0, 1). "
                f"Received: dropout={dropout!r}."
            )
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True

    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise InputError(
                f"{type(self).__name__} '{self.name}' is called on a list [query, value] or "
                f"[query, value, key]. Received: {type(inputs).__name__}"
                f"{'' if not isinstance(inputs, (list, tuple)) else f' of length {len(inputs)}'}."
            )

    def build(self, input_shape):
        self._check_inputs(input_shape)
        if self.use_scale:
            self.add_weight(shape=(), initializer="ones", name="scale")
        else:
            self.scale = None
        if self.score_mode == "concat":
            self.add_weight(shape=(), initializer="ones", name="concat_score_weight")
        else:
            self.concat_score_weight = None

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-1, -2))
            return scores if self.scale is None else scores * self.scale
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * torch.tanh(summed).sum(dim=-1)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        self._check_inputs(inputs)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (list(mask) + [None, None])[:2] if isinstance(mask, (list, tuple)) else (None, None)
        scores_mask = masking.combine(
            None if value_mask is None else value_mask.unsqueeze(-2),
            masking.causal_mask(query.shape[-2], key.shape[-2], query.device) if use_causal_mask else None,
        )
        dropout = self.dropout if training else 0.0
        if self._uses_fused_kernel(return_attention_scores):
            # softmax(q @ k^T * scale) @ v in one kernel: fold the learned scale into the query.
            scaled = query if self.scale is None else query * self.scale
            bias = masking.additive(scores_mask, query.dtype)
            output = F.scaled_dot_product_attention(scaled, key, value, attn_mask=bias, dropout_p=dropout, scale=1.0)
            scores = None
        else:
            raw = self._calculate_scores(query, key)
            if scores_mask is not None:
                raw = raw + masking.additive(scores_mask, raw.dtype)
            scores = torch.softmax(raw, dim=-1)
            dropped = F.dropout(scores, dropout, training=True) if dropout else scores
            output = torch.matmul(dropped, value)
        if query_mask is not None:
            output = output * query_mask.unsqueeze(-1).to(output.dtype)
        return (output, scores) if return_attention_scores else output

    def _uses_fused_kernel(self, return_attention_scores):
        return self.score_mode == "dot" and not return_attention_scores

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            return mask[0]
        return None

    def compute_output_shape(self, input_shape, return_attention_scores=False):
        self._check_inputs(input_shape)
        query_shape, value_shape = input_shape[0], input_shape[1]
        key_shape = input_shape[2] if len(input_shape) > 2 else value_shape
        output = tuple(query_shape[:-1]) + (value_shape[-1],)
        if return_attention_scores:
            return output, tuple(query_shape[:-1]) + (key_shape[-2],)
        return output

    def get_config(self):
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }
