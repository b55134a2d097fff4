"""The ``STFT`` initializer: a Fourier basis for convolution kernels (Keras 3's STFT)."""

import math

import torch

from lamina.errors import ConfigurationError, describe
from lamina.initializers.initializer import Initializer, standardize_dtype, standardize_shape

_WINDOWS = {
    "hann": torch.signal.windows.hann,
    "hamming": torch.signal.windows.hamming,
    "blackman": torch.signal.windows.blackman,
    "bartlett": torch.signal.windows.bartlett,
    "cosine": torch.signal.windows.cosine,
    "nuttall": torch.signal.windows.nuttall,
}


class STFT(Initializer):
    """Cosine (``side="real"``) or sine (``side="imag"``) parts of a windowed DFT matrix.

    Called with shape ``(frame_length, 1, fft_bins)``: entry ``[t, 0, f]`` is
    ``cos(-2 pi t f / (2 (fft_bins - 1)))`` (or ``sin``), times the window at ``t`` and
    divided by the window's scale. A ``Conv1D`` with this kernel computes a short-time
    Fourier transform.

    Args:
        side: ``"real"`` (default) or ``"imag"``.
        window: A window name (``"hann"`` (default), ``"hamming"``, ``"blackman"``,
            ``"bartlett"``, ``"cosine"``, ``"nuttall"``), a list of ``frame_length``
            numbers, or ``None`` for no window.
        scaling: ``"density"`` (default: divide by the window's L2 norm), ``"spectrum"``
            (divide by the sum of its absolute values) or ``None``.
        periodic: Use the periodic form of a named window (for spectral analysis)
            instead of the symmetric one. Defaults to ``False``.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ConfigurationError(
                f"STFT: side must be 'real' or 'imag'. Received: side={side!r}."
            )
        if isinstance(window, str) and window not in _WINDOWS:
            raise ConfigurationError(
                f"STFT: unknown window. Received: window={window!r}. Use one of "
                f"{sorted(_WINDOWS)}, a list of frame_length numbers, or None."
            )
        if scaling not in (None, "density", "spectrum"):
            raise ConfigurationError(
                "STFT: scaling must be None, 'density' or 'spectrum'. "
                f"Received: scaling={scaling!r}."
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        """A ``(frame_length, 1, fft_bins)`` tensor of the windowed Fourier basis."""
        shape = standardize_shape(shape, "STFT")
        dtype = standardize_dtype(dtype, "STFT", floating=True)
        if len(shape) != 3:
            raise ConfigurationError(
                f"STFT: shape must be (frame_length, input_channels, fft_bins). "
                f"Received: shape={shape}."
            )
        frame_length, _, bins = shape
        time = torch.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        freq = torch.arange(bins, dtype=dtype).reshape(1, 1, bins) / ((bins - 1) * 2)
        angles = -2 * time * freq * math.pi
        kernel = torch.cos(angles) if self.side == "real" else torch.sin(angles)
        window = self._window(frame_length, dtype)
        if window is None:
            return kernel
        window = window.reshape(frame_length, 1, 1)
        scale = 1.0
        if self.scaling == "density":
            scale = window.square().sum().sqrt()
        elif self.scaling == "spectrum":
            scale = window.abs().sum()
        return kernel * window / scale

    def _window(self, frame_length, dtype):
        if self.window is None:
            return None
        if isinstance(self.window, str):
            make = _WINDOWS[self.window]
            return make(frame_length, sym=not self.periodic, dtype=torch.float64).to(dtype)
        window = torch.as_tensor(self.window, dtype=dtype)
        if window.shape != (frame_length,):
            raise ConfigurationError(
                f"STFT: the window must hold frame_length={frame_length} numbers. "
                f"Received: window={describe(self.window)}."
            )
        return window

    def get_config(self):
        """Constructor arguments as a JSON-friendly dict."""
        window = self.window
        if not (window is None or isinstance(window, str)):
            window = torch.as_tensor(window).tolist()
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}
