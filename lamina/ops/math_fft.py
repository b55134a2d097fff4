"""Fourier transforms and framing of ``keras.ops`` math: ``fft``, ``fft2``, ``ifft2``,
``rfft``, ``irfft``, ``stft``, ``istft``, ``extract_sequences``.

Keras passes complex values as ``(real, imag)`` pairs of float tensors, in and out.
"""

import torch
import torch.nn.functional as F

from lamina.ops.arguments import float_tensor, tensor, tensors
from lamina.ops.operation import keras_op


def _complex(function, x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{function}: x must be a pair (real, imag) of float tensors. Received: x={x!r:.100}.")
    real, imag = tensors(*x)
    if real.shape != imag.shape or not real.is_floating_point() or not imag.is_floating_point():
        raise ValueError(
            f"{function}: x must be a pair (real, imag) of float tensors of one shape. "
            f"Received: shapes {tuple(real.shape)} and {tuple(imag.shape)}, dtypes {real.dtype} and {imag.dtype}."
        )
    return torch.complex(real, imag)


def _pair(z):
    return z.real, z.imag


@keras_op("FFT", "math")
def fft(x):
    """The discrete Fourier transform along the last axis of ``x = (real, imag)``, as
    ``keras.ops.fft``: returns ``(real, imag)``."""
    return _pair(torch.fft.fft(_complex("fft", x)))


@keras_op("FFT2", "math")
def fft2(x):
    """The 2-D discrete Fourier transform over the last two axes, as ``keras.ops.fft2``."""
    return _pair(torch.fft.fft2(_complex("fft2", x)))


@keras_op("IFFT2", "math")
def ifft2(x):
    """The inverse 2-D discrete Fourier transform over the last two axes, as ``keras.ops.ifft2``."""
    return _pair(torch.fft.ifft2(_complex("ifft2", x)))


@keras_op("RFFT", "math")
def rfft(x, fft_length=None):
    """The Fourier transform of real ``x`` along its last axis (``fft_length // 2 + 1`` bins),
    as ``keras.ops.rfft``: returns ``(real, imag)``."""
    return _pair(torch.fft.rfft(float_tensor(x), n=fft_length, dim=-1))


@keras_op("IRFFT", "math")
def irfft(x, fft_length=None):
    """The real signal whose ``rfft`` is ``x = (real, imag)``, as ``keras.ops.irfft``."""
    return torch.fft.irfft(_complex("irfft", x), n=fft_length, dim=-1)


@keras_op("ExtractSequences", "math")
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` along the last axis:
    ``(..., num_sequences, sequence_length)``, as ``keras.ops.extract_sequences``."""
    return tensor(x).unfold(-1, sequence_length, sequence_stride)


def _window(function, window, sequence_length, dtype, device):
    if window is None:
        return None
    if isinstance(window, str):
        if window == "hann":
            return torch.hann_window(sequence_length, periodic=True, dtype=dtype, device=device)
        if window == "hamming":
            return torch.hamming_window(sequence_length, periodic=True, dtype=dtype, device=device)
        raise ValueError(f"{function}: window must be 'hann', 'hamming', a tensor or None. Received: window={window!r}.")
    win = tensor(window).to(dtype=dtype, device=device)
    if win.shape != (sequence_length,):
        raise ValueError(
            f"{function}: window must have shape (sequence_length,) = ({sequence_length},). "
            f"Received: window.shape={tuple(win.shape)}."
        )
    return win


@keras_op("STFT", "math")
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of real ``x`` along its last axis: ``(real, imag)`` of
    shape ``(..., num_sequences, fft_length // 2 + 1)``, as ``keras.ops.stft`` (``center``
    reflect-pads ``fft_length // 2`` samples on both sides)."""
    x = tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"stft: x must be float32 or float64. Received: x.dtype={x.dtype}.")
    if fft_length < sequence_length:
        raise ValueError(
            "stft: fft_length must be at least sequence_length. "
            f"Received: sequence_length={sequence_length}, fft_length={fft_length}."
        )
    win = _window("stft", window, sequence_length, x.dtype, x.device)
    if win is None:
        win = torch.ones(sequence_length, dtype=x.dtype, device=x.device)
    batch_shape = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1]) if x.dim() != 1 else x
    z = torch.stft(flat, n_fft=fft_length, hop_length=sequence_stride, win_length=sequence_length, window=win,
                   center=center, return_complex=True)
    z = z.reshape(*batch_shape, *z.shape[-2:]).transpose(-1, -2)
    return _pair(z)


@keras_op("ISTFT", "math")
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """The inverse of ``stft`` (overlap-add of the inverse transforms, normalised by the
    window), as ``keras.ops.istft``."""
    z = _complex("istft", x)
    win = _window("istft", window, sequence_length, z.real.dtype, z.device)
    if sequence_length == fft_length and center and win is not None:
        # torch's istft divides by the exact window envelope, as Keras's torch backend.
        batch_shape = z.shape[:-2]
        flat = z.reshape(-1, *z.shape[-2:]).transpose(-1, -2)
        signal = torch.istft(flat, n_fft=fft_length, hop_length=sequence_stride, win_length=sequence_length,
                             window=win, center=True, length=length)
        return signal.reshape(*batch_shape, signal.shape[-1])
    frames = torch.fft.irfft(z, n=fft_length, dim=-1)
    if win is not None:
        left = (fft_length - sequence_length) // 2
        win = F.pad(win, (left, fft_length - sequence_length - left))
        periods = -(-fft_length // sequence_stride)
        squares = F.pad(win.square(), (0, periods * sequence_stride - fft_length))
        denominator = squares.reshape(periods, sequence_stride).sum(0).repeat(periods)[:fft_length]
        frames = frames * (win / denominator)
    batch_shape, count = frames.shape[:-2], frames.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    columns = frames.reshape(-1, count, fft_length).transpose(1, 2)
    signal = F.fold(columns, (1, total), (1, fft_length), stride=(1, sequence_stride)).reshape(*batch_shape, total)
    start = fft_length // 2 if center else 0
    if length is not None:
        return signal[..., start:start + length]
    return signal[..., start:total - fft_length // 2] if center else signal
