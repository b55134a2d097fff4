"""Keras 3's ``keras.ops.image`` functions on torch."""

from lamina.ops.image_affine import affine_transform, perspective_transform
from lamina.ops.image_color import hsv_to_rgb, rgb_to_grayscale, rgb_to_hsv
from lamina.ops.image_elastic import elastic_transform
from lamina.ops.image_filters import gaussian_blur, sobel_edges, ssim
from lamina.ops.image_geometry import crop_images, extract_patches, extract_patches_3d, pad_images
from lamina.ops.image_resize import resize
from lamina.ops.image_sampling import map_coordinates
from lamina.ops.image_scale import scale_and_translate

__all__ = [
    "affine_transform", "crop_images", "elastic_transform", "extract_patches", "extract_patches_3d", "gaussian_blur",
    "hsv_to_rgb", "map_coordinates", "pad_images", "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
    "scale_and_translate", "sobel_edges", "ssim",
]
