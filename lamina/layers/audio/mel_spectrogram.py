"""MelSpectrogram: raw audio to a (decibel) mel-scale spectrogram, as Keras's layer."""

import math

import torch

from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer
from lamina.ops.math_fft import stft

# The HTK mel scale: mel(f) = 1127 * ln(1 + f / 700).
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


class MelSpectrogram(Layer):
    """Mel spectrogram of raw audio: STFT magnitudes (``** mag_exp``), a bank of
    ``num_mel_bins`` triangular HTK mel filters between ``min_freq`` and ``max_freq``, then
    (with ``power_to_db``) decibels clipped to ``top_db`` below the maximum.

    No weights. Input: float ``(batch, samples)`` or ``(samples,)``; output ``(batch,
    num_mel_bins, frames)`` (or ``(num_mel_bins, frames)``) with ``frames = 1 + samples //
    sequence_stride`` (the STFT is centred, reflect-padded by ``fft_length // 2``).

    Args:
        fft_length: FFT size. Defaults to 2048.
        sequence_stride: hop between frames. Defaults to 512.
        sequence_length: window length (<= ``fft_length``); defaults to ``fft_length``.
        window: ``"hann"`` (default, periodic), ``"hamming"`` or None.
        sampling_rate: samples per second. Defaults to 16000.
        num_mel_bins: number of mel filters. Defaults to 128.
        min_freq / max_freq: edges of the filter bank in Hz; ``max_freq`` defaults to
            ``sampling_rate / 2``.
        power_to_db: convert to decibels. Defaults to True.
        top_db: the decibel floor below the maximum (over the whole batch, as Keras).
        mag_exp: exponent of the STFT magnitude (2: power). Defaults to 2.0.
        min_power: floor of the power before the logarithm. Defaults to 1e-10.
        ref_power: the power that maps to 0 dB. Defaults to 1.0.

    Keras's symbolic output length is ``(samples + sequence_stride + 1) // sequence_stride``,
    one frame too many when ``samples + 1`` is a multiple of the stride; lamina's symbolic
    shape is the length the layer returns.
    """

    def __init__(
        self,
        fft_length=2048,
        sequence_stride=512,
        sequence_length=None,
        window="hann",
        sampling_rate=16000,
        num_mel_bins=128,
        min_freq=20.0,
        max_freq=None,
        power_to_db=True,
        top_db=80.0,
        mag_exp=2.0,
        min_power=1e-10,
        ref_power=1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"MelSpectrogram '{self.name}'"
        for name, value in (("fft_length", fft_length), ("sequence_stride", sequence_stride),
                            ("num_mel_bins", num_mel_bins), ("sequence_length", sequence_length or fft_length)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{where}: {name} must be a positive integer. Received: {name}={value!r}.")
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ConfigurationError(
                f"{where}: fft_length must be at least sequence_length. Received: "
                f"sequence_length={self.sequence_length}, fft_length={self.fft_length}."
            )
        if window not in ("hann", "hamming", None):
            raise ConfigurationError(f"{where}: window must be 'hann', 'hamming' or None. Received: window={window!r}.")
        if not sampling_rate > 0:
            raise ConfigurationError(f"{where}: sampling_rate must be positive. Received: sampling_rate={sampling_rate!r}.")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        if not 0 <= self.min_freq < self.max_freq:
            raise ConfigurationError(
                f"{where}: need 0 <= min_freq < max_freq. Received: min_freq={min_freq!r}, max_freq={self.max_freq!r}."
            )
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power

    def call(self, inputs):
        dtype = torch.float64 if self.dtype == "float64" else torch.float32
        signal = torch.as_tensor(inputs).to(dtype)
        real, imag = stft(signal, self.sequence_length, self.sequence_stride, self.fft_length, self.window, center=True)
        power = real.square() + imag.square()
        spectrum = power ** (self.mag_exp / 2)  # |stft| ** mag_exp
        outputs = torch.matmul(spectrum, self.mel_weight_matrix(spectrum.shape[-1], dtype, spectrum.device))
        if self.power_to_db:
            outputs = self._decibels(outputs)
        return outputs.transpose(-1, -2).to(getattr(torch, self.dtype))

    def _decibels(self, power):
        log_spec = 10.0 * torch.log10(power.clamp_min(self.min_power))
        log_spec = log_spec - 10.0 * math.log10(max(abs(self.ref_power), self.min_power))
        # As Keras: the floor is top_db below the maximum of the whole batch.
        return torch.maximum(log_spec, log_spec.max() - self.top_db)

    def mel_weight_matrix(self, num_spectrogram_bins, dtype=torch.float32, device=None):
        """The ``(num_spectrogram_bins, num_mel_bins)`` HTK filter bank, Keras's
        ``linear_to_mel_weight_matrix`` (triangles of peak 1 on the mel scale, DC bin zero)."""
        nyquist = self.sampling_rate / 2.0
        linear = torch.linspace(0.0, nyquist, num_spectrogram_bins, dtype=dtype, device=device)[1:]
        bins_mel = _hertz_to_mel(linear)[:, None]
        edges = torch.linspace(
            float(_hertz_to_mel(torch.tensor(float(self.min_freq), dtype=dtype))),
            float(_hertz_to_mel(torch.tensor(float(self.max_freq), dtype=dtype))),
            self.num_mel_bins + 2, dtype=dtype, device=device,
        )
        lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
        lower_slopes = (bins_mel - lower) / (center - lower)
        upper_slopes = (upper - bins_mel) / (upper - center)
        weights = torch.minimum(lower_slopes, upper_slopes).clamp_min(0.0)
        return torch.nn.functional.pad(weights, (0, 0, 1, 0))

    def compute_output_shape(self, input_shape):
        samples = input_shape[-1]
        frames = None if samples is None else 1 + samples // self.sequence_stride
        return (self.num_mel_bins, frames) if len(input_shape) == 1 else (input_shape[0], self.num_mel_bins, frames)

    def get_config(self):
        return {
            **super().get_config(),
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        }


def _hertz_to_mel(frequencies):
    return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + frequencies / _MEL_BREAK_FREQUENCY_HERTZ)
