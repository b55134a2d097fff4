"""STFTSpectrogram: a short-time Fourier transform as a 1-D convolution with Fourier-basis
kernels (Keras's ``STFTSpectrogram``), trainable like any convolution."""

import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from lamina import initializers
from lamina.backend.config import epsilon, standardize_data_format
from lamina.errors import ConfigurationError, InputError
from lamina.layers.layer import Layer

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Spectrogram of each channel of a signal by a strided 1-D convolution whose kernels
    start as the windowed Fourier basis (``initializers.STFT``).

    The kernels are ordinary weights: ``trainable=False`` makes the layer a fixed
    preprocessing step, the default lets a model fine-tune them.

    Args:
        mode: ``"log"`` (default: log magnitude), ``"magnitude"``, ``"psd"`` (power
            spectral density: power, interior bins doubled), ``"real"``, ``"imag"``,
            ``"angle"`` (phase) or ``"stft"`` (real and imaginary parts side by side).
        frame_length: samples per frame (window). Defaults to 256.
        frame_step: hop between frames; defaults to ``frame_length // 2``.
        fft_length: FFT size (>= ``frame_length``); defaults to the smallest power of two
            >= ``frame_length``. The output has ``fft_length // 2 + 1`` frequency bins.
        window: ``"hann"`` (default), ``"hamming"``, ``"blackman"``, ``"bartlett"``,
            ``"cosine"``, ``"nuttall"``, a list of ``frame_length`` numbers, or None.
        periodic: use the periodic form of a named window. Defaults to False.
        scaling: ``"density"`` (default), ``"spectrum"`` or None (see ``initializers.STFT``).
        padding: ``"valid"`` (default) or ``"same"`` (``ceil(time / frame_step)`` frames).
        expand_dims: keep channels on their own axis (an image-like 4-D output) instead
            of folding them into the frequency axis.
        data_format: ``"channels_last"`` (batch, time, channels) or ``"channels_first"``.

    Input: float ``(batch, time, channels)`` (channels_last) or ``(batch, channels, time)``.
    Output: channels_last ``(batch, frames, channels * bins)``, or ``(batch, frames, bins,
    channels)`` with ``expand_dims``; channels_first ``(batch, channels * bins, frames)`` or
    ``(batch, channels, frames, bins)``. ``bins`` doubles in ``"stft"`` mode.

    Weights (Keras layout): ``real_kernel`` (except mode ``"imag"``) and ``imag_kernel``
    (except mode ``"real"``), each ``(frame_length, 1, fft_length // 2 + 1)``.
    """

    def __init__(
        self,
        mode="log",
        frame_length=256,
        frame_step=None,
        fft_length=None,
        window="hann",
        periodic=False,
        scaling="density",
        padding="valid",
        expand_dims=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"STFTSpectrogram '{self.name}'"
        frame_length = _positive_int(frame_length, "frame_length", where)
        if frame_step is not None and (
            isinstance(frame_step, bool) or not isinstance(frame_step, int) or not 1 <= frame_step <= frame_length
        ):
            raise ConfigurationError(
                f"{where}: frame_step must be a positive integer not greater than frame_length. "
                f"Received: frame_step={frame_step!r}, frame_length={frame_length}."
            )
        if fft_length is not None:
            fft_length = _positive_int(fft_length, "fft_length", where)
            if fft_length < frame_length:
                raise ConfigurationError(
                    f"{where}: fft_length must not be less than frame_length. "
                    f"Received: fft_length={fft_length}, frame_length={frame_length}."
                )
            if fft_length & (fft_length - 1):
                warnings.warn(f"{where}: fft_length is best a power of two. Received: fft_length={fft_length}.",
                              stacklevel=2)
        if mode not in _MODES:
            raise ConfigurationError(f"{where}: mode must be one of {', '.join(_MODES)}. Received: mode={mode!r}.")
        if padding not in ("valid", "same"):
            raise ConfigurationError(f"{where}: padding must be 'valid' or 'same'. Received: padding={padding!r}.")
        # The initializer checks window and scaling now, not at build time.
        self._initializers = {
            side: initializers.STFT(side, window, scaling, periodic) for side in ("real", "imag")
        }
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** math.ceil(math.log2(frame_length))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = standardize_data_format(data_format, where)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise InputError(
                f"STFTSpectrogram '{self.name}' expects (batch, time, channels) signals "
                f"((batch, channels, time) with channels_first). Received: shape {tuple(input_shape)}."
            )
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != ("real" if side == "imag" else "imag"):
                self.add_weight(
                    name=f"{side}_kernel", shape=shape, initializer=self._initializers[side], layout="conv_kernel"
                )

    def call(self, inputs):
        if inputs.dtype not in (torch.float16, torch.float32, torch.float64):
            raise TypeError(
                f"STFTSpectrogram '{self.name}': inputs must be float16, float32 or float64. "
                f"Received: dtype={inputs.dtype}."
            )
        signal = inputs.movedim(-1, 1) if self.data_format == "channels_last" else inputs
        batch, channels, _ = signal.shape
        kernels = [getattr(self, f"{side}_kernel", None) for side in ("real", "imag")]
        weight = torch.cat([k for k in kernels if k is not None]).to(inputs.dtype)
        frames = signal.reshape(batch * channels, 1, signal.shape[-1])
        if self.padding == "same":
            frames = F.pad(frames, _same_padding(frames.shape[-1], self.frame_length, self._frame_step))
        out = F.conv1d(frames, weight, stride=self._frame_step)
        out = out.reshape(batch, channels, out.shape[1], out.shape[2])  # (batch, channels, freq, frames)
        if self.mode in ("real", "imag", "stft"):
            return self._arrange(out)
        real, imag = out.chunk(2, dim=2)
        if self.mode == "angle":
            return self._arrange(torch.atan2(imag, real))
        power = real.square() + imag.square()
        if self.mode == "psd":
            return self._arrange(power + F.pad(power[:, :, 1:-1], (0, 0, 1, 1)))
        magnitude = power.clamp_min(epsilon()).sqrt()
        if self.mode == "magnitude":
            return self._arrange(magnitude)
        return self._arrange(magnitude.clamp_min(epsilon()).log())

    def _arrange(self, out):
        """(batch, channels, freq, frames) -> the output layout of ``data_format``/``expand_dims``."""
        if self.expand_dims:
            return out.permute(0, 3, 2, 1) if self.data_format == "channels_last" else out.transpose(2, 3)
        folded = out.flatten(1, 2)  # (batch, channels * freq, frames)
        return folded.transpose(1, 2) if self.data_format == "channels_last" else folded

    def compute_output_shape(self, input_shape):
        last = self.data_format == "channels_last"
        batch, time, channels = (input_shape if last else (input_shape[0], input_shape[2], input_shape[1]))
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = -(-time // self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (batch, frames, bins, channels) if last else (batch, channels, frames, bins)
        folded = None if channels is None else channels * bins
        return (batch, frames, folded) if last else (batch, folded, frames)

    def get_config(self):
        window = self.window
        if not (window is None or isinstance(window, str)):
            window = np.asarray(window, dtype=np.float64).tolist()
        return {
            **super().get_config(),
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        }


def _same_padding(length, kernel, stride):
    """Keras's 'same' padding of one axis, the extra sample at the end."""
    frames = -(-length // stride)
    total = max(0, (frames - 1) * stride + kernel - length)
    return (total // 2, total - total // 2)


def _positive_int(value, name, where):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{where}: {name} must be a positive integer. Received: {name}={value!r}.")
    return value
