"""Reshaping layers: zero padding, cropping, upsampling, Permute and RepeatVector.

(``Reshape`` and ``Flatten`` live with the core layers.)
"""

from lamina.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from lamina.layers.reshaping.permute import Permute, RepeatVector
from lamina.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from lamina.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

__all__ = [
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Permute",
    "RepeatVector",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
]
