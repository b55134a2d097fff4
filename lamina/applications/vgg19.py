"""VGG19, as ``keras.applications.vgg19`` (16 convolutions; the VGG16 skeleton)."""

from lamina.applications.vgg16 import build_vgg, decode_predictions, preprocess_input


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
          classes=1000, classifier_activation="softmax", name="vgg19"):
    """VGG19, as ``keras.applications.VGG19``; arguments and top as ``VGG16``."""
    return build_vgg((2, 2, 4, 4, 4), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, "vgg19")


__all__ = ["VGG19", "decode_predictions", "preprocess_input"]
