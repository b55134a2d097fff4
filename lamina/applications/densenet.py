"""DenseNet121, DenseNet169 and DenseNet201 (Huang et al., 2016), as
``keras.applications.densenet``: dense blocks of concatenated bottleneck layers joined by
compressing transitions; Keras's layer names, parameter counts and ImageNet weight files."""

from lamina import layers
from lamina.applications import _building, imagenet_utils
from lamina.applications.weights import load_application_weights
from lamina.errors import ConfigurationError

WEIGHTS_HASHES = {  # blocks: (name, with top, without top), as Keras lists them (md5)
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
EPSILON = 1.001e-5
GROWTH_RATE = 32


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=3, epsilon=EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def conv_block(x, growth_rate, name):
    """One dense layer: BN-ReLU-1x1 (4 * growth) then BN-ReLU-3x3 (growth), concatenated to ``x``."""
    y = _bn_relu(x, f"{name}_0")
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = _bn_relu(y, f"{name}_1")
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, y])


def dense_block(x, blocks, name):
    """``blocks`` dense layers, each adding ``GROWTH_RATE`` channels."""
    for i in range(blocks):
        x = conv_block(x, GROWTH_RATE, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 convolution keeping ``reduction`` of the channels, 2x2 average pooling."""
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,  # noqa: N802
             pooling=None, classes=1000, classifier_activation="softmax", name="densenet"):
    """A DenseNet with ``blocks`` dense layers in its four dense blocks; other arguments as
    ``DenseNet121``. ImageNet weights exist for the three published depths."""
    blocks = tuple(blocks)
    img_input = _building.start(name, include_top, weights, input_tensor, input_shape, pooling, classes,
                                classifier_activation, default_size=224, min_size=32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{stage + 2}")
        if stage < 3:
            x = transition_block(x, 0.5, name=f"pool{stage + 2}")
    x = layers.BatchNormalization(axis=3, epsilon=EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _building.classifier_or_pool(x, include_top, pooling, classes, classifier_activation, "avg_pool", "max_pool")
    model = _building.finish(img_input, input_tensor, x, name)
    if weights == "imagenet":
        if blocks not in WEIGHTS_HASHES:
            raise ConfigurationError(f"{name}: ImageNet weights exist for blocks in {sorted(WEIGHTS_HASHES)}. "
                                     f"Received: blocks={blocks}.")
        stem, with_top, no_top = WEIGHTS_HASHES[blocks]
        file_name = f"{stem}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        load_application_weights(model, weights, "densenet", file_name, with_top if include_top else no_top)
    else:
        load_application_weights(model, weights, "densenet", None)
    return model


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
                classes=1000, classifier_activation="softmax", name="densenet121"):
    """DenseNet121 (dense blocks of 6, 12, 24, 16 layers), as ``keras.applications.DenseNet121``.

    Args:
        include_top: End with the 1000-way ImageNet classifier (``avg_pool`` + ``predictions``).
        weights: None (random), ``"imagenet"`` (Keras's file, fetched once) or a file path.
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: ``(height, width, 3)``, at least 32x32; only without the top.
        pooling: Without the top: None (4D features), ``"avg"`` or ``"max"`` (2D).
        classes: Classifier size (only with ``weights=None``, or 1000).
        classifier_activation: Activation of ``predictions`` (None gives logits).
        name: The model's name.

    Feed images through ``lamina.applications.densenet.preprocess_input`` (torch mode).
    """
    return DenseNet((6, 12, 24, 16), include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
                classes=1000, classifier_activation="softmax", name="densenet169"):
    """DenseNet169 (dense blocks of 6, 12, 32, 32 layers); arguments as ``DenseNet121``."""
    return DenseNet((6, 12, 32, 32), include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
                classes=1000, classifier_activation="softmax", name="densenet201"):
    """DenseNet201 (dense blocks of 6, 12, 48, 32 layers); arguments as ``DenseNet121``."""
    return DenseNet((6, 12, 48, 32), include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def preprocess_input(x, data_format=None):
    """DenseNet's input scaling: torch mode (to ``[0, 1]``, minus the ImageNet mean, over its std)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction; see ``imagenet_utils.decode_predictions``."""
    return imagenet_utils.decode_predictions(preds, top=top)
