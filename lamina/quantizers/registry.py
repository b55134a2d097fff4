"""``get`` / ``serialize`` / ``deserialize`` of quantizers and quantization configs."""

from lamina.quantizers.calibration_configs import AWQConfig, GPTQConfig
from lamina.quantizers.quantization_config import (
    Float8QuantizationConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    QuantizationConfig,
)
from lamina.quantizers.quantizer import AbsMaxQuantizer, Quantizer
from lamina.serialization.object_family import ObjectFamily

_FAMILY = ObjectFamily(
    "quantizer",
    "keras.quantizers",
    Quantizer,
    [Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig, Int4QuantizationConfig,
     Float8QuantizationConfig, AWQConfig, GPTQConfig],
)


def serialize(quantizer):
    """Keras's config entry of a quantizer or quantization config (None stays None)."""
    return _FAMILY.serialize(quantizer)


def deserialize(config, custom_objects=None):
    """The quantizer or quantization config ``serialize`` (lamina's or Keras's) described."""
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier, **kwargs):
    """The quantizer ``identifier`` stands for: an instance (as is), a name
    (``"abs_max_quantizer"``; instantiated with ``kwargs``), a config dict or a callable.

    Raises:
        ConfigurationError: an unknown name or an identifier of another kind.
    """
    if isinstance(identifier, str) and kwargs:
        return _FAMILY.deserialize({"class_name": identifier, "config": kwargs})
    return _FAMILY.get(identifier)
