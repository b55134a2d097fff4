"""TimeDistributed: apply a layer to every timestep (every slice along axis 1)."""

from lamina.errors import ConfigurationError, InputError, describe
from lamina.layers.layer import Layer
from lamina.serialization import deserialize_layer, serialize_layer
from lamina.tree.nested import map_shapes


class TimeDistributed(Layer):
    """Apply ``layer`` to each temporal slice of (batch, timesteps, ...) inputs.

    The batch and time axes are merged into one for a single call of ``layer`` (a
    ``Dense`` over (batch * timesteps, features)), then split again. A mask on the
    inputs passes through.

    Args:
        layer: a lamina layer (e.g. ``Dense(8)``, ``Conv2D(...)``).
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ConfigurationError(
                f"TimeDistributed '{self.name}': layer must be a lamina layer. Received: layer={describe(layer)}."
            )
        self.layer = layer
        self.supports_masking = True

    def _check_rank(self, shape):
        if len(shape) < 3:
            raise InputError(
                f"TimeDistributed '{self.name}' expects inputs of shape (batch, timesteps, ...) with "
                f"at least 3 axes. Received shape {tuple(shape)}."
            )

    def build(self, input_shape):
        self._check_rank(input_shape)
        self.layer.build_from_shapes((None,) + tuple(input_shape[2:]))

    def call(self, inputs, training=None):
        self._check_rank(inputs.shape)
        batch, steps = inputs.shape[0], inputs.shape[1]
        outputs = self.layer(inputs.reshape(batch * steps, *inputs.shape[2:]), training=training)
        return outputs.reshape(batch, steps, *outputs.shape[1:])

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return map_shapes(lambda shape: (input_shape[0], input_shape[1]) + tuple(shape[1:]), inner)

    def get_config(self):
        return {
            **super().get_config(),
            "layer": serialize_layer(self.layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        config = dict(config)
        if isinstance(config.get("layer"), dict):
            config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return cls(**config)
