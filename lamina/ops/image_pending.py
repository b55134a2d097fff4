"""``keras.ops.image`` functions lamina does not compute yet: each raises
NotImplementedError naming itself, so a Keras program fails at the call with a clear reason."""


def _pending(name):
    def function(*args, **kwargs):
        raise NotImplementedError(
            f"keras.ops.image.{name} is not implemented in lamina yet (its sampling rules are still to be "
            "matched to Keras's). Compute it with torch (torch.nn.functional.grid_sample / conv2d) meanwhile."
        )

    function.__name__ = name
    function.__doc__ = f"``keras.ops.image.{name}``: not implemented in lamina yet; raises NotImplementedError."
    return function


affine_transform = _pending("affine_transform")
elastic_transform = _pending("elastic_transform")
extract_patches_3d = _pending("extract_patches_3d")
gaussian_blur = _pending("gaussian_blur")
map_coordinates = _pending("map_coordinates")
perspective_transform = _pending("perspective_transform")
scale_and_translate = _pending("scale_and_translate")
sobel_edges = _pending("sobel_edges")
ssim = _pending("ssim")
