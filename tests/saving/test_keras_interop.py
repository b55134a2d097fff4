"""Interop with real Keras 3 (KERAS_BACKEND=torch): files written by one load in the other
with the same predictions. Every stack below runs when both libraries have its layers."""

import warnings

import keras
import numpy as np
import pytest

import lamina

# (name, input shape, layers given a library's `layers` module, integer inputs?)
STACKS = [
    ("dense", (6,), lambda L: [L.Dense(8, activation="relu"), L.Dropout(0.2), L.Dense(3, activation="softmax")], False),
    ("reshape", (2, 6), lambda L: [L.Flatten(), L.Reshape((3, 4)), L.Activation("tanh"), L.Flatten(), L.Dense(2)], False),
    ("conv2d", (8, 8, 3), lambda L: [L.Conv2D(4, 3, padding="same", activation="relu"), L.MaxPooling2D(2), L.Conv2D(2, 3), L.Flatten(), L.Dense(2)], False),
    ("batchnorm", (5,), lambda L: [L.Dense(4), L.BatchNormalization(), L.Dense(2)], False),
    ("conv1d", (10, 3), lambda L: [L.Conv1D(4, 3, padding="causal"), L.GlobalAveragePooling1D(), L.Dense(2)], False),
    ("layernorm", (4, 6), lambda L: [L.LayerNormalization(), L.Flatten(), L.Dense(2)], False),
    ("rmsnorm", (4, 6), lambda L: [L.Dense(6), L.RMSNormalization(axis=[1, 2]), L.Flatten(), L.Dense(2)], False),
    ("depthwise", (6, 6, 2), lambda L: [L.DepthwiseConv2D(3), L.SeparableConv2D(3, 2), L.GlobalMaxPooling2D()], False),
    ("embedding_lstm", (7,), lambda L: [L.Embedding(20, 4), L.LSTM(5), L.Dense(2)], True),
    ("gru", (5, 3), lambda L: [L.GRU(4, return_sequences=True), L.SimpleRNN(3)], False),
    ("stacked_cells", (5, 3), lambda L: [L.RNN(L.StackedRNNCells([L.LSTMCell(4), L.GRUCell(2)])), L.Dense(2)], False),
    ("list_of_cells", (5, 3), lambda L: [L.RNN([L.LSTMCell(4), L.LSTMCell(3)]), L.Dense(2)], False),
    ("activation_layers", (6,), lambda L: [L.Dense(6), L.LeakyReLU(0.1), L.Dense(6), L.PReLU("random_normal"), L.ELU(),
                                           L.Dense(6), L.ReLU(max_value=2.0, threshold=0.1), L.Identity(), L.Dense(3), L.Softmax()], False),
    ("prelu_conv", (8, 8, 2), lambda L: [L.Conv2D(4, 3), L.PReLU("random_normal", shared_axes=[1, 2]), L.Conv2D(4, 3),
                                         L.ReLU(), L.MaxPooling2D(2), L.Flatten(), L.Dense(2)], False),
]


def build(library, shape, make, integer):
    inputs = library.Input(shape=shape, dtype="int32" if integer else "float32")
    x = inputs
    for layer in make(library.layers):
        x = layer(x)
    return library.Model(inputs, x)


def sample(shape, integer, n=5):
    rng = np.random.default_rng(0)
    if integer:
        return rng.integers(1, 20, size=(n, *shape)).astype("int32")
    return rng.normal(size=(n, *shape)).astype("float32")


def settle_batchnorm(model, x, library):
    """Give BatchNormalization non-trivial moving statistics so layouts are really tested."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            weights = layer.get_weights()
            rng = np.random.default_rng(1)
            layer.set_weights([w + rng.uniform(0.1, 0.5, size=w.shape).astype("float32") for w in weights])


@pytest.mark.parametrize("name, shape, make, integer", STACKS, ids=[s[0] for s in STACKS])
def test_keras_saved_model_loads_in_lamina_with_same_predictions(tmp_path, name, shape, make, integer):
    model = build(keras, shape, make, integer)
    x = sample(shape, integer)
    settle_batchnorm(model, x, keras)
    path = tmp_path / "keras_made.keras"
    model.save(path)
    loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name, shape, make, integer", STACKS, ids=[s[0] for s in STACKS])
def test_lamina_saved_model_loads_in_keras_with_same_predictions(tmp_path, name, shape, make, integer):
    model = build(lamina, shape, make, integer)
    x = sample(shape, integer)
    settle_batchnorm(model, x, lamina)
    path = tmp_path / "lamina_made.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_weights_files_cross_over_both_ways(tmp_path):
    shape, make = (6,), STACKS[0][2]
    ours, theirs = build(lamina, shape, make, False), build(keras, shape, make, False)
    x = sample(shape, False)
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0), atol=1e-6)
    fresh = build(keras, shape, make, False)
    fresh.save_weights(tmp_path / "theirs.weights.h5")
    ours.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0), fresh.predict(x, verbose=0), atol=1e-6)


def test_keras_compiled_and_trained_model_resumes_adam_state_in_lamina(tmp_path):
    model = build(keras, (6,), STACKS[0][2], False)
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 6)).astype("float32"), rng.integers(0, 3, 64)
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "trained.keras")
    loaded = lamina.models.load_model(tmp_path / "trained.keras")
    assert loaded.optimizer.iterations == 4  # 2 epochs of 2 batches
    assert loaded.optimizer.learning_rate == pytest.approx(0.01)
    first = next(p for p in loaded.parameters() if p.requires_grad)
    assert first in loaded.optimizer.torch_optimizer.state
    history = loaded.fit(x, y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def attention_model(library):
    query = library.Input(shape=(4, 6))
    value = library.Input(shape=(5, 6))
    attended = library.layers.MultiHeadAttention(num_heads=2, key_dim=3)(query, value)
    merged = library.layers.Concatenate()([attended, query])
    return library.Model([query, value], library.layers.Dense(2)(merged))


@pytest.mark.parametrize("direction", ["lamina_to_keras", "keras_to_lamina"])
def test_multi_input_attention_and_merge_models_cross_over(tmp_path, direction):
    source, target = (lamina, keras) if direction == "lamina_to_keras" else (keras, lamina)
    model = attention_model(source)
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=(3, 4, 6)).astype("float32"), rng.normal(size=(3, 5, 6)).astype("float32")]
    model.save(tmp_path / "attention.keras")
    loaded = target.models.load_model(tmp_path / "attention.keras")
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0), atol=1e-5)


def _branchy_graphs(L):
    """Graphs whose branches are listed out of depth order (name -> (inputs, outputs))."""
    graphs = {}
    inp = L.Input((6,), name="inp")
    a = L.layers.Dense(6, name="a2")(L.layers.Dense(6, name="a1")(inp))
    graphs["shortcut listed first"] = (inp, L.layers.Add(name="add")([L.layers.Dense(6, name="b1")(inp), a]))
    inp = L.Input((6,), name="inp")
    trunk = L.layers.Dense(6, name="trunk")(inp)
    graphs["shallow head first"] = (inp, [L.layers.Dense(2, name="head_b")(trunk),
                                          L.layers.Dense(2, name="head_a")(L.layers.Dense(4, name="head_a_hidden")(trunk))])
    first, late = L.Input((4,), name="first"), L.Input((3,), name="late")
    x = L.layers.Dense(3, name="d1")(L.layers.Dense(5, name="d0")(first))
    shared = L.layers.Dense(3, name="shared")
    merged = L.layers.Concatenate(name="cat")([shared(late), shared(x), L.layers.Dense(3, name="d2")(x)])
    graphs["inputs at two depths, a shared layer"] = ([first, late], merged)
    return graphs


@pytest.mark.parametrize("name", list(_branchy_graphs(lamina)))
def test_functional_layers_come_in_keras_order_and_weights_land_in_place(tmp_path, name):
    ours = lamina.Model(*_branchy_graphs(lamina)[name])
    theirs = keras.Model(*_branchy_graphs(keras)[name])
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    x = [sample(tuple(t.shape[1:]), False) for t in theirs.inputs]
    x = x if len(x) > 1 else x[0]
    theirs.save_weights(tmp_path / "keras_made.weights.h5")
    ours.load_weights(tmp_path / "keras_made.weights.h5")
    for mine, expected in zip(lamina.tree.nested.flatten(ours.predict(x, verbose=0)),
                              lamina.tree.nested.flatten(theirs.predict(x, verbose=0))):
        np.testing.assert_allclose(mine, expected, atol=1e-5, rtol=1e-5)


def _several_output_layers(L):
    """Graphs with a layer call that returns several tensors."""
    graphs = {}
    inp = L.Input((5, 3), name="seq")
    out, h, c = L.layers.LSTM(4, return_state=True, name="encoder")(inp)
    graphs["LSTM return_state"] = (inp, [out, L.layers.Dense(2, name="from_h")(h), c])
    inp = L.Input((5, 3), name="seq")
    states = L.layers.Bidirectional(L.layers.GRU(3, return_state=True), name="bi")(inp)
    graphs["Bidirectional GRU return_state"] = (inp, L.layers.Concatenate(name="cat")(list(states)))
    query = L.Input((4, 6), name="query")
    attended, scores = L.layers.MultiHeadAttention(2, 3, name="mha")(query, query, return_attention_scores=True)
    graphs["MultiHeadAttention scores"] = (query, [attended, scores])
    return graphs


@pytest.mark.parametrize("name", list(_several_output_layers(lamina)))
@pytest.mark.parametrize("direction", ["keras to lamina", "lamina to keras"])
def test_layers_returning_several_tensors_cross_over_in_model_files(tmp_path, name, direction):
    source, target = (keras, lamina) if direction == "keras to lamina" else (lamina, keras)
    model = source.Model(*_several_output_layers(source)[name])
    x = sample(tuple(model.inputs[0].shape[1:]), False)
    model.save(tmp_path / "model.keras")
    loaded = target.models.load_model(tmp_path / "model.keras")
    for mine, expected in zip(lamina.tree.nested.flatten(loaded.predict(x, verbose=0)),
                              lamina.tree.nested.flatten(model.predict(x, verbose=0))):
        np.testing.assert_allclose(mine, expected, atol=1e-5, rtol=1e-5)


def test_model_from_json_reads_keras_json_and_keras_reads_lamina_json():
    model = build(keras, (8, 8, 3), STACKS[2][2], False)
    ours = lamina.models.model_from_json(model.to_json())
    assert [layer.name for layer in ours.layers] == [layer.name for layer in model.layers]
    ours.set_weights(model.get_weights())
    x = sample((8, 8, 3), False)
    np.testing.assert_allclose(ours.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    theirs = keras.models.model_from_json(ours.to_json())
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]


def _scheduled_adam(library):
    schedule = library.optimizers.schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)
    return library.optimizers.Adam(schedule)


@pytest.mark.parametrize("direction", ["keras to lamina", "lamina to keras", "lamina to lamina"])
def test_a_scheduled_optimizer_resumes_from_a_model_file(tmp_path, direction):
    source, target = {"keras to lamina": (keras, lamina), "lamina to keras": (lamina, keras),
                      "lamina to lamina": (lamina, lamina)}[direction]
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(40, 4)).astype("float32"), rng.normal(size=(40, 2)).astype("float32")

    def build(library):
        model = library.Sequential([library.Input((4,)), library.layers.Dense(2)])
        model.compile(optimizer=_scheduled_adam(library), loss="mse")
        return model

    model = build(source)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = target.models.load_model(tmp_path / "model.keras")
    assert int(loaded.optimizer.iterations) == 5
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for mine, expected in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-6)


def test_keras_gradient_accumulators_are_restored(tmp_path):
    # Mid accumulation window: Keras's accumulators become the weights' gradients (no warning);
    # tests/saving/test_optimizer_state_files.py resumes such files step for step.
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adagrad(0.1, gradient_accumulation_steps=2), loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "accumulating.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = lamina.models.load_model(tmp_path / "accumulating.keras")
    assert (int(loaded.optimizer.iterations), loaded.optimizer._steps) == (0, 1)
    accumulated = sorted(float(np.abs(v.numpy()).sum()) for v in model.optimizer._accumulated_gradients)
    restored = sorted(float(p.grad.abs().sum()) for p in loaded.trainable_weights)
    np.testing.assert_allclose(restored, accumulated, rtol=1e-6)
    assert min(accumulated) > 0


RESUMABLE_OPTIMIZERS = [
    ("SGD", dict(learning_rate=0.05, momentum=0.9)),
    ("SGD", dict(learning_rate=0.05, momentum=0.9, nesterov=True)),
    ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True, epsilon=1e-12)),
    ("Adagrad", dict(learning_rate=0.1)),
    ("Adamax", dict(learning_rate=0.05)),
    ("Adadelta", dict(learning_rate=1.0)),
    ("Lion", dict(learning_rate=0.01)),
    ("Adam", dict(learning_rate=0.05, amsgrad=True)),
    ("Nadam", dict(learning_rate=0.05)),
]


@pytest.mark.parametrize("name, arguments", RESUMABLE_OPTIMIZERS, ids=[f"{n} {a}" for n, a in RESUMABLE_OPTIMIZERS])
@pytest.mark.parametrize("direction", ["keras to lamina", "lamina to keras"])
def test_optimizer_slots_cross_over_in_model_files(tmp_path, name, arguments, direction):
    source, target = (keras, lamina) if direction == "keras to lamina" else (lamina, keras)
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(40, 4)).astype("float32"), rng.normal(size=(40, 2)).astype("float32")
    model = source.Sequential([source.Input((4,)), source.layers.Dense(2)])
    model.compile(optimizer=getattr(source.optimizers, name)(**arguments), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = target.models.load_model(tmp_path / "model.keras")
    start = [w.copy() for w in model.get_weights()]
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for mine, expected, before in zip(loaded.get_weights(), model.get_weights(), start):
        # resumed slots: the second epoch's steps agree (float32 rounding)
        np.testing.assert_allclose(mine - before, expected - before, rtol=2e-3, atol=1e-5)
