"""Pipeline: apply a list of layers one after the other (Keras's ``Pipeline``)."""

from torch import nn

from lamina.errors import ConfigurationError, describe
from lamina.layers.layer import Layer
from lamina.serialization import deserialize_layer, serialize_layer


class Pipeline(Layer):
    """Apply ``layers`` in order, like a ``Sequential`` that is a plain layer (Keras's
    ``Pipeline``, meant for preprocessing and augmentation in a data pipeline).

    As in Keras, ``training`` defaults to True: random augmentation layers are active
    unless the call says ``training=False``.

    Args:
        layers: a list of lamina layers.
        name: layer name.

    Example:
        >>> import torch, lamina
        >>> pipe = lamina.layers.Pipeline([lamina.layers.Rescaling(1 / 255), lamina.layers.Flatten()])
        >>> pipe(torch.full((2, 3, 3), 255.0)).tolist()[0][:3]
        [1.0, 1.0, 1.0]
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(layer, Layer) for layer in layers):
            raise ConfigurationError(
                f"Pipeline '{self.name}': layers must be a list of lamina layers. Received: layers={describe(layers)}."
            )
        self._pipeline_layers = nn.ModuleList(layers)

    @property
    def layers(self):
        """The layers, in the order they are applied."""
        return list(self._pipeline_layers)

    def call(self, inputs, training=True):
        outputs = inputs
        for layer in self._pipeline_layers:
            outputs = layer(outputs, training=training)
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        return {"layers": [serialize_layer(layer) for layer in self._pipeline_layers], "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a Pipeline from its config (Keras's or lamina's).

        Args:
            config: ``{"layers": [layer configs], "name": ...}``.
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ConfigurationError(
                f"Pipeline config needs a 'layers' list of layer configs. Received: layers={describe(layers)}."
            )
        return cls([deserialize_layer(c, custom_objects) for c in layers], name=config.get("name"))
