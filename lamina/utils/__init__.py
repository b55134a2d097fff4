"""Utilities with Keras's names."""

from lamina.backend.random import set_random_seed
from lamina.utils.progbar import Progbar
from lamina.utils.to_categorical import to_categorical

__all__ = ["Progbar", "set_random_seed", "to_categorical"]
