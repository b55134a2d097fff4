"""``lamina.preprocessing`` has Keras's ``keras.preprocessing`` names and behaviour."""

import keras
import numpy as np
import pytest

import lamina


@pytest.mark.parametrize("module", ["", "image", "sequence"])
def test_same_public_names_as_keras(module):
    theirs = getattr(keras.preprocessing, module) if module else keras.preprocessing
    ours = getattr(lamina.preprocessing, module) if module else lamina.preprocessing
    public = sorted(n for n in dir(theirs) if not n.startswith("_"))
    assert [n for n in public if not hasattr(ours, n)] == []


def test_pad_sequences_matches_keras():
    seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    np.testing.assert_array_equal(
        lamina.preprocessing.sequence.pad_sequences(seqs, maxlen=4, padding="post"),
        keras.preprocessing.sequence.pad_sequences(seqs, maxlen=4, padding="post"))


@pytest.mark.parametrize("shape,size", [((40, 60, 3), (20, 20)), ((2, 30, 50, 1), (10, 15)), ((50, 20, 3), (30, 30))])
def test_smart_resize_matches_keras(shape, size):
    x = np.random.default_rng(0).random(shape).astype("float32") * 255
    ours = lamina.preprocessing.image.smart_resize(x, size)
    theirs = keras.preprocessing.image.smart_resize(x, size)
    assert isinstance(ours, np.ndarray) and ours.shape == np.asarray(theirs).shape
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-4, atol=1e-2)


def test_image_helpers_are_lamina_utils():
    assert lamina.preprocessing.image.load_img is lamina.utils.load_img
    assert lamina.preprocessing.sequence.pad_sequences is lamina.utils.pad_sequences
