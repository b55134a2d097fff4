"""Wrapper: the base of layers that hold one other layer (Keras's ``Wrapper``)."""

from lamina.errors import ConfigurationError, describe
from lamina.layers.layer import Layer
from lamina.serialization import deserialize_layer, serialize_layer


class Wrapper(Layer):
    """A layer around ``layer``: builds it, saves it in its config under ``"layer"``.

    Subclass it and override ``call`` to change how the wrapped layer is applied (as
    ``SpectralNormalization`` does); the base ``call`` simply calls ``layer``.

    Args:
        layer: the lamina layer to wrap.

    Example:
        >>> import torch, lamina
        >>> class Twice(lamina.layers.Wrapper):
        ...     def call(self, inputs):
        ...         return 2 * self.layer(inputs)
        >>> Twice(lamina.layers.Dense(3))(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ConfigurationError(
                f"{type(self).__name__}: layer must be a lamina layer. Received: layer={describe(layer)}. "
                "Wrap a torch.nn.Module in lamina.layers.TorchModuleWrapper first."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build_from_shapes(input_shape)

    def call(self, inputs, training=None):
        return self.layer(inputs, training=training)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned (or Keras's config).

        Args:
            config: The dict ``get_config`` returned.
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        config = dict(config)
        if isinstance(config.get("layer"), dict):
            config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return cls(**config)
