"""Attention layers: MultiHeadAttention, GroupQueryAttention, Attention (dot product), AdditiveAttention."""

from lamina.layers.attention.additive_attention import AdditiveAttention
from lamina.layers.attention.attention import Attention
from lamina.layers.attention.group_query_attention import (
    GroupedQueryAttention as GroupQueryAttention,
)
from lamina.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "MultiHeadAttention"]
