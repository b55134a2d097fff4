"""Utilities with Keras's names."""

from lamina.backend.dtypes import standardize_dtype
from lamina.backend.keras_tensor import is_keras_tensor
from lamina.backend.random import set_random_seed
from lamina.backend.session import clear_session
from lamina.callbacks.plot_history import plot_history
from lamina.callbacks.progbar import Progbar
from lamina.datasets.download import get_file
from lamina.saving.keras_objects import (
    deserialize_keras_object,
    get_registered_name,
    serialize_keras_object,
)
from lamina.serialization.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_object,
    register_keras_serializable,
)
from lamina.training.data.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from lamina.training.data.py_dataset import PyDataset
from lamina.utils.image_dataset import image_dataset_from_directory
from lamina.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from lamina.utils.normalize import normalize
from lamina.utils.plot_model import model_to_dot, plot_model
from lamina.utils.sample_dataset import SampleDataset
from lamina.utils.sequence import pad_sequences
from lamina.utils.split_dataset import split_dataset
from lamina.utils.text_dataset import text_dataset_from_directory
from lamina.utils.timeseries_dataset import timeseries_dataset_from_array
from lamina.utils.to_categorical import to_categorical

#: Keras's older name for ``PyDataset``.
Sequence = PyDataset

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "SampleDataset",
    "Sequence",
    "array_to_img",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_file",
    "get_registered_name",
    "get_registered_object",
    "image_dataset_from_directory",
    "img_to_array",
    "is_keras_tensor",
    "load_img",
    "model_to_dot",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "plot_history",
    "plot_model",
    "register_keras_serializable",
    "save_img",
    "serialize_keras_object",
    "set_random_seed",
    "split_dataset",
    "standardize_dtype",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
