"""``keras.ops.image.elastic_transform``: images displaced by a smooth random field (Gaussian
noise blurred with ``sigma`` and scaled by ``alpha``), sampled for the whole batch at once."""

import torch

from lamina.ops.arguments import tensor
from lamina.ops.image_affine import (
    AFFINE_FILL_MODES,
    batched_channels_last,
    interpolation_order,
    sample_images,
)
from lamina.ops.image_filters import blur_channels_first
from lamina.ops.image_sampling import check_fill_mode
from lamina.ops.operation import keras_op
from lamina.random.seed_generator import torch_generator


@keras_op("ElasticTransform", "image")
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                      seed=None, data_format=None):
    """``images`` distorted by a random elastic field, as ``keras.ops.image.elastic_transform``.

    Args:
        images: One image (rank 3) or a batch (rank 4), floating point.
        alpha: The displacement's scale, in pixels.
        sigma: The standard deviation of the Gaussian that smooths the field (the kernel
            spans ``int(6 * sigma) | 1`` pixels).
        interpolation: "nearest" or "bilinear".
        fill_mode: Points outside the input: "reflect" (default), "constant", "nearest",
            "wrap" or "mirror".
        fill_value: The value of outside points with ``fill_mode="constant"``.
        seed: None draws from torch's global generator, as Keras on torch does (so
            ``torch.manual_seed`` reproduces Keras's field); an int or a
            ``lamina.random.SeedGenerator`` gives a reproducible field of its own.
        data_format: "channels_last" or "channels_first" (default: the global setting).

    Returns:
        The distorted images, of ``images``' shape and dtype.
    """
    order = interpolation_order("elastic_transform", interpolation)
    check_fill_mode("elastic_transform", fill_mode, AFFINE_FILL_MODES)
    x, restore = batched_channels_last("elastic_transform", images, data_format)
    if not x.is_floating_point():
        raise TypeError(f"elastic_transform: images must be floating point. Received: images.dtype={x.dtype}.")
    alpha, sigma = tensor(alpha, x.device), tensor(sigma, x.device)
    size = int(6 * sigma) | 1  # computed in sigma's dtype, as Keras
    n, height, width, _ = x.shape
    generator = None if seed is None else torch_generator(seed, device=x.device)
    fields = [
        torch.normal(0.0, 1.0, size=(n, height, width), generator=generator, dtype=x.dtype, device=x.device) * sigma
        for _ in range(2)
    ]
    dx, dy = (blur_channels_first(f.unsqueeze(1), (size, size), sigma).squeeze(1) for f in fields)
    cols = torch.arange(width, device=x.device).view(1, 1, width) + alpha * dx
    rows = torch.arange(height, device=x.device).view(1, height, 1) + alpha * dy
    return restore(sample_images(x, rows, cols, order, fill_mode, fill_value))
