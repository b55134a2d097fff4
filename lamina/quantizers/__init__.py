"""``lamina.quantizers``: Keras 3's quantizers and quantization helpers on torch.

Int8 absolute-max quantization (``AbsMaxQuantizer``, ``abs_max_quantize``), grouped int4
with zero points, int4 packing, fake quantization with straight-through gradients, float8
scaling, and the quantization configs (saved as Keras saves them).
"""

from lamina.quantizers.abs_max import abs_max_quantize, abs_max_quantize_grouped_with_zero_point
from lamina.quantizers.calibration_configs import AWQConfig, GPTQConfig
from lamina.quantizers.fake_quant import fake_quant_with_min_max_vars
from lamina.quantizers.float8 import (
    compute_float8_amax_history,
    compute_float8_scale,
    quantize_and_dequantize,
)
from lamina.quantizers.int4_packing import pack_int4, unpack_int4
from lamina.quantizers.quantization_config import (
    Float8QuantizationConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    QuantizationConfig,
)
from lamina.quantizers.quantizer import AbsMaxQuantizer, Quantizer
from lamina.quantizers.registry import deserialize, get, serialize

__all__ = [
    "AWQConfig",
    "AbsMaxQuantizer",
    "Float8QuantizationConfig",
    "GPTQConfig",
    "Int4QuantizationConfig",
    "Int8QuantizationConfig",
    "QuantizationConfig",
    "Quantizer",
    "abs_max_quantize",
    "abs_max_quantize_grouped_with_zero_point",
    "compute_float8_amax_history",
    "compute_float8_scale",
    "deserialize",
    "fake_quant_with_min_max_vars",
    "get",
    "pack_int4",
    "quantize_and_dequantize",
    "serialize",
    "unpack_int4",
]
