"""The two layers Keras's ConvNeXt defines for itself: ``LayerScale`` and ``StochasticDepth``.

They save as Keras writes them (module ``keras.src.applications.convnext``), and
``lamina.applications`` registers them when lamina loads, so a ConvNeXt ``.keras`` file
loads in either library.
"""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.initializers import Constant
from lamina.layers.layer import Layer

KERAS_MODULE = "keras.src.applications.convnext"


class LayerScale(Layer):
    """Multiply each channel by a learned factor that starts at ``init_values`` (Touvron et al., 2021).

    Args:
        init_values: The factors' initial value (ConvNeXt uses 1e-6).
        projection_dim: The number of channels (the size of the last axis).
    """

    _keras_module = KERAS_MODULE
    _keras_registered_name = "LayerScale"

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        where = f"LayerScale '{self.name}'"
        if isinstance(init_values, bool) or not isinstance(init_values, numbers.Real):
            raise ConfigurationError(f"{where}: init_values must be a number. Received: init_values={init_values!r}.")
        if isinstance(projection_dim, bool) or not isinstance(projection_dim, numbers.Integral) or projection_dim < 1:
            raise ConfigurationError(
                f"{where}: projection_dim must be a positive int (the number of channels). "
                f"Received: projection_dim={projection_dim!r}."
            )
        self.init_values = init_values
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.projection_dim:
            raise ConfigurationError(
                f"LayerScale '{self.name}': the input has {input_shape[-1]} channels but "
                f"projection_dim={self.projection_dim}. Pass projection_dim={input_shape[-1]}."
            )
        self.gamma = self.add_weight(shape=(self.projection_dim,), initializer=Constant(self.init_values), name="gamma")

    def call(self, inputs):
        return inputs * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values, "projection_dim": self.projection_dim}


class StochasticDepth(Layer):
    """In training, drop the whole residual branch of a sample with probability ``drop_path_rate``.

    Kept samples are scaled by ``1 / (1 - drop_path_rate)``; inference is the identity. The
    draws follow ``lamina.utils.set_random_seed`` (Keras's layer has no ``seed``).
    """

    _keras_module = KERAS_MODULE
    _keras_registered_name = "StochasticDepth"

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        if isinstance(drop_path_rate, bool) or not isinstance(drop_path_rate, numbers.Real) or not 0 <= drop_path_rate < 1:
            raise ConfigurationError(
                f"StochasticDepth '{self.name}': drop_path_rate must be a number in [0, 1). "
                f"Received: drop_path_rate={drop_path_rate!r}."
            )
        self.drop_path_rate = drop_path_rate

    def call(self, inputs, training=None):
        if not training or self.drop_path_rate == 0:
            return inputs
        keep = 1.0 - self.drop_path_rate
        shape = (inputs.shape[0],) + (1,) * (inputs.ndim - 1)
        kept = torch.empty(shape, dtype=inputs.dtype, device=inputs.device).bernoulli_(keep)
        return inputs / keep * kept

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}
