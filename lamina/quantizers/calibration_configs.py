"""``GPTQConfig`` and ``AWQConfig``: the settings of Keras's calibration-based weight
quantization (GPTQ, AWQ). lamina does not run these algorithms; the configs are checked
and saved as Keras does, so code and files that carry them load."""

from lamina.errors import ConfigurationError
from lamina.quantizers.quantization_config import QuantizationConfig


def _check_counts(owner, num_samples, sequence_length, group_size):
    if num_samples <= 0:
        raise ConfigurationError(f"{owner}: num_samples must be a positive int. Received: num_samples={num_samples}.")
    if sequence_length <= 0:
        raise ConfigurationError(
            f"{owner}: sequence_length must be a positive int. Received: sequence_length={sequence_length}."
        )
    if group_size < -1 or group_size == 0:
        raise ConfigurationError(
            f"{owner}: group_size must be -1 (whole channel) or a positive int. Received: group_size={group_size}."
        )


class _CalibrationConfig(QuantizationConfig):
    """What GPTQ and AWQ configs share: a mode, their settings (``SETTINGS``, in Keras's
    config order) saved after the unsaved ``dataset``/``tokenizer``, and the dtype policy
    name ``"<mode>/<bits>/<group_size>"``."""

    MODE = None
    SETTINGS = ()

    @property
    def mode(self):
        """``"gptq"`` or ``"awq"``."""
        return self.MODE

    def dtype_policy_string(self):
        """The dtype policy name of this config: ``"<mode>/<bits>/<group_size>"``."""
        return f"{self.MODE}/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        return {"dataset": None, "tokenizer": None, **{name: getattr(self, name) for name in self.SETTINGS}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class GPTQConfig(_CalibrationConfig):
    """Settings of GPTQ weight quantization (calibrated on ``dataset`` through ``tokenizer``).

    Args:
        dataset: Calibration texts or arrays (not saved in the config).
        tokenizer: The tokenizer of ``dataset`` (not saved).
        weight_bits: 2, 3, 4 or 8 (default 4).
        num_samples: Calibration samples (default 128).
        per_channel: One scale per output channel (default True).
        sequence_length: Tokens per sample (default 512).
        hessian_damping: Damping of the Hessian, in [0, 1] (default 0.01).
        group_size: Columns per group, or -1 (default 128).
        symmetric: Symmetric quantization (default False).
        activation_order: Quantize columns by decreasing activation (default False).
        quantization_layer_structure: Which layers to quantize (default None: all).
    """

    MODE = "gptq"
    SETTINGS = ("weight_bits", "num_samples", "per_channel", "sequence_length", "hessian_damping", "group_size",
                "symmetric", "activation_order", "quantization_layer_structure")

    def __init__(
        self,
        dataset,
        tokenizer,
        *,
        weight_bits=4,
        num_samples=128,
        per_channel=True,
        sequence_length=512,
        hessian_damping=0.01,
        group_size=128,
        symmetric=False,
        activation_order=False,
        quantization_layer_structure=None,
    ):
        super().__init__()
        if weight_bits not in (2, 3, 4, 8):
            raise ConfigurationError(f"GPTQConfig: weight_bits must be 2, 3, 4 or 8. Received: weight_bits={weight_bits}.")
        _check_counts("GPTQConfig", num_samples, sequence_length, group_size)
        if not 0 <= hessian_damping <= 1:
            raise ConfigurationError(
                f"GPTQConfig: hessian_damping must be in [0, 1]. Received: hessian_damping={hessian_damping}."
            )
        self.dataset, self.tokenizer = dataset, tokenizer
        self.weight_bits, self.num_samples, self.per_channel = weight_bits, num_samples, per_channel
        self.sequence_length, self.hessian_damping, self.group_size = sequence_length, hessian_damping, group_size
        self.symmetric, self.activation_order = symmetric, activation_order
        self.quantization_layer_structure = quantization_layer_structure



class AWQConfig(_CalibrationConfig):
    """Settings of AWQ (activation-aware) 4-bit weight quantization.

    Args:
        dataset: Calibration texts or arrays (not saved in the config).
        tokenizer: The tokenizer of ``dataset`` (not saved).
        weight_bits: Must be 4.
        num_samples: Calibration samples (default 128).
        sequence_length: Tokens per sample (default 512).
        group_size: Columns per group, or -1 (default 128).
        num_grid_points: Points of the scale search (default 20).
        quantization_layer_structure: Which layers to quantize (default None: all).
    """

    MODE = "awq"
    SETTINGS = ("weight_bits", "num_samples", "sequence_length", "group_size", "num_grid_points",
                "quantization_layer_structure")

    def __init__(
        self,
        dataset,
        tokenizer,
        *,
        weight_bits=4,
        num_samples=128,
        sequence_length=512,
        group_size=128,
        num_grid_points=20,
        quantization_layer_structure=None,
    ):
        super().__init__()
        if weight_bits != 4:
            raise ConfigurationError(f"AWQConfig: only weight_bits=4 is supported. Received: weight_bits={weight_bits}.")
        _check_counts("AWQConfig", num_samples, sequence_length, group_size)
        if num_grid_points <= 0:
            raise ConfigurationError(
                f"AWQConfig: num_grid_points must be a positive int. Received: num_grid_points={num_grid_points}."
            )
        self.dataset, self.tokenizer = dataset, tokenizer
        self.weight_bits, self.num_samples, self.sequence_length = weight_bits, num_samples, sequence_length
        self.group_size, self.num_grid_points = group_size, num_grid_points
        self.quantization_layer_structure = quantization_layer_structure
