"""Sequence input layers: Embedding (token ids to vectors) and Masking."""

from lamina.layers.sequence.embedding import Embedding
from lamina.layers.sequence.masking import Masking
from lamina.layers.sequence.reversible_embedding import ReversibleEmbedding

__all__ = ["Embedding", "Masking", "ReversibleEmbedding"]
