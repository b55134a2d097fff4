"""ResNet50, ResNet101 and ResNet152 (He et al., 2015), as ``keras.applications.resnet``:
same arguments, layer names, parameter counts and ImageNet weight files."""

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.weights import load_application_weights

WEIGHTS_HASHES = {  # (with top, without top), as Keras lists them (md5)
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
BN_EPSILON = 1.001e-5


def build_resnet(stack_fn, preact, use_bias, name, include_top, weights, input_tensor, input_shape, pooling,
                 classes, classifier_activation, weights_name):
    """The ResNet skeleton around ``stack_fn`` (the residual stages)."""
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=224, min_size=32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = _building.classifier_or_pool(x, include_top, pooling, classes, classifier_activation, "avg_pool", "max_pool")
    model = _building.finish(img_input, input_tensor, x, name)
    if weights == "imagenet":
        suffix = "" if include_top else "_notop"
        file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        load_application_weights(model, weights, "resnet", file_name, file_hash)
    else:
        load_application_weights(model, weights, "resnet", None)
    return model


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """A bottleneck block: 1x1, kxk, 1x1 (4 * filters) convolutions plus the shortcut."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """``blocks`` v1 blocks; the first one projects the shortcut and strides by ``stride1``."""
    x = residual_block_v1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _stages(blocks):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, blocks[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, blocks[3], name="conv5")

    return stack_fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
             classes=1000, classifier_activation="softmax", name="resnet50"):
    """ResNet50 (stages of 3, 4, 6, 3 bottleneck blocks), as ``keras.applications.ResNet50``.

    Args:
        include_top: End with the 1000-way ImageNet classifier (``avg_pool`` + ``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: ``(height, width, 3)``, at least 32x32; only without the top.
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        classes: Classifier size (only with ``weights=None``, or 1000).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        name: The model's name.

    Feed images through ``lamina.applications.resnet.preprocess_input`` (caffe mode).
    """
    return build_resnet(_stages((3, 4, 6, 3)), False, True, name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation, "resnet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
              classes=1000, classifier_activation="softmax", name="resnet101"):
    """ResNet101 (stages of 3, 4, 23, 3 blocks); arguments as ``ResNet50``."""
    return build_resnet(_stages((3, 4, 23, 3)), False, True, name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation, "resnet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
              classes=1000, classifier_activation="softmax", name="resnet152"):
    """ResNet152 (stages of 3, 8, 36, 3 blocks); arguments as ``ResNet50``."""
    return build_resnet(_stages((3, 8, 36, 3)), False, True, name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation, "resnet152")


def preprocess_input(x, data_format=None):
    """ResNet's input scaling: caffe mode (RGB -> BGR, minus the ImageNet mean)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
