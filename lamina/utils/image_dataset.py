"""``image_dataset_from_directory``: Keras's function, on Pillow and torch (no TensorFlow)."""

import numpy as np
import torch

from lamina.backend.config import standardize_data_format
from lamina.errors import ConfigurationError, InputError
from lamina.ops.image_resize import resize
from lamina.utils import directory_index
from lamina.utils.image_utils import load_img
from lamina.utils.sample_dataset import SampleDataset, check_batch_size, draw_seed

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
_TF_ONLY = ("area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",
    verbose=True,
):
    """A dataset of batches of images (and labels) from class subfolders, as
    ``keras.utils.image_dataset_from_directory``.

    ``directory/class_a/*.png`` and ``directory/class_b/*.jpg`` give labels 0 and 1; files
    at any depth below a class folder count (``.bmp``, ``.gif``, ``.jpeg``, ``.jpg``,
    ``.png``; the first frame of a GIF). File order, labels, the seeded shuffle and the
    validation split are Keras's exactly; images are read with Pillow when a batch is asked
    for, converted to ``color_mode`` and resized as ``keras.ops.image.resize`` does.

    Args:
        directory: the folder. With ``labels="inferred"`` it holds one subfolder per class.
        labels: ``"inferred"`` (from the subfolders), ``None`` (images only), or a
            list/tuple of int labels, one per file in alphanumeric path order.
        label_mode: ``"int"`` (int32, for ``sparse_categorical_crossentropy``),
            ``"categorical"`` (float32 one-hot), ``"binary"`` (float32 ``(n, 1)``, two
            classes), or ``None`` (no labels).
        class_names: with ``labels="inferred"``, the subfolders to use, in label order.
        color_mode: ``"grayscale"``, ``"rgb"`` (default) or ``"rgba"``: 1, 3 or 4 channels.
        batch_size: images per batch (default 32), or ``None`` for single images.
        image_size: ``(height, width)`` every image is resized to (default ``(256, 256)``).
        shuffle: shuffle the files (default ``True``; else alphanumeric order).
        seed: int seed for the shuffle; needed with ``validation_split`` and ``shuffle``.
        validation_split: fraction of the files kept for validation (the last ones after
            the shuffle).
        subset: ``"training"``, ``"validation"`` or ``"both"`` (a list of the two
            datasets), with ``validation_split``.
        interpolation: ``"bilinear"`` (default), ``"nearest"`` or ``"bicubic"``.
        follow_links: follow symbolic links to folders.
        crop_to_aspect_ratio: crop the centre to ``image_size``'s aspect ratio first.
        pad_to_aspect_ratio: pad with zeros to ``image_size``'s aspect ratio first.
        data_format: ``"channels_last"`` (default: the global setting) or ``"channels_first"``.
        format: ``"tf"`` or ``"grain"``, accepted for Keras code; both give the same lamina
            dataset.
        verbose: print how many files and classes were found.

    Returns:
        A ``SampleDataset`` (a ``PyDataset`` that ``fit``/``evaluate``/``predict`` take)
        of ``(images, labels)`` batches: float32 torch tensors of shape
        ``(batch, height, width, channels)`` with values in [0, 255], and labels as
        ``label_mode`` says (images alone with ``label_mode=None``). It has ``class_names``
        and ``file_paths``. With ``subset="both"``, a list ``[training, validation]``.

    Differences from Keras: ``shuffle`` draws a new order per epoch from ``seed`` (Keras's
    ``tf.data`` shuffle buffer gives other orders); ``interpolation`` is limited to the
    three modes Keras's torch backend resizes with.
    """
    function = "image_dataset_from_directory"
    labels, label_mode = directory_index.check_label_arguments(function, labels, label_mode, class_names)
    if color_mode not in _CHANNELS:
        raise ConfigurationError(
            f"{function}: color_mode must be 'rgb', 'rgba' or 'grayscale'. Received: color_mode={color_mode!r}."
        )
    interpolation = _check_interpolation(function, interpolation)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ConfigurationError(
            f"{function}: give only one of crop_to_aspect_ratio and pad_to_aspect_ratio. Received both as True."
        )
    image_size = _check_image_size(function, image_size)
    batch_size = check_batch_size(batch_size, function)
    if format not in ("tf", "grain"):
        raise ConfigurationError(f"{function}: format must be 'tf' or 'grain'. Received: format={format!r}.")
    data_format = standardize_data_format(data_format, function)
    directory_index.check_validation_split(function, validation_split, subset, shuffle, seed)
    seed = draw_seed(seed)
    paths, labels, class_names = directory_index.index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names, shuffle, seed, follow_links, verbose, function
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise InputError(
            f"{function}: label_mode='binary' needs exactly 2 classes. Received: class_names={class_names!r}. "
            f"Use label_mode='int' or 'categorical' for more."
        )
    load_options = dict(
        image_size=image_size, channels=_CHANNELS[color_mode], interpolation=interpolation,
        crop=bool(crop_to_aspect_ratio), pad=bool(pad_to_aspect_ratio), data_format=data_format,
    )
    num_classes = len(class_names) if class_names else 0

    def build(part, part_shuffle, name):
        part_paths, part_labels = directory_index.training_or_validation(
            paths, labels, validation_split, part, verbose
        )
        if not part_paths:
            raise InputError(
                f"{function}: no {name}images found in {directory!r}. Allowed formats: {ALLOWLIST_FORMATS}."
            )
        encoded = None if label_mode is None else directory_index.encode_labels(part_labels, label_mode, num_classes)

        def load(indices):
            images = torch.stack([load_image(part_paths[i], **load_options) for i in indices])
            return images if encoded is None else (images, encoded[torch.from_numpy(indices)])

        dataset = SampleDataset(len(part_paths), load, batch_size, shuffle=part_shuffle, seed=seed)
        dataset.class_names = class_names
        dataset.file_paths = list(part_paths)
        return dataset

    if subset == "both":
        return [build("training", shuffle, "training "), build("validation", False, "validation ")]
    return build(subset, shuffle, "")


def load_image(path, image_size, channels, interpolation, crop, pad, data_format):
    """One image file as a float32 tensor, ``channels`` channels, resized to ``image_size``."""
    color_mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[channels]
    array = np.asarray(load_img(path, color_mode=color_mode), dtype=np.float32)
    image = torch.from_numpy(array.reshape(*array.shape[:2], -1))
    if data_format == "channels_first":
        image = image.permute(2, 0, 1)
    return resize(
        image, image_size, interpolation=interpolation, crop_to_aspect_ratio=crop, pad_to_aspect_ratio=pad,
        data_format=data_format,
    )


def _check_interpolation(function, interpolation):
    name = str(interpolation).lower()
    if name in _TF_ONLY:
        raise ConfigurationError(
            f"{function}: interpolation={interpolation!r} is TensorFlow's resize kernel, which torch does not "
            f"have (Keras's torch backend refuses it too). Use one of {_INTERPOLATIONS}."
        )
    if name not in _INTERPOLATIONS:
        raise ConfigurationError(
            f"{function}: interpolation must be one of {_INTERPOLATIONS}. Received: interpolation={interpolation!r}."
        )
    return name


def _check_image_size(function, image_size):
    if (
        not isinstance(image_size, (tuple, list)) or len(image_size) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in image_size)
    ):
        raise ConfigurationError(
            f"{function}: image_size must be (height, width), two ints >= 1. Received: image_size={image_size!r}."
        )
    return int(image_size[0]), int(image_size[1])
