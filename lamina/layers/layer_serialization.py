"""``lamina.layers.serialize`` / ``deserialize``: a layer as the dict Keras 3 writes, and back."""


def serialize(layer):
    """``layer`` (or model) as Keras's ``{"module", "class_name", "config", ...}`` dict,
    equal to what ``keras.layers.serialize`` writes for the same layer."""
    from lamina.saving import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer (or model) from ``serialize``'s dict, lamina's or Keras's.

    Args:
        config: the serialized layer.
        custom_objects: Optional ``{name: class}`` for your own layers.
    """
    from lamina.serialization import deserialize_layer

    return deserialize_layer(config, custom_objects)
