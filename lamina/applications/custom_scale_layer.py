"""``CustomScaleLayer``: the scaled residual sum of Keras's InceptionResNetV2, ``x + scale * r``.

Keras 3 defines this layer inside ``keras.applications.inception_resnet_v2`` and saves it
under that module with the registered name ``CustomScaleLayer``; lamina writes the same,
and ``lamina.applications`` registers the class when it loads, so an InceptionResNetV2
``.keras`` file loads in either library.
"""

import numbers

from lamina.errors import ConfigurationError, InputError
from lamina.layers.layer import Layer

KERAS_MODULE = "keras.src.applications.inception_resnet_v2"


class CustomScaleLayer(Layer):
    """Add a residual branch scaled by ``scale`` to its shortcut: ``[x, r] -> x + scale * r``.

    Args:
        scale: The factor on the residual branch (InceptionResNetV2 uses 0.17, 0.1, 0.2 and 1.0).
    """

    _keras_module = KERAS_MODULE
    _keras_registered_name = "CustomScaleLayer"

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
            raise ConfigurationError(
                f"CustomScaleLayer '{self.name}': scale must be a number. Received: scale={scale!r}."
            )
        self.scale = scale

    def call(self, inputs):
        shortcut, residual = self._pair(inputs)
        return shortcut + residual * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(self._pair(input_shape)[0])

    def _pair(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2 or any(
                item is None or isinstance(item, numbers.Number) for item in inputs):
            raise InputError(
                f"CustomScaleLayer '{self.name}' takes a list of two tensors, [shortcut, residual], e.g. "
                f"CustomScaleLayer(0.1)([x, r]). Received: {type(inputs).__name__} of length "
                f"{len(inputs) if isinstance(inputs, (list, tuple)) else 1}."
            )
        return inputs

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
