"""Embedding, Masking, masks travelling through models, and masked losses."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)
T = torch.from_numpy


def test_embedding_looks_up_rows_of_keras_layout_weights():
    layer = layers.Embedding(10, 4)
    ids = np.array([[1, 0, 9], [3, 3, 2]])
    layer(T(ids))
    table = rng.normal(size=(10, 4)).astype(np.float32)
    layer.set_weights([table])
    np.testing.assert_array_equal(layer(T(ids)).detach().numpy(), table[ids])
    assert layer.embeddings.shape == (10, 4)  # nn.Embedding's layout, the same as Keras's
    np.testing.assert_array_equal(layer(T(ids).double()).detach().numpy(), table[ids])


def test_embedding_default_initializer_is_uniform_005():
    layer = layers.Embedding(500, 40)
    layer(torch.zeros(1, 1, dtype=torch.long))
    (table,) = layer.get_weights()
    assert 0.045 < np.abs(table).max() <= 0.05 and abs(table.mean()) < 0.005


def test_embedding_matches_keras():
    ids = rng.integers(0, 12, size=(3, 5))
    ours = layers.Embedding(12, 3, mask_zero=True)
    ours(T(ids))
    theirs = keras.layers.Embedding(12, 3, mask_zero=True)
    theirs(ids)
    theirs.set_weights(ours.get_weights())
    out = ours(T(ids))
    expected = theirs(ids)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(expected), out.detach().numpy())
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(theirs.compute_mask(ids)), out._keras_mask.numpy())


def test_mask_zero_marks_padding_and_no_mask_without_it():
    ids = torch.tensor([[4, 2, 0, 0], [1, 0, 3, 0]])
    out = layers.Embedding(5, 2, mask_zero=True)(ids)
    assert torch.equal(out._keras_mask, ids != 0)
    assert getattr(layers.Embedding(5, 2)(ids), "_keras_mask", None) is None


@pytest.mark.parametrize("bad, position", [(10, (1, 2)), (-1, (0, 1))])
def test_out_of_range_ids_name_the_id_and_its_position(bad, position):
    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
    ids[position] = bad
    with pytest.raises(InputError, match=rf"token id {bad} at position \({position[0]}, {position[1]}\).*input_dim"):
        layers.Embedding(10, 2)(ids)


def test_sequential_with_embedding_keeps_integer_ids_and_reports_bad_ids_in_fit():
    model = lamina.Sequential([layers.Embedding(20, 4), layers.GlobalAveragePooling1D(), layers.Dense(2)])
    model.compile(optimizer="adam", loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = rng.integers(0, 20, size=(16, 6))
    labels = (ids[:, 0] > 9).astype(np.int64)
    model.fit(ids, labels, epochs=1, verbose=0)
    big = ids.copy()
    big[3, 4] = 20
    with pytest.raises(InputError, match=r"token id 20 at position \(3, 4\)"):
        model.fit(big, labels, epochs=1, batch_size=16, shuffle=False, verbose=0)


def test_embedding_config_symbolic_and_errors():
    layer = layers.Embedding(7, 3, mask_zero=True, input_length=5)
    config = layer.get_config()
    assert layers.Embedding.from_config(config).get_config() == config
    tokens = lamina.Input(shape=(5,), dtype="int32")
    assert layer(tokens).shape == (None, 5, 3)
    with pytest.raises(ConfigurationError, match=r"input_dim must be a positive integer. Received: input_dim=0"):
        layers.Embedding(0, 3)


def test_masking_layer_matches_keras_and_feeds_an_lstm():
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    x[0, 3:] = 0.0
    x[1, 1] = 0.0
    out = layers.Masking()(T(x))
    expected_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    np.testing.assert_array_equal(out._keras_mask.numpy(), expected_mask)
    theirs = keras.layers.Masking()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(theirs(x)), out.numpy())
    model = lamina.Sequential([lamina.Input(shape=(None, 3)), layers.Masking(), layers.LSTM(4)])
    np.testing.assert_allclose(model(T(x[:1])).detach().numpy(), model(T(x[:1, :3])).detach().numpy(), atol=1e-6)
    assert layers.Masking(mask_value=-1.0).get_config()["mask_value"] == -1.0


def test_loss_ignores_masked_timesteps():
    model = lamina.Sequential(
        [
            lamina.Input(shape=(5,), dtype="int32"),
            layers.Embedding(10, 4, mask_zero=True),
            layers.LSTM(6, return_sequences=True),
            layers.Dense(3),
        ]
    )
    loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="sgd", loss=loss)
    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 0]])
    labels = np.array([[0, 1, 2, 0, 0], [2, 2, 1, 0, 0]])
    logits = model.predict(ids, verbose=0)
    per_step = torch.nn.functional.cross_entropy(T(logits).permute(0, 2, 1), T(labels), reduction="none")
    expected = per_step[T(ids) != 0].mean().item()
    assert model.evaluate(ids, labels, verbose=0) == pytest.approx(expected, rel=1e-5)
    other = labels.copy()
    other[ids == 0] = 1  # labels under padding do not count
    assert model.evaluate(ids, other, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_conv1d_text_model_trains():
    model = lamina.Sequential(
        [
            lamina.Input(shape=(12,), dtype="int32"),
            layers.Embedding(50, 8),
            layers.Conv1D(6, 3, activation="relu"),
            layers.GlobalMaxPooling1D(),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ids = rng.integers(1, 50, size=(64, 12))
    labels = (ids == 7).any(axis=1).astype(np.float32)
    history = model.fit(ids, labels, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
