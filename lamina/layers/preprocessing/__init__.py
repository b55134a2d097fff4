"""Preprocessing layers: rescaling, normalization, resizing, cropping and random augmentation."""

from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.random_affine import (
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_flip import RandomFlip
from lamina.layers.preprocessing.rescaling import Rescaling
from lamina.layers.preprocessing.resizing import CenterCrop, RandomCrop, Resizing

__all__ = [
    "CenterCrop",
    "Normalization",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
]
