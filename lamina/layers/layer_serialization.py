"""``lamina.layers.serialize`` / ``deserialize``: a layer as the dict Keras 3 writes, and back."""

from lamina.serialization import deserialize_layer, serialize_layer


def serialize(layer):
    """``layer`` (or model) as Keras's ``{"module", "class_name", "config", ...}`` dict,
    equal to what ``keras.layers.serialize`` writes for the same layer."""
    return None if layer is None else serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """A new layer (or model) from ``serialize``'s dict, lamina's or Keras's.

    Args:
        config: the serialized layer.
        custom_objects: Optional ``{name: class}`` for your own layers.
    """
    return deserialize_layer(config, custom_objects)
