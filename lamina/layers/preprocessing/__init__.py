"""Preprocessing layers: rescaling, normalization, resizing, cropping, random augmentation,
and text/feature preprocessing (vocabularies, hashing, encoding, binning)."""

from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
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
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding",
    "CenterCrop",
    "Discretization",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "Normalization",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "StringLookup",
    "TextVectorization",
]
