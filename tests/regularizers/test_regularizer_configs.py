"""Regularizers and constraints of Embedding, MultiHeadAttention, the RNN layers and
Bidirectional are in their configs as in Keras, and stay active through ``.keras`` files
written by lamina or by Keras (the penalties equal Keras's)."""

import keras
import numpy as np
import pytest

import lamina


def regularized_layers(library):
    """``{name: (input shape, input dtype, apply)}``: a layer with every regularizer and
    constraint it takes set, applied to a symbolic input."""
    R, C, L = library.regularizers, library.constraints, library.layers
    recurrent = dict(
        kernel_regularizer=R.L2(0.1), recurrent_regularizer=R.L1(0.05), bias_regularizer=R.L2(0.3),
        activity_regularizer=R.L1(0.01), kernel_constraint=C.MaxNorm(2.0), recurrent_constraint=C.UnitNorm(),
        bias_constraint=C.NonNeg(), bias_initializer="ones",
    )
    return {
        "embedding": ((6,), "int32", lambda x: L.Embedding(
            10, 4, embeddings_regularizer=R.L2(0.1), embeddings_constraint=C.MaxNorm(2.0), activity_regularizer=R.L1(0.01)
        )(x)),
        "multi_head_attention": ((5, 4), "float32", lambda x: L.MultiHeadAttention(
            2, 3, kernel_regularizer=R.L2(0.1), bias_regularizer=R.L1(0.2), kernel_constraint=C.MaxNorm(2.0),
            bias_constraint=C.NonNeg(), activity_regularizer=R.L1(0.01), bias_initializer="ones",
        )(x, x)),
        "lstm": ((5, 4), "float32", lambda x: L.LSTM(3, **recurrent)(x)),
        "gru": ((5, 4), "float32", lambda x: L.GRU(3, **recurrent)(x)),
        "simple_rnn": ((5, 4), "float32", lambda x: L.SimpleRNN(3, **recurrent)(x)),
        "bidirectional": ((5, 4), "float32", lambda x: L.Bidirectional(L.GRU(3, **recurrent))(x)),
    }


NAMES = list(regularized_layers(lamina))


def model_of(library, name):
    shape, dtype, apply = regularized_layers(library)[name]
    inputs = library.Input(shape, dtype=dtype)
    return library.Model(inputs, apply(inputs))


def penalty(model):
    """The sum of the weight regularization penalties on the current weights."""
    return sum(float(np.asarray(loss.detach() if hasattr(loss, "detach") else loss)) for loss in model.losses)


def extras_of(config):
    """The regularizer and constraint entries of a layer config (nested layers included)."""
    found = {}
    for key, value in config.items():
        if key.endswith(("regularizer", "constraint")):
            found[key] = value
        elif key in ("layer", "cell") and isinstance(value, dict):
            found[key] = extras_of(value["config"])
    return found


@pytest.mark.parametrize("name", NAMES)
def test_config_lists_the_regularizers_and_constraints_keras_lists(name):
    ours, theirs = model_of(lamina, name).layers[-1], model_of(keras, name).layers[-1]
    ours_extras, theirs_extras = extras_of(ours.get_config()), extras_of(theirs.get_config())
    assert set(ours_extras) == set(theirs_extras)
    for key, value in theirs_extras.items():
        if isinstance(value, dict) and "class_name" in value:
            assert ours_extras[key]["class_name"] == value["class_name"], key
            assert ours_extras[key]["config"] == pytest.approx(value["config"]), key


DEFAULTS = [("Embedding", (10, 4)), ("MultiHeadAttention", (2, 3)), ("LSTM", (3,)), ("GRU", (3,)),
            ("SimpleRNN", (3,)), ("Conv2D", (2, 3)), ("SeparableConv1D", (2, 3)), ("Dense", (3,))]


@pytest.mark.parametrize("class_name, arguments", DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_unset_regularizers_and_constraints_are_listed_as_none_as_in_keras(class_name, arguments):
    ours = getattr(lamina.layers, class_name)(*arguments).get_config()
    theirs = getattr(keras.layers, class_name)(*arguments).get_config()
    assert extras_of(ours) == extras_of(theirs)
    assert all(value is None for value in extras_of(ours).values())


@pytest.mark.parametrize("name", NAMES)
def test_lamina_round_trip_keeps_regularizers_and_constraints(tmp_path, name):
    model = model_of(lamina, name)
    model.save(tmp_path / "regularized.keras")
    loaded = lamina.models.load_model(tmp_path / "regularized.keras")
    assert extras_of(loaded.layers[-1].get_config()) == extras_of(model.layers[-1].get_config())
    assert penalty(loaded) == pytest.approx(penalty(model), abs=1e-6)
    assert penalty(loaded) > 0


@pytest.mark.parametrize("name", NAMES)
def test_keras_saved_regularizers_are_active_in_lamina(tmp_path, name):
    model = model_of(keras, name)
    model.save(tmp_path / "keras_regularized.keras")
    loaded = lamina.models.load_model(tmp_path / "keras_regularized.keras")
    assert penalty(loaded) == pytest.approx(penalty(model), abs=1e-6, rel=1e-6)
    loaded.save(tmp_path / "back.keras")
    assert penalty(keras.models.load_model(tmp_path / "back.keras")) == pytest.approx(penalty(model), abs=1e-6, rel=1e-6)


def test_keras_saved_embedding_l2_adds_keras_penalty_to_the_training_loss(tmp_path):
    inputs = keras.Input((4,), dtype="int32")
    x = keras.layers.Embedding(10, 3, embeddings_regularizer=keras.regularizers.L2(0.5))(inputs)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling1D()(x))
    model.save(tmp_path / "embedding_l2.keras")
    loaded = lamina.models.load_model(tmp_path / "embedding_l2.keras")

    ids = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype="int32")
    targets = np.zeros((2, 3), dtype="float32")
    loaded.compile(optimizer=lamina.optimizers.SGD(0.0), loss="mse")
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    ours = loaded.train_on_batch(ids, targets)
    theirs = model.train_on_batch(ids, targets)
    assert float(np.ravel(ours)[0]) == pytest.approx(float(np.ravel(theirs)[0]), abs=1e-6)
    embeddings = model.layers[1].get_weights()[0]
    assert penalty(loaded) == pytest.approx(0.5 * float((embeddings**2).sum()), abs=1e-6)
