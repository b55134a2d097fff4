"""Datasets with Keras's loaders (``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``,
``imdb``, ``reuters``, ``boston_housing``, ``california_housing``) and the downloader
they share."""

from lamina.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from lamina.datasets.download import get_file
from lamina.datasets.idx import read_idx

__all__ = [
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "get_file",
    "imdb",
    "mnist",
    "read_idx",
    "reuters",
]
