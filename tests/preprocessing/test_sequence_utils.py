"""pad_sequences against Keras's and hand-written expectations."""

import keras
import numpy as np
import pytest

from lamina.errors import ConfigurationError, InputError
from lamina.utils import pad_sequences

SEQUENCES = [[1, 2, 3, 4], [5], [], [6, 7]]


def test_defaults_pad_and_truncate_at_the_start():
    np.testing.assert_array_equal(
        pad_sequences(SEQUENCES, maxlen=3), [[2, 3, 4], [0, 0, 5], [0, 0, 0], [0, 6, 7]]
    )
    assert pad_sequences(SEQUENCES).dtype == np.int32


def test_post_padding_and_truncating_with_value():
    result = pad_sequences(SEQUENCES, maxlen=3, padding="post", truncating="post", value=-1)
    np.testing.assert_array_equal(result, [[1, 2, 3], [5, -1, -1], [-1, -1, -1], [6, 7, -1]])


@pytest.mark.parametrize("maxlen", [None, 0, 2, 6])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_matches_keras(maxlen, padding, truncating):
    sequences = [list(range(1, n + 1)) for n in (3, 7, 1, 5)]
    got = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating)
    if maxlen == 0:  # Keras fails or keeps whole sequences here (s[-0:] is s); lamina: width 0
        assert got.shape == (4, 0)
        return
    expected = keras.utils.pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype


def test_sequences_of_vectors_and_float_dtype():
    sequences = [np.ones((2, 3)), np.full((1, 3), 2.0)]
    result = pad_sequences(sequences, dtype="float32", padding="post")
    assert result.shape == (2, 2, 3) and result.dtype == np.float32
    np.testing.assert_array_equal(result[1], [[2, 2, 2], [0, 0, 0]])


def test_strings_need_object_dtype():
    result = pad_sequences([["a", "b"], ["c"]], dtype=object, value="")
    np.testing.assert_array_equal(result, [["a", "b"], ["", "c"]])
    with pytest.raises(ConfigurationError, match="dtype=object"):
        pad_sequences([["a"]], value="")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"padding": "middle"}, ConfigurationError, "padding must be 'pre' or 'post'"),
        ({"truncating": "both"}, ConfigurationError, "truncating must be 'pre' or 'post'"),
        ({"maxlen": -2}, ConfigurationError, "maxlen must be a non-negative integer"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        pad_sequences(SEQUENCES, **kwargs)


def test_bad_sequences():
    with pytest.raises(InputError, match="item 1 is"):
        pad_sequences([[1, 2], 3])
    with pytest.raises(InputError, match=r"items of sequence 1 have shape \(3,\)"):
        pad_sequences([np.ones((2, 2)), np.ones((1, 3))])
