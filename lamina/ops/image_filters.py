"""Filters of ``keras.ops.image``: ``gaussian_blur``, ``sobel_edges`` and ``ssim``, as
depthwise convolutions over the whole batch."""

import torch
import torch.nn.functional as F

from lamina.ops.arguments import data_format_of, tensor
from lamina.ops.dtypes import result_type, to_torch_dtype
from lamina.ops.image_resize import batched_channels_first
from lamina.ops.operation import keras_op


def _gaussian_1d(size, sigma, dtype, device):
    x = torch.arange(int(size), dtype=dtype, device=device) - (int(size) - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / torch.sum(kernel)


def blur_channels_first(x, kernel_size, sigma):
    """``x`` ``(N, C, H, W)`` blurred depthwise, output of the same size ("same" padding).

    As Keras: the rows are weighted with ``kernel_size[1]``/``sigma[1]`` and the columns
    with ``kernel_size[0]``/``sigma[0]``.
    """
    sigma = sigma if isinstance(sigma, torch.Tensor) else tensor(sigma, x.device)
    if sigma.dim() == 0:
        sigma = sigma.expand(2)
    size_w, size_h = (int(s) for s in kernel_size)
    across = _gaussian_1d(size_w, sigma[0], x.dtype, x.device)
    down = _gaussian_1d(size_h, sigma[1], x.dtype, x.device)
    kernel = torch.outer(down, across)
    channels = x.shape[1]
    pad = ((size_w - 1) // 2, size_w // 2, (size_h - 1) // 2, size_h // 2)
    if any(pad):
        x = F.pad(x, pad)
    return F.conv2d(x, kernel.expand(channels, 1, size_h, size_w), groups=channels)


@keras_op("GaussianBlur", "image")
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """``images`` blurred with a normalised Gaussian kernel, as ``keras.ops.image.gaussian_blur``.

    Args:
        images: One image (rank 3) or a batch (rank 4), floating point.
        kernel_size: Two ints, the kernel's extent (odd sizes keep the kernel centred).
        sigma: Two floats, the Gaussian's standard deviations.
        data_format: "channels_last" or "channels_first" (default: the global setting).

    As Keras computes it, ``kernel_size[0]``/``sigma[0]`` apply along the width and
    ``kernel_size[1]``/``sigma[1]`` along the height (the same for square kernels and equal
    sigmas). The output has ``images``' shape ("same" padding with zeros).
    """
    if len(kernel_size) != 2 or any(int(k) < 1 for k in kernel_size):
        raise ValueError(f"gaussian_blur: kernel_size must be two positive ints. Received: kernel_size={kernel_size!r}.")
    x, restore = batched_channels_first("gaussian_blur", images, data_format)
    return restore(blur_channels_first(x, kernel_size, sigma))


@keras_op("SobelEdges", "image")
def sobel_edges(images, data_format=None):
    """Sobel gradients of a batch of images, as ``keras.ops.image.sobel_edges``: shape
    ``(batch, height, width, channels, 2)`` (channels_last) or ``(batch, channels, height,
    width, 2)`` (channels_first), the last axis ``[dy, dx]``; zero padding at the borders."""
    images = tensor(images)
    if images.dim() != 4:
        raise ValueError(f"sobel_edges: images must be rank 4 (a batch). Received: images.shape={tuple(images.shape)}.")
    channels_last = data_format_of(data_format) == "channels_last"
    x = images.permute(0, 3, 1, 2) if channels_last else images
    if not x.is_floating_point():
        x = x.to(torch.float32)
    channels = x.shape[1]
    dx = torch.tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=x.dtype, device=x.device)
    kernels = torch.stack([dx.t(), dx]).unsqueeze(1).repeat(channels, 1, 1, 1)  # per channel: dy, dx
    edges = F.conv2d(x, kernels, padding=1, groups=channels)
    edges = edges.unflatten(1, (channels, 2)).movedim(2, -1)  # (N, C, H, W, 2)
    return edges.permute(0, 2, 3, 1, 4) if channels_last else edges


@keras_op("SSIM", "image", operands=("image1", "image2"))
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """Structural similarity of two images (or batches), as ``keras.ops.image.ssim``.

    Local means, variances and covariance come from a ``filter_size`` Gaussian window
    (``filter_sigma``, no padding); the SSIM map is averaged over space, then channels.

    Returns:
        One value per image (a scalar for rank-3 inputs), in ``image1``'s dtype.
    """
    image1, image2 = tensor(image1), tensor(image2, getattr(image1, "device", None))
    for name, image in (("image1", image1), ("image2", image2)):
        if image.dim() not in (3, 4):
            raise ValueError(f"ssim: {name} must be rank 3 or 4. Received: {name}.shape={tuple(image.shape)}.")
    original = image1.dtype
    compute = to_torch_dtype(result_type(image1.dtype, float))
    single = image1.dim() == 3
    a, b = (img.to(compute).unsqueeze(0) if single else img.to(compute) for img in (image1, image2))
    if data_format_of(data_format) == "channels_last":
        a, b = a.permute(0, 3, 1, 2), b.permute(0, 3, 1, 2)
    batch, channels, height, width = a.shape
    a, b = a.reshape(-1, 1, height, width).contiguous(), b.reshape(-1, 1, height, width).contiguous()
    x = torch.arange(filter_size, dtype=compute, device=a.device) - (filter_size - 1) / 2.0
    gauss = torch.exp(-(x**2) / (2.0 * filter_sigma**2))
    gauss = gauss / torch.sum(gauss)
    kernel = torch.outer(gauss, gauss).view(1, 1, filter_size, filter_size)

    def window_mean(v):
        return F.conv2d(v, kernel)

    mu1, mu2 = window_mean(a), window_mean(b)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = window_mean(a * a) - mu1_sq
    sigma2_sq = window_mean(b * b) - mu2_sq
    sigma12 = window_mean(a * b) - mu1_mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = ((2.0 * mu1_mu2 + c1) * (2.0 * sigma12 + c2)) / ((mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2))
    per_image = ssim_map.mean(dim=(1, 2, 3)).reshape(batch, channels).mean(dim=-1)
    return (per_image.squeeze(0) if single else per_image).to(original)
