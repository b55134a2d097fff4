"""MelSpectrogram and STFTSpectrogram against real Keras 3: outputs, gradients, weights,
configs and ``.keras`` files both ways."""

import types
import warnings

import keras
import numpy as np
import pytest
import torch
from oracle import check_config_round_trip, check_keras_files_both_ways, compare_with_keras

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)


def signal(*shape):
    return rng.normal(size=shape).astype(np.float32)


def _numpy_get_window(window, length, fftbins=True):
    """scipy.signal.get_window for the windows these tests use (NumPy's formulas)."""
    make = {"hann": np.hanning, "hamming": np.hamming}[window]
    return make(length + 1)[:-1] if fftbins and length > 1 else make(length)


@pytest.fixture(autouse=True)
def keras_windows_without_scipy(monkeypatch):
    """Keras's STFTSpectrogram and STFT initializer name windows through SciPy; where SciPy
    is not installed they get NumPy's hann/hamming instead."""
    try:
        import scipy.signal  # noqa: F401
    except ImportError:
        assert keras
        from keras.src.initializers import constant_initializers
        from keras.src.layers.preprocessing import stft_spectrogram

        stub = types.SimpleNamespace(signal=types.SimpleNamespace(get_window=_numpy_get_window))
        monkeypatch.setattr(stft_spectrogram, "scipy", stub)
        monkeypatch.setattr(constant_initializers, "scipy", stub)


# ---- STFTSpectrogram ------------------------------------------------------------------

STFT_BASE = dict(frame_length=32, frame_step=8, fft_length=64)
STFT_CASES = [
    dict(mode=mode, padding=padding)
    for mode in ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
    for padding in ("valid", "same")
] + [
    dict(mode="log", expand_dims=True),
    dict(mode="stft", expand_dims=True, data_format="channels_first"),
    dict(mode="magnitude", data_format="channels_first", padding="same"),
    dict(mode="psd", window="hamming", periodic=True, scaling="spectrum"),
    dict(mode="real", scaling=None, window=None),
    dict(mode="magnitude", frame_length=30, frame_step=None, fft_length=None),
]


@pytest.mark.parametrize("kwargs", STFT_CASES)
def test_stft_spectrogram_matches_keras(kwargs):
    kwargs = {**STFT_BASE, **kwargs}
    channels_first = kwargs.get("data_format") == "channels_first"
    x = signal(2, 2, 203) if channels_first else signal(2, 203, 2)
    layer, theirs, out = compare_with_keras("STFTSpectrogram", kwargs, x, atol=1e-4)
    assert [w.path.split("/")[-1] for w in layer.weights] == [w.path.split("/")[-1] for w in theirs.weights]
    assert [w.shape for w in layer.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    # Untouched weights are Keras's initial kernels.
    fresh = layers.STFTSpectrogram(**kwargs)
    fresh.build(x.shape)
    theirs_fresh = type(theirs)(**kwargs)
    theirs_fresh.build(x.shape)
    for a, b in zip(fresh.get_weights(), theirs_fresh.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), atol=1e-6)
    shape = (None, *x.shape[1:])
    assert layer.compute_output_shape(shape) == (None, *out.shape[1:])
    assert tuple(theirs.compute_output_shape(shape)) == (None, *out.shape[1:])
    check_config_round_trip(layer)


def test_stft_spectrogram_custom_window_and_frozen_kernels():
    window = list(np.linspace(0.2, 1.0, 16))
    kwargs = dict(mode="log", frame_length=16, frame_step=4, window=window, trainable=False)
    layer, theirs, _ = compare_with_keras("STFTSpectrogram", kwargs, signal(2, 100, 1), atol=1e-4, grads=False)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert len(theirs.non_trainable_weights) == 2
    assert layer.get_config()["window"] == pytest.approx(window)
    check_config_round_trip(layer)


def test_stft_spectrogram_trains():
    layer = layers.STFTSpectrogram(mode="magnitude", frame_length=16, frame_step=8)
    x = torch.tensor(signal(4, 64, 1))
    before = layer(x).detach().clone()
    loss = layer(x).square().mean()
    loss.backward()
    assert layer.real_kernel.grad is not None and layer.imag_kernel.grad is not None
    with torch.no_grad():
        layer.real_kernel -= 0.1 * layer.real_kernel.grad
    assert not torch.allclose(layer(x), before)


@pytest.mark.parametrize("mode", ["log", "stft"])
def test_stft_spectrogram_files_both_ways(tmp_path, mode):
    x = signal(3, 120, 2)
    check_keras_files_both_ways(
        tmp_path, lambda L: L.STFTSpectrogram(mode=mode, frame_length=16, frame_step=4, padding="same"), (120, 2), x,
        atol=1e-4,
    )


def test_stft_spectrogram_symbolic_shapes():
    for kwargs, shape in [
        (dict(frame_length=16, frame_step=4), (None, 22, 18)),
        (dict(frame_length=16, frame_step=4, padding="same", expand_dims=True), (None, 25, 9, 2)),
        (dict(frame_length=16, frame_step=4, mode="stft"), (None, 22, 36)),
    ]:
        out = layers.STFTSpectrogram(**kwargs)(lamina.Input(shape=(100, 2)))
        assert tuple(out.shape) == shape


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(mode="power"), "mode"),
        (dict(frame_step=300), "frame_step"),
        (dict(fft_length=128), "fft_length"),
        (dict(padding="causal"), "padding"),
        (dict(scaling="energy"), "scaling"),
        (dict(window="kaiser-ish"), "window"),
        (dict(frame_length=0), "frame_length"),
    ],
)
def test_stft_spectrogram_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        layers.STFTSpectrogram(**kwargs)


def test_stft_spectrogram_rejects_bad_inputs():
    layer = layers.STFTSpectrogram(frame_length=8)
    with pytest.raises(InputError, match="batch, time, channels"):
        layer(torch.zeros(2, 64))
    with pytest.raises(TypeError, match="float"):
        layers.STFTSpectrogram(frame_length=8)(torch.zeros(2, 64, 1, dtype=torch.int32))
    with pytest.warns(UserWarning, match="power of two"):
        layers.STFTSpectrogram(frame_length=8, fft_length=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.STFTSpectrogram(frame_length=8, fft_length=16)


# ---- MelSpectrogram -------------------------------------------------------------------

MEL_BASE = dict(fft_length=256, sequence_stride=128, num_mel_bins=40, sampling_rate=8000)
MEL_CASES = [
    dict(),
    dict(power_to_db=False),
    dict(mag_exp=1.0, top_db=40.0, ref_power=2.0),
    dict(min_freq=300.0, max_freq=3000.0, window="hamming"),
    dict(sequence_length=200, window=None),
    dict(num_mel_bins=64, sampling_rate=16000, min_power=1e-6),
]


@pytest.mark.parametrize("kwargs", MEL_CASES)
def test_mel_spectrogram_matches_keras(kwargs):
    kwargs = {**MEL_BASE, **kwargs}
    x = signal(2, 2000)
    layer, theirs, out = compare_with_keras("MelSpectrogram", kwargs, x, atol=2e-4)
    assert tuple(out.shape) == (2, kwargs["num_mel_bins"], 1 + 2000 // 128)
    assert layer.compute_output_shape((None, 2000)) == (None, kwargs["num_mel_bins"], 1 + 2000 // 128)
    check_config_round_trip(layer)
    assert layer.get_config() == {**theirs.get_config(), "dtype": "float32"} | {"name": layer.name}


def test_mel_filter_bank_is_keras():
    ours = layers.MelSpectrogram(**MEL_BASE, min_freq=100.0)
    theirs = keras.layers.MelSpectrogram(**MEL_BASE, min_freq=100.0)
    expected = theirs.linear_to_mel_weight_matrix(40, 129, 8000, 100.0, 4000)
    np.testing.assert_allclose(ours.mel_weight_matrix(129).numpy(), np.asarray(expected), atol=1e-5)


def test_mel_spectrogram_of_one_signal_and_of_a_sine():
    compare_with_keras("MelSpectrogram", MEL_BASE, signal(1500), atol=2e-4, grads=False)
    # A 1 kHz tone peaks in the mel band around 1 kHz.
    t = np.arange(8000) / 8000
    layer = layers.MelSpectrogram(**MEL_BASE)
    out = layer(torch.tensor(np.sin(2 * np.pi * 1000 * t), dtype=torch.float32))
    band = int(out.mean(-1).argmax())
    centers = layer.mel_weight_matrix(129).argmax(0) * (4000 / 128)
    assert abs(float(centers[band]) - 1000) < 100


def test_mel_spectrogram_files_both_ways(tmp_path):
    check_keras_files_both_ways(tmp_path, lambda L: L.MelSpectrogram(**MEL_BASE), (2000,), signal(3, 2000), atol=2e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(fft_length=256, sequence_length=512), "sequence_length"),
        (dict(sequence_stride=0), "sequence_stride"),
        (dict(window="blackman"), "window"),
        (dict(min_freq=5000.0, max_freq=4000.0), "min_freq"),
    ],
)
def test_mel_spectrogram_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        layers.MelSpectrogram(**kwargs)
