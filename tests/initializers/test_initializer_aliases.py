"""Keras 3's initializer names (aliases, ``STFT``) against real Keras."""

import keras
import numpy as np
import pytest

import lamina.initializers as li


def keras_names():
    return sorted(n for n in dir(keras.initializers) if not n.startswith("_"))


@pytest.mark.parametrize("name", keras_names())
def test_every_keras_name_exists_and_is_the_same_class(name):
    ours = getattr(li, name)
    theirs = getattr(keras.initializers, name)
    assert name in li.__all__
    if isinstance(theirs, type):
        assert ours.__name__ == theirs.__name__


@pytest.mark.parametrize(
    "name", ["glorot_uniform", "he_normal", "identity", "stft", "STFTInitializer", "orthogonal"]
)
def test_lookup_by_name(name):
    assert type(li.get(name)) is getattr(li, name)


def test_submodules_still_import():
    from lamina.initializers.constant import Constant

    assert li.constant is Constant


@pytest.mark.parametrize("side", ["real", "imag"])
@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
@pytest.mark.parametrize("shape", [(8, 1, 5), (16, 1, 9), (5, 1, 3)])
def test_stft_matches_keras_with_an_explicit_window(side, scaling, shape):
    window = list(np.random.default_rng(shape[0]).uniform(0.1, 1.0, shape[0]))
    ours = li.STFT(side=side, window=window, scaling=scaling)(shape)
    theirs = keras.initializers.STFT(side=side, window=window, scaling=scaling)(shape)
    np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(theirs), atol=1e-6)


@pytest.mark.parametrize("side", ["real", "imag"])
def test_stft_without_window_matches_keras(side):
    ours = li.STFT(side=side, window=None)((12, 1, 7), dtype="float64")
    theirs = keras.initializers.STFT(side=side, window=None)((12, 1, 7), dtype="float64")
    np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(theirs), atol=1e-12)


@pytest.mark.parametrize("periodic", [False, True])
def test_named_hann_window_is_scipys(periodic):
    frame = 10
    hann = np.hanning(frame + 1)[:-1] if periodic else np.hanning(frame)
    ours = li.STFT(window="hann", periodic=periodic)((frame, 1, 6), dtype="float64")
    explicit = keras.initializers.STFT(window=list(hann))((frame, 1, 6), dtype="float64")
    np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(explicit), atol=1e-12)


def test_stft_config_round_trips_both_ways():
    config = {"side": "imag", "window": [0.5, 1.0, 0.5], "periodic": True, "scaling": "spectrum"}
    ours = li.STFT.from_config(config)
    assert ours.get_config() == keras.initializers.STFT.from_config(config).get_config()
    rebuilt = keras.initializers.STFT.from_config(ours.get_config())
    np.testing.assert_allclose(
        ours((3, 1, 2)).numpy(), keras.ops.convert_to_numpy(rebuilt((3, 1, 2))), atol=1e-6
    )
    assert type(li.deserialize({"class_name": "STFT", "config": config})) is li.STFT


def test_stft_rejects_bad_arguments():
    with pytest.raises(Exception, match="side"):
        li.STFT(side="both")
    with pytest.raises(Exception, match="window"):
        li.STFT(window="kaiser-ish")
    with pytest.raises(Exception, match="frame_length"):
        li.STFT(window=[1.0, 2.0])((3, 1, 2))
