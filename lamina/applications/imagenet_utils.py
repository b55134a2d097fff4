"""ImageNet helpers shared by the applications: ``preprocess_input`` in Keras's three modes,
``decode_predictions`` (class names from Keras's class-index file, fetched through
``get_file``), and the checks on ``input_shape`` / ``classifier_activation``."""

import json

import numpy as np
import torch

from lamina.datasets.download import get_file
from lamina.errors import ConfigurationError, InputError

CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
_class_index = None


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images in ``[0, 255]`` the way a network was trained.

    Args:
        x: NumPy array or torch tensor of images, channels last (or first with
            ``data_format="channels_first"``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        mode: ``"caffe"`` (RGB -> BGR, minus the ImageNet mean), ``"tf"`` (to
            ``[-1, 1]``) or ``"torch"`` (to ``[0, 1]``, minus mean, over std).

    Returns:
        A new float array or tensor; unlike Keras, ``x`` itself is never modified.
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ConfigurationError(f"preprocess_input: mode must be 'caffe', 'tf' or 'torch'. Received: mode={mode!r}")
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ConfigurationError(
            f"preprocess_input: data_format must be 'channels_last' or 'channels_first'. Received: data_format={data_format!r}"
        )
    is_tensor = isinstance(x, torch.Tensor)
    if is_tensor:
        x = x.float() if not x.is_floating_point() else x.clone()
    else:
        x = np.array(x, dtype="float32" if not np.issubdtype(np.asarray(x).dtype, np.floating) else None, copy=True)
    if mode == "tf":
        return x / 127.5 - 1.0
    axis = 1 if data_format == "channels_first" and x.ndim == 4 else (0 if data_format == "channels_first" else -1)
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "torch":
        mean, std = _TORCH_MEAN, _TORCH_STD
        x = x / 255.0
    else:
        x = x.flip(axis) if is_tensor else np.flip(x, axis)
        mean, std = _CAFFE_MEAN, None
    as_array = (lambda v: torch.tensor(v, dtype=x.dtype, device=x.device).reshape(shape)) if is_tensor else (
        lambda v: np.asarray(v, dtype=x.dtype).reshape(shape)
    )
    x = x - as_array(mean)
    if std is not None:
        x = x / as_array(std)
    return x


def decode_predictions(preds, top=5):
    """``[[(class_id, class_name, score), ...], ...]``: the ``top`` ImageNet classes of each row.

    The class names come from Keras's ``imagenet_class_index.json``, fetched once through
    ``lamina.utils.get_file`` into ``~/.lamina/models`` (offline: copy the file there; the
    error names the path).
    """
    global _class_index
    preds = preds.detach().cpu().numpy() if isinstance(preds, torch.Tensor) else np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise InputError(
            "decode_predictions expects a batch of ImageNet predictions of shape (samples, 1000). "
            f"Received: an array of shape {preds.shape}."
        )
    if _class_index is None:
        path = get_file("imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models", file_hash=CLASS_INDEX_HASH)
        with open(path, encoding="utf-8") as handle:
            _class_index = json.load(handle)
    results = []
    for row in preds:
        best = row.argsort()[-top:][::-1]
        results.append([tuple(_class_index[str(i)]) + (float(row[i]),) for i in best])
    return results


def obtain_input_shape(input_shape, default_size, min_size, require_flatten, weights, name):
    """The model's input shape (channels last) from the user's ``input_shape``, checked.

    ``require_flatten`` (``include_top=True``) needs a fixed size; ImageNet weights need
    3 channels, and with the top the default size.
    """
    imagenet = weights == "imagenet"
    if input_shape is None:
        return (default_size, default_size, 3) if require_flatten else (None, None, 3)
    shape = tuple(input_shape)
    if len(shape) != 3:
        raise ConfigurationError(f"{name}: input_shape must be (height, width, channels). Received: input_shape={input_shape}")
    if imagenet and shape[-1] != 3:
        raise ConfigurationError(
            f"{name}: ImageNet weights need 3 input channels. Received: input_shape={input_shape}. "
            "Use weights=None for other channel counts."
        )
    if imagenet and require_flatten and shape[:2] != (default_size, default_size):
        raise ConfigurationError(
            f"{name}: with include_top=True and weights='imagenet' the input must be "
            f"({default_size}, {default_size}, 3). Received: input_shape={input_shape}. "
            "Pass include_top=False for other sizes."
        )
    if require_flatten and None in shape[:2]:
        raise ConfigurationError(
            f"{name}: include_top=True needs a fixed input size. Received: input_shape={input_shape}."
        )
    if any(d is not None and d < min_size for d in shape[:2]):
        raise ConfigurationError(
            f"{name}: the input must be at least {min_size}x{min_size}. Received: input_shape={input_shape}."
        )
    return shape


def validate_activation(classifier_activation, weights, name):
    """With ImageNet weights the classifier may only be softmax or None (as Keras)."""
    if weights is None or classifier_activation in (None, "softmax") or not isinstance(weights, str) or weights != "imagenet":
        return
    raise ConfigurationError(
        f"{name}: with weights='imagenet' the classifier_activation must be None or 'softmax'. "
        f"Received: classifier_activation={classifier_activation!r}."
    )
