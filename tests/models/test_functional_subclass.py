"""``class CustomModel(Model)`` built as ``CustomModel(inputs, outputs)`` is a functional
model of that class, as in Keras 3 (issue #16, item 1)."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers


def _custom_model_class(base):
    class CustomModel(base.Model):
        def train_step(self, data):
            self.train_steps = getattr(self, "train_steps", 0) + 1
            return super().train_step(data)

        def test_step(self, data):
            self.test_steps = getattr(self, "test_steps", 0) + 1
            return super().test_step(data)

    return CustomModel


def _graph(base):
    inputs = base.Input((4,))
    return inputs, base.layers.Dense(1)(base.layers.Dense(3, activation="relu")(inputs))


@pytest.mark.parametrize("by_keyword", [False, True])
def test_subclass_built_from_inputs_and_outputs_is_that_functional_model(by_keyword):
    results = {}
    data = np.random.default_rng(0).normal(size=(16, 4)).astype("float32"), np.ones((16, 1), "float32")
    for base in (keras, lamina):
        cls = _custom_model_class(base)
        inputs, outputs = _graph(base)
        model = cls(inputs=inputs, outputs=outputs) if by_keyword else cls(inputs, outputs)
        assert type(model) is cls
        results[base] = model
    theirs, ours = results[keras], results[lamina]
    assert ours.count_params() == theirs.count_params() == 19
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in theirs.layers]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(data[0], verbose=0), theirs.predict(data[0], verbose=0), atol=1e-6)
    for model, optimizer in ((theirs, keras.optimizers.SGD(0.05)), (ours, lamina.optimizers.SGD(0.05))):
        model.compile(optimizer=optimizer, loss="mse")
    expected = theirs.fit(*data, epochs=2, batch_size=8, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(*data, epochs=2, batch_size=8, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert ours.train_steps == theirs.train_steps == 4
    ours.evaluate(*data, batch_size=8, verbose=0)
    assert ours.test_steps == 2


def test_subclass_with_its_own_init_calling_super_with_inputs_and_outputs():
    class Wrapper(lamina.Model):
        def __init__(self, inputs, outputs, note="x", **kwargs):
            super().__init__(inputs, outputs, **kwargs)
            self.note = note

    for _ in range(2):  # the second instance goes through the changed class
        model = Wrapper(*_graph(lamina), note="y")
        assert isinstance(model, Wrapper) and model.note == "y"
        assert model(torch.ones(2, 4)).shape == (2, 1)
        assert len(model.trainable_weights) == 4


def test_functional_subclass_round_trips_through_save_with_custom_objects(tmp_path):
    cls = _custom_model_class(lamina)
    model = cls(*_graph(lamina))
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(1).normal(size=(8, 4)).astype("float32")
    model.save(tmp_path / "custom.keras")
    loaded = lamina.models.load_model(tmp_path / "custom.keras", custom_objects={"CustomModel": cls})
    assert type(loaded) is cls
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    loaded.fit(x, np.ones((8, 1)), epochs=1, verbose=0)
    assert loaded.train_steps == 1


def test_keras_file_of_a_functional_subclass_loads_as_that_class(tmp_path):
    theirs = _custom_model_class(keras)(*_graph(keras))
    theirs.save(tmp_path / "keras_custom.keras")
    cls = _custom_model_class(lamina)
    ours = lamina.models.load_model(tmp_path / "keras_custom.keras", custom_objects={"CustomModel": cls})
    assert type(ours) is cls
    x = np.random.default_rng(2).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)


def test_plain_subclassed_models_are_unchanged():
    class Plain(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Plain()
    assert not isinstance(model, lamina.models.Functional)
    assert model(torch.ones(1, 3)).shape == (1, 2)
