"""Functional models: several inputs and outputs, shared layers, nested models, subclassing."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError


def two_in_two_out():
    a = lamina.Input(shape=(4,), name="a")
    b = lamina.Input(shape=(3,), name="b")
    ha = layers.Dense(8, activation="relu", name="ha")(a)
    hb = layers.Dense(8, activation="relu", name="hb")(b)
    shared = layers.Dense(8, activation="relu", name="shared")
    joined = SumLayer(name="join")([shared(ha), shared(hb)])
    label = layers.Dense(3, activation="softmax", name="label")(joined)
    value = layers.Dense(1, name="value")(joined)
    return lamina.Model([a, b], [label, value], name="two_heads"), shared


class SumLayer(layers.Layer):
    def call(self, inputs):
        return inputs[0] + inputs[1]

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    xa = rng.normal(size=(n, 4)).astype(np.float32)
    xb = rng.normal(size=(n, 3)).astype(np.float32)
    label = np.digitize(xa[:, 0] + xb[:, 0], [-0.7, 0.7]).astype(np.int64)
    value = (xa.sum(1) - xb.sum(1)).astype(np.float32)[:, None]
    return xa, xb, label, value


def test_two_input_two_output_model_trains_with_per_output_losses():
    model, _ = two_in_two_out()
    assert model.output_names == ["label", "value"] and model.input_names == ["a", "b"]
    assert [layer.name for layer in model.layers][:2] == ["a", "b"]
    model.compile(
        lamina.optimizers.Adam(0.01),
        loss={"label": "sparse_categorical_crossentropy", "value": "mse"},
        loss_weights={"label": 1.0, "value": 0.5},
        metrics={"label": ["accuracy"]},
    )
    xa, xb, label, value = data()
    history = model.fit([xa, xb], {"label": label, "value": value}, epochs=15, batch_size=32, verbose=0)
    logs = history.history
    assert set(logs) == {"loss", "label_loss", "value_loss", "label_accuracy"}
    assert logs["loss"][-1] < logs["loss"][0] / 2
    np.testing.assert_allclose(
        logs["loss"][-1], logs["label_loss"][-1] + 0.5 * logs["value_loss"][-1], rtol=1e-4
    )
    predictions = model.predict([xa, xb], verbose=0)
    assert predictions[0].shape == (256, 3) and predictions[1].shape == (256, 1)
    results = model.evaluate([xa, xb], [label, value], verbose=0, return_dict=True)
    assert results["label_accuracy"] > 0.8


def test_shared_layer_weights_used_twice_and_gradients_summed():
    model, shared = two_in_two_out()
    assert sum(1 for layer in model.layers if layer is shared) == 1
    assert len(shared._inbound_nodes) == 2
    xa, xb, _, _ = data(n=8)
    label, value = model([torch.from_numpy(xa), torch.from_numpy(xb)])
    (label.sum() + value.sum()).backward()
    grad_total = shared.kernel.grad.clone()
    shared.kernel.grad = None
    # Recompute by hand: the two uses of `shared` contribute separately.
    ha = model.get_layer("ha")(torch.from_numpy(xa))
    hb = model.get_layer("hb")(torch.from_numpy(xb))
    first, second = shared(ha), shared(hb)
    joined = first + second
    out = model.get_layer("label")(joined).sum() + model.get_layer("value")(joined).sum()
    grads = torch.autograd.grad(out, [shared.kernel])
    torch.testing.assert_close(grad_total, grads[0])


def test_nested_model_used_as_a_layer():
    inner_in = lamina.Input(shape=(4,))
    inner = lamina.Model(inner_in, layers.Dense(5, activation="relu")(inner_in), name="inner")
    outer_in = lamina.Input(shape=(4,))
    outer = lamina.Model(outer_in, layers.Dense(2)(inner(outer_in)), name="outer")
    x = torch.randn(3, 4)
    expected = outer.layers[-1](inner(x))
    torch.testing.assert_close(outer(x), expected)
    assert outer.count_params() == inner.count_params() + 5 * 2 + 2
    outer.compile("adam", "mse")
    history = outer.fit(np.random.rand(64, 4), np.random.rand(64, 2), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_subclassed_model_trains():
    class TwoLayer(lamina.Model):
        def __init__(self):
            super().__init__(name="two_layer")
            self.hidden = layers.Dense(16, activation="relu")
            self.out = layers.Dense(3, activation="softmax")

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = TwoLayer()
    model.compile(lamina.optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    xa, _, _, _ = data()
    label = np.digitize(xa[:, 0] - xa[:, 1], [-0.7, 0.7])
    history = model.fit(xa, label, epochs=10, verbose=0)
    assert history.history["accuracy"][-1] > 0.8
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]


def test_dict_inputs_and_outputs():
    a = lamina.Input(shape=(2,), name="a")
    b = lamina.Input(shape=(2,), name="b")
    total = SumLayer()([a, b])
    model = lamina.Model({"a": a, "b": b}, {"out": layers.Dense(1, name="out")(total)})
    out = model({"a": torch.ones(1, 2), "b": torch.ones(1, 2)})
    assert set(out) == {"out"} and out["out"].shape == (1, 1)
    model.compile("sgd", {"out": "mse"})
    model.fit({"a": np.ones((8, 2)), "b": np.ones((8, 2))}, {"out": np.zeros((8, 1))}, verbose=0)
    with pytest.raises(ConfigurationError, match="inputs \\['b'\\] are missing"):
        model({"a": torch.ones(1, 2)})


def test_wrong_number_of_targets_is_explained():
    model, _ = two_in_two_out()
    model.compile("adam", ["sparse_categorical_crossentropy", "mse"])
    xa, xb, label, _ = data(n=16)
    with pytest.raises(InputError, match="2 outputs"):
        model.fit([xa, xb], label, verbose=0)


def test_graph_errors():
    a = lamina.Input(shape=(2,))
    stray = lamina.Input(shape=(2,))
    out = SumLayer()([a, stray])
    with pytest.raises(ConfigurationError, match="not in the model's inputs"):
        lamina.Model(a, out)
    with pytest.raises(ConfigurationError, match="symbolic tensors"):
        lamina.Model(a, torch.ones(1))


def test_list_input_model_takes_a_dict_keyed_by_input_names():
    features = lamina.Input(shape=(3,), name="features")
    extra = lamina.Input(shape=(2,), name="extra")
    out = layers.Dense(1)(SumLayer()([layers.Dense(4)(features), layers.Dense(4)(extra)]))
    model = lamina.Model([features, extra], out)
    model.compile("sgd", "mse")
    x = {"features": np.ones((8, 3), dtype=np.float32), "extra": np.zeros((8, 2), dtype=np.float32)}
    model.fit(x, np.zeros((8, 1)), verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict([x["features"], x["extra"]], verbose=0))


def test_clone_model_copies_the_architecture_with_new_weights():
    inputs = lamina.Input((4,))
    shared = lamina.layers.Dense(4, name="shared")
    model = lamina.Model(inputs, lamina.layers.Dense(2, name="head")(shared(shared(inputs))))
    clone = lamina.models.clone_model(model)
    assert clone is not model and [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("kwargs", [{}, {"name": "head", "index": 0}])
def test_get_layer_takes_a_name_or_an_index(kwargs):
    inputs = lamina.Input((4,))
    model = lamina.Model(inputs, lamina.layers.Dense(2, name="head")(inputs))
    with pytest.raises(lamina.errors.ConfigurationError, match="pass a name or an index, not both or neither"):
        model.get_layer(**kwargs)
