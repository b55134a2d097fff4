"""What every application constructor shares: its input, its optional top, its model."""

from lamina import layers
from lamina.applications.imagenet_utils import obtain_input_shape, validate_activation
from lamina.applications.weights import check_weights_argument
from lamina.errors import ConfigurationError
from lamina.layers.symbolic import KerasTensor
from lamina.models import Model


def start(name, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation,
          default_size, min_size, require_flatten=None):
    """Check the common arguments and return the image input tensor."""
    check_weights_argument(weights, include_top, classes, name)
    validate_activation(classifier_activation, weights, name) if include_top else None
    if pooling not in (None, "avg", "max"):
        raise ConfigurationError(f"{name}: pooling must be None, 'avg' or 'max'. Received: pooling={pooling!r}.")
    shape = obtain_input_shape(
        input_shape if input_shape is not None or input_tensor is None else tuple(input_tensor.shape[1:]),
        default_size, min_size, include_top if require_flatten is None else require_flatten, weights, name,
    )
    if input_tensor is None:
        return layers.Input(shape=shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ConfigurationError(
            f"{name}: input_tensor must be a symbolic tensor (from lamina.Input or a layer called on "
            f"one). Received: input_tensor of type {type(input_tensor).__name__}."
        )
    return input_tensor


def pool(x, pooling, avg_name=None, max_name=None):
    """The feature pooling of ``include_top=False``."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def classifier_or_pool(x, include_top, pooling, classes, classifier_activation, avg_name=None, max_name=None):
    """The common ending: average pooling and the ``predictions`` layer with the top, else
    ``pool``."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pool(x, pooling, avg_name, max_name)


def source_inputs(tensor):
    """The ``Input`` tensors ``tensor`` was computed from (itself when it is one)."""
    found, pending, seen = [], [tensor], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        node = current.node
        if node is None or not node.input_tensors:
            found.append(current)
        else:
            pending.extend(node.input_tensors)
    return found[0] if len(found) == 1 else found


def finish(img_input, input_tensor, outputs, name):
    """The functional model from the image input (or ``input_tensor``'s sources) to ``outputs``."""
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    return Model(inputs, outputs, name=name)
