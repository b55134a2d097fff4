"""ResNet50V2, ResNet101V2 and ResNet152V2 (pre-activation ResNets, He et al., 2016), as
``keras.applications.resnet_v2``."""

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.applications.resnet import BN_EPSILON, build_resnet


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """A pre-activation bottleneck block (batch norm and ReLU before each convolution)."""
    preact = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name + "_preact_bn")(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """``blocks`` v2 blocks; the first projects the shortcut, the last strides by ``stride1``."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _stages(blocks):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, blocks[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, blocks[3], stride1=1, name="conv5")

    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
               classes=1000, classifier_activation="softmax", name="resnet50v2"):
    """ResNet50V2, as ``keras.applications.ResNet50V2``; arguments as ``ResNet50``. Inputs
    go through ``lamina.applications.resnet_v2.preprocess_input`` (to ``[-1, 1]``)."""
    return build_resnet(_stages((3, 4, 6, 3)), True, True, name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation, "resnet50v2")


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """ResNet101V2 (3, 4, 23, 3 blocks); arguments as ``ResNet50``."""
    return build_resnet(_stages((3, 4, 23, 3)), True, True, name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation, "resnet101v2")


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """ResNet152V2 (3, 8, 36, 3 blocks); arguments as ``ResNet50``."""
    return build_resnet(_stages((3, 8, 36, 3)), True, True, name, include_top, weights, input_tensor,
                        input_shape, pooling, classes, classifier_activation, "resnet152v2")


def preprocess_input(x, data_format=None):
    """ResNetV2's input scaling: ``tf`` mode (to ``[-1, 1]``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
