"""VGG16 (Simonyan & Zisserman, 2014), as ``keras.applications.vgg16``."""

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.weights import load_application_weights

HASHES = {  # (with top, without top), as Keras lists them (md5)
    "vgg16": ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
    "vgg19": ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"),
}


def build_vgg(convs_per_block, name, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, weights_name):
    """Five blocks of 3x3 convolutions (64 to 512 filters) and 2x2 max pooling, then the top."""
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=224, min_size=32)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool(x, pooling)
    model = _building.finish(img_input, input_tensor, x, name)
    suffix = "" if include_top else "_notop"
    file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    load_application_weights(model, weights, weights_name, file_name, HASHES[weights_name][0 if include_top else 1])
    return model


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16, as ``keras.applications.VGG16``: 13 convolutions, then (``include_top``)
    ``flatten``, ``fc1``, ``fc2`` (4096 units) and ``predictions``.

    Arguments as ``lamina.applications.ResNet50``. Feed images through
    ``lamina.applications.vgg16.preprocess_input`` (caffe mode).
    """
    return build_vgg((2, 2, 3, 3, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, "vgg16")


def preprocess_input(x, data_format=None):
    """VGG's input scaling: caffe mode (RGB -> BGR, minus the ImageNet mean)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
