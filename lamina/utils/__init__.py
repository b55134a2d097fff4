"""Utilities with Keras's names."""

from lamina.backend.random import set_random_seed
from lamina.training.data.py_dataset import PyDataset
from lamina.utils.data_packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from lamina.utils.plot_history import plot_history
from lamina.utils.plot_model import model_to_dot, plot_model
from lamina.utils.progbar import Progbar
from lamina.utils.sequence import pad_sequences
from lamina.utils.to_categorical import to_categorical

__all__ = [
    "PyDataset","Progbar", "model_to_dot", "pad_sequences", "plot_history", "plot_model", "set_random_seed", "to_categorical",
    "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]
