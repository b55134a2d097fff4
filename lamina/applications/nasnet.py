"""NASNet-A (Zoph et al., 2018), as ``keras.applications.nasnet``: NASNetMobile (4 @ 1056,
224x224) and NASNetLarge (6 @ 4032, 331x331), stacks of searched normal and reduction cells;
Keras's layer names, parameter counts and ImageNet weight files.

Unlike Keras 3.15, NASNetMobile works here with PyTorch (Keras refuses it on its torch backend).
"""

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.mobilenet_v2 import correct_pad
from lamina.applications.weights import load_application_weights, weights_url
from lamina.datasets.download import get_file
from lamina.errors import ConfigurationError

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
# variant: ((Keras's cached file name, its published name, md5) with the top, then without)
WEIGHTS = {
    "mobile": (("nasnet_mobile.h5", "NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
               ("nasnet_mobile_no_top.h5", "NASNet-mobile-no-top.h5", "1ed92395b5b598bdda52abe5c0dbfd63")),
    "large": (("nasnet_large.h5", "NASNet-large.h5", "11577c9a518f0070763c2b964a382f17"),
              ("nasnet_large_no_top.h5", "NASNet-large-no-top.h5", "d81d89dc07e6e56530c4e77faddd61b5")),
}
BN = {"momentum": 0.9997, "epsilon": 1e-3}


def _conv_bn(x, filters, conv_name, bn_name):
    """1x1 convolution (no bias, He-normal) and batch normalization."""
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, kernel_initializer="he_normal",
                      name=conv_name)(x)
    return layers.BatchNormalization(axis=-1, **BN, name=bn_name)(x)


def _separable_conv_block(x, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Two (ReLU, separable convolution, batch normalization); the first one may be strided."""
    x = layers.Activation("relu")(x)
    padding = "same"
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size), name=f"separable_conv_1_pad_{block_id}")(x)
        padding = "valid"
    for i, step_strides, step_padding in ((1, strides, padding), (2, (1, 1), "same")):
        if i == 2:
            x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, kernel_size, strides=step_strides, padding=step_padding,
                                   use_bias=False, name=f"separable_conv_{i}_{block_id}")(x)
        x = layers.BatchNormalization(axis=-1, **BN, name=f"separable_conv_{i}_bn_{block_id}")(x)
    return x


def _adjust_block(p, ip, filters, block_id):
    """The previous cell's output ``p`` brought to ``ip``'s spatial size and to ``filters`` channels."""
    if p is None:
        return ip
    if p.shape[1] != ip.shape[1]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, kernel_initializer="he_normal",
                           name=f"adjust_conv_1_{block_id}")(p1)
        # The second half samples the odd pixels: shift by one, then the same strided pooling.
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, kernel_initializer="he_normal",
                           name=f"adjust_conv_2_{block_id}")(p2)
        p = layers.Concatenate(axis=-1)([p1, p2])
        return layers.BatchNormalization(axis=-1, **BN, name=f"adjust_bn_{block_id}")(p)
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        return _conv_bn(p, filters, f"adjust_conv_projection_{block_id}", f"adjust_bn_{block_id}")
    return p


def _cell_input(ip, p, filters, kind, block_id):
    """The adjusted previous output and the ReLU-1x1-BN of the current input ``ip``."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    return p, _conv_bn(h, filters, f"{kind}_conv_1_{block_id}", f"{kind}_bn_1_{block_id}")


def _same_avg_pool(x, name):
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=name)(x)


def _normal_a_cell(ip, p, filters, block_id):
    p, h = _cell_input(ip, p, filters, "normal", block_id)
    x1 = layers.Add(name=f"normal_add_1_{block_id}")([
        _separable_conv_block(h, filters, (5, 5), block_id=f"normal_left1_{block_id}"),
        _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")])
    x2 = layers.Add(name=f"normal_add_2_{block_id}")([
        _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}"),
        _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")])
    x3 = layers.Add(name=f"normal_add_3_{block_id}")([_same_avg_pool(h, f"normal_left3_{block_id}"), p])
    x4 = layers.Add(name=f"normal_add_4_{block_id}")([
        _same_avg_pool(p, f"normal_left4_{block_id}"), _same_avg_pool(p, f"normal_right4_{block_id}")])
    x5 = layers.Add(name=f"normal_add_5_{block_id}")([
        _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}"), h])
    x = layers.Concatenate(axis=-1, name=f"normal_concat_{block_id}")([p, x1, x2, x3, x4, x5])
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id):
    p, h = _cell_input(ip, p, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(padding=correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)

    def strided_pool(pool, side):
        return pool((3, 3), strides=(2, 2), padding="valid", name=f"reduction_{side}_{block_id}")(h3)

    def separable(x, kernel_size, side, strides=(2, 2)):
        return _separable_conv_block(x, filters, kernel_size, strides=strides, block_id=f"reduction_{side}_{block_id}")

    x1 = layers.Add(name=f"reduction_add_1_{block_id}")([separable(h, (5, 5), "left1"), separable(p, (7, 7), "right1")])
    x2 = layers.Add(name=f"reduction_add_2_{block_id}")([
        strided_pool(layers.MaxPooling2D, "left2"), separable(p, (7, 7), "right2")])
    x3 = layers.Add(name=f"reduction_add3_{block_id}")([
        strided_pool(layers.AveragePooling2D, "left3"), separable(p, (5, 5), "right3")])
    x4 = layers.Add()([x2, _same_avg_pool(x1, f"reduction_left4_{block_id}")])
    x5 = layers.Add(name=f"reduction_add4_{block_id}")([
        separable(x1, (3, 3), "left4", strides=(1, 1)), strided_pool(layers.MaxPooling2D, "right5")])
    x = layers.Concatenate(axis=-1, name=f"reduction_concat_{block_id}")([x2, x3, x4, x5])
    return x, ip


def _load_weights(model, weights, variant, include_top):
    """As ``load_application_weights``, but Keras publishes NASNet's files under one name
    (``NASNet-mobile.h5``) and caches them under another (``nasnet_mobile.h5``): lamina
    caches them under Keras's cached name too."""
    if weights != "imagenet":
        load_application_weights(model, weights, "nasnet", None)
        return
    cached_name, published_name, md5 = WEIGHTS[variant][0 if include_top else 1]
    url = weights_url("nasnet", published_name, BASE_URL)
    model.load_weights(get_file(cached_name, url, cache_subdir="models", file_hash=md5))


def _check_fixed_size(img_input, name, weights, default_size):
    size = tuple(img_input.shape[1:3])
    if None not in size:
        return
    reason = ("ImageNet weights need a static input shape" if weights == "imagenet" else
              "its cells compare the spatial sizes of their two inputs (Keras builds a model that fails "
              "on its first call)")
    raise ConfigurationError(
        f"{name}: NASNet needs a fixed image size: {reason}. Received: an input of shape "
        f"{tuple(img_input.shape)}. Pass input_shape=(height, width, 3), e.g. "
        f"input_shape=({default_size}, {default_size}, 3)."
    )


def _nasnet(variant, input_shape, penultimate_filters, num_blocks, stem_block_filters, skip_reduction,
            include_top, weights, input_tensor, pooling, classes, default_size, classifier_activation, name):
    """The NASNet-A stack: a strided stem, two stem reduction cells, then three stages of
    ``num_blocks`` normal cells, the last two stages each after a reduction cell."""
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=default_size, min_size=32)
    _check_fixed_size(img_input, name, weights, default_size)
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
                      name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = layers.BatchNormalization(axis=-1, **BN, name="stem_bn1")(x)
    x, p = _reduction_a_cell(x, None, filters // 4, "stem_1")
    x, p = _reduction_a_cell(x, p, filters // 2, "stem_2")
    for stage, stage_filters in enumerate((filters, filters * 2, filters * 4)):
        if stage:
            x, reduced_p = _reduction_a_cell(x, p, stage_filters, f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else reduced_p
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, stage_filters, f"{stage * num_blocks + i + bool(stage)}")
    x = layers.Activation("relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _building.pool(x, pooling)
    model = _building.finish(img_input, input_tensor, x, name)
    _load_weights(model, weights, variant, include_top)
    return model


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,  # noqa: N802
                 classes=1000, classifier_activation="softmax", name="nasnet_mobile"):
    """NASNet-A Mobile (4 @ 1056), as ``keras.applications.NASNetMobile`` (224x224 inputs).

    Args:
        input_shape: ``(height, width, 3)``, fixed and at least 32x32; only without the top
            (default then ``(224, 224, 3)``).
        include_top: End with the 1000-way ImageNet classifier (``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor of fixed image size to use as the image input.
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        classes: Classifier size (only with ``weights=None``, or 1000).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        name: The model's name.

    Feed images through ``lamina.applications.nasnet.preprocess_input`` (to ``[-1, 1]``).
    """
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return _nasnet("mobile", input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                   skip_reduction=False, include_top=include_top, weights=weights, input_tensor=input_tensor,
                   pooling=pooling, classes=classes, default_size=224,
                   classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,  # noqa: N802
                classes=1000, classifier_activation="softmax", name="nasnet_large"):
    """NASNet-A Large (6 @ 4032), as ``keras.applications.NASNetLarge`` (331x331 inputs).

    Args:
        input_shape: ``(height, width, 3)``, fixed and at least 32x32; only without the top.
            Unlike NASNetMobile there is no default without the top: pass one (e.g. ``(331, 331, 3)``).
        include_top: End with the 1000-way ImageNet classifier (``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor of fixed image size to use as the image input.
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        classes: Classifier size (only with ``weights=None``, or 1000).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        name: The model's name.

    Feed images through ``lamina.applications.nasnet.preprocess_input`` (to ``[-1, 1]``).
    """
    return _nasnet("large", input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                   skip_reduction=True, include_top=include_top, weights=weights, input_tensor=input_tensor,
                   pooling=pooling, classes=classes, default_size=331,
                   classifier_activation=classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """NASNet's input scaling: ``tf`` mode (to ``[-1, 1]``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
