"""Quantization configs: which quantizers a quantization mode uses (``int8``, ``int4``,
``float8``). lamina has no ``Model.quantize`` yet; these hold and save the settings with
Keras's names, checks and configs."""

from lamina.errors import ConfigurationError
from lamina.quantizers.quantizer import AbsMaxQuantizer, Quantizer
from lamina.serialization.object_family import ObjectFamily

_QUANTIZERS = ObjectFamily("quantizer", "keras.quantizers", Quantizer, [Quantizer, AbsMaxQuantizer])


class QuantizationConfig:
    """Base class of quantization configs: a weight and an activation quantizer.

    Subclasses define the ``mode`` property.

    Args:
        weight_quantizer: The quantizer of weights (None: the mode's default).
        activation_quantizer: The quantizer of activations (None: none).
    """

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        """The quantization mode's name (``"int8"``, ``"int4"``...)."""
        raise NotImplementedError(
            "QuantizationConfig is a base class: use Int8QuantizationConfig, Int4QuantizationConfig, "
            "Float8QuantizationConfig, GPTQConfig or AWQConfig, or define `mode` in a subclass."
        )

    def get_config(self):
        """The config: the quantizers' entries (subclasses add their settings)."""
        return {
            "weight_quantizer": _QUANTIZERS.serialize(self.weight_quantizer),
            "activation_quantizer": _QUANTIZERS.serialize(self.activation_quantizer),
        }

    @classmethod
    def from_config(cls, config):
        """A config object made from ``get_config``'s dict (lamina's or Keras's)."""
        return cls(**_quantizers_of(config))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        """``config``'s weight quantizer, else ``default``."""
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        """``config``'s activation quantizer (even None) if there is a config, else ``default``."""
        return config.activation_quantizer if config is not None else default


def _quantizers_of(config):
    def load(entry):
        return None if entry is None else _QUANTIZERS.deserialize(entry)

    return {
        "weight_quantizer": load(config.get("weight_quantizer")),
        "activation_quantizer": load(config.get("activation_quantizer")),
    }


def _require_int8(config_name, quantizer):
    if quantizer is not None and quantizer.output_dtype != "int8":
        raise ConfigurationError(
            f"{config_name} needs a weight_quantizer with output_dtype='int8'. "
            f"Received: output_dtype={quantizer.output_dtype!r}."
        )


class Int8QuantizationConfig(QuantizationConfig):
    """Int8 quantization.

    Args:
        weight_quantizer: An int8 quantizer of weights (None: the layer's default).
        activation_quantizer: The quantizer of activations; ``"default"`` is
            ``AbsMaxQuantizer()`` (axis -1).
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        _require_int8("Int8QuantizationConfig", self.weight_quantizer)

    @property
    def mode(self):
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """Int4 quantization, per channel or in groups of ``block_size`` input rows.

    Args:
        weight_quantizer: A quantizer of weights with ``value_range=(-8, 7)`` and int8 output.
        activation_quantizer: The quantizer of activations; ``"default"`` is none.
        block_size: Rows per group (default 128); None or -1 for one scale per channel.
            Custom quantizers need per-channel quantization.
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ConfigurationError(
                f"Int4QuantizationConfig: block_size must be None, -1 or a positive int. Received: block_size={block_size}."
            )
        self.block_size = block_size
        custom = self.weight_quantizer is not None or self.activation_quantizer is not None
        if block_size is not None and block_size > 0 and custom:
            raise ConfigurationError(
                "Int4QuantizationConfig: custom quantizers need per-channel quantization. Set block_size=None "
                f"(or -1), or leave out the quantizers. Received: block_size={block_size}."
            )
        if self.weight_quantizer is not None:
            value_range = tuple(getattr(self.weight_quantizer, "value_range", ()))
            if value_range != (-8, 7):
                raise ConfigurationError(
                    "Int4QuantizationConfig needs a weight_quantizer with value_range=(-8, 7). "
                    f"Received: value_range={value_range}."
                )
            _require_int8("Int4QuantizationConfig", self.weight_quantizer)

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config):
        return cls(**_quantizers_of(config), block_size=config.get("block_size"))


class Float8QuantizationConfig(QuantizationConfig):
    """Float8 mixed-precision training (no custom quantizers)."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()
