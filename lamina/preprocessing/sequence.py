"""``keras.preprocessing.sequence``: ``pad_sequences`` (``lamina.utils.pad_sequences``)."""

from lamina.utils import pad_sequences

__all__ = ["pad_sequences"]
