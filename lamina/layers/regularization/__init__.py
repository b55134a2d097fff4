"""Regularization layers: spatial dropout, Gaussian noise and activity penalties (``Dropout`` is a
core layer)."""

from lamina.layers.regularization.activity_regularization import ActivityRegularization
from lamina.layers.regularization.alpha_dropout import AlphaDropout
from lamina.layers.regularization.gaussian import GaussianDropout, GaussianNoise
from lamina.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)

__all__ = [
    "ActivityRegularization",
    "AlphaDropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]
