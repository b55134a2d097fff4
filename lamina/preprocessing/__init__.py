"""``keras.preprocessing``: the image, sequence and dataset helpers Keras 3 still exports.

Each is lamina's own utility under Keras's older path (``preprocessing.image.load_img`` is
``lamina.utils.load_img``, ``preprocessing.sequence.pad_sequences`` is
``lamina.utils.pad_sequences``, ...), so code written against either path runs.
"""

from lamina.preprocessing import image, sequence
from lamina.utils import (
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

__all__ = [
    "image",
    "image_dataset_from_directory",
    "sequence",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
