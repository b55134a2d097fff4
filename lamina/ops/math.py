"""Keras 3's ``keras.ops.math`` functions on torch."""

from lamina.ops.math_fft import extract_sequences, fft, fft2, ifft2, irfft, istft, rfft, stft
from lamina.ops.math_functions import (
    cdist,
    erf,
    erfc,
    erfinv,
    in_top_k,
    logdet,
    logsumexp,
    rsqrt,
    top_k,
    view_as_complex,
    view_as_real,
)
from lamina.ops.math_segments import segment_max, segment_min, segment_prod, segment_sum

__all__ = [
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k", "irfft", "istft",
    "logdet", "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum", "stft",
    "top_k", "view_as_complex", "view_as_real",
]
