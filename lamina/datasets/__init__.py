"""Datasets with Keras's loaders (``mnist``, ``fashion_mnist``) and the downloader they share."""

from lamina.datasets import fashion_mnist, mnist
from lamina.datasets.download import get_file
from lamina.datasets.idx import read_idx

__all__ = ["fashion_mnist", "get_file", "mnist", "read_idx"]
