"""Merging layers against NumPy and real Keras 3, and two-input functional models."""

import functools

import keras
import numpy as np
import pytest
import torch
from oracle import to_numpy

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)

REFERENCES = {
    "Add": lambda xs: functools.reduce(np.add, xs),
    "Subtract": lambda xs: xs[0] - xs[1],
    "Multiply": lambda xs: functools.reduce(np.multiply, xs),
    "Average": lambda xs: functools.reduce(np.add, xs) / len(xs),
    "Maximum": lambda xs: functools.reduce(np.maximum, xs),
    "Minimum": lambda xs: functools.reduce(np.minimum, xs),
}
ELEMENTWISE = sorted(REFERENCES)
HELPERS = {
    "Add": layers.add,
    "Subtract": layers.subtract,
    "Multiply": layers.multiply,
    "Average": layers.average,
    "Maximum": layers.maximum,
    "Minimum": layers.minimum,
}


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


def count(name):
    return 2 if name == "Subtract" else 3


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_matches_numpy_and_keras(name):
    xs = [normal(4, 3, 5) for _ in range(count(name))]
    out = getattr(layers, name)()([torch.from_numpy(x) for x in xs])
    np.testing.assert_allclose(out.numpy(), REFERENCES[name](xs), rtol=1e-6, atol=1e-6)
    expected = to_numpy(getattr(keras.layers, name)()(xs))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shapes", [[(4, 3, 5), (4, 5)], [(4, 1, 5), (4, 3, 1)], [(4, 3, 5), (4, 3, 1)], [(4, 2, 3, 5), (4, 5)]])
@pytest.mark.parametrize("name", ["Add", "Subtract", "Maximum", "Multiply"])
def test_broadcasting_follows_keras(name, shapes):
    xs = [normal(*s) for s in shapes]
    layer = getattr(layers, name)()
    out = layer([torch.from_numpy(x) for x in xs])
    expected = to_numpy(getattr(keras.layers, name)()(xs))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)
    batchless = [(None,) + s[1:] for s in shapes]
    assert layer.compute_output_shape(batchless) == (None,) + expected.shape[1:]
    assert getattr(keras.layers, name)().compute_output_shape(batchless) == (None,) + expected.shape[1:]


def test_unknown_sizes_broadcast_to_the_known_size():
    assert layers.Add().compute_output_shape([(None, None, 5), (None, 3, 1)]) == (None, 3, 5)
    assert layers.Add().compute_output_shape([(None, None), (None, 1)]) == (None, None)
    assert layers.Add().compute_output_shape([(8, 3), (None, 3)]) == (8, 3)


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_concatenate_matches_numpy_and_keras(axis):
    shapes = {-1: [(2, 3, 4), (2, 3, 1), (2, 3, 2)], 1: [(2, 1, 4), (2, 5, 4)], 2: [(2, 3, 4), (2, 3, 6)]}[axis]
    xs = [normal(*s) for s in shapes]
    layer = layers.Concatenate(axis=axis)
    out = layer([torch.from_numpy(x) for x in xs])
    np.testing.assert_array_equal(out.numpy(), np.concatenate(xs, axis=axis))
    np.testing.assert_array_equal(out.numpy(), to_numpy(keras.layers.Concatenate(axis=axis)(xs)))
    assert layer.compute_output_shape([(None,) + s[1:] for s in shapes]) == (None,) + tuple(out.shape[1:])
    assert layers.Concatenate(axis=axis).compute_output_shape([(None, None, 4), (None, 3, 4)])[0] is None


DOT_CASES = [
    ((3, 5), (3, 5), 1),
    ((3, 3, 5), (3, 10, 3), (1, 2)),
    ((3, 4), (3, 4, 6), (1, 1)),
    ((3, 3, 4), (3, 4), (2, 1)),
    ((3, 3, 4, 5), (3, 5, 6), (-1, 1)),
    ((3, 5), (3, 5), -1),
]


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("shapes_and_axes", DOT_CASES)
def test_dot_matches_keras(shapes_and_axes, normalize):
    s1, s2, axes = shapes_and_axes
    x, y = normal(*s1), normal(*s2)
    layer = layers.Dot(axes=axes, normalize=normalize)
    out = layer([torch.from_numpy(x), torch.from_numpy(y)])
    expected = to_numpy(keras.layers.Dot(axes=axes, normalize=normalize)([x, y]))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape([(None,) + s1[1:], (None,) + s2[1:]]) == (None,) + expected.shape[1:]


def test_dot_is_a_batched_contraction_and_cosine_with_normalize():
    x, y = normal(4, 3, 5), normal(4, 7, 3)
    out = layers.Dot(axes=(1, 2))([torch.from_numpy(x), torch.from_numpy(y)])
    np.testing.assert_allclose(out.numpy(), np.einsum("bkm,bnk->bmn", x, y), rtol=1e-5, atol=1e-5)
    a, b = normal(6, 8), normal(6, 8)
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    out = layers.Dot(axes=1, normalize=True)([torch.from_numpy(a), torch.from_numpy(b)])
    np.testing.assert_allclose(out.numpy()[:, 0], cosine, rtol=1e-5)


# ------------------------------------------------------------------- masks
def masked(array, mask):
    tensor = torch.from_numpy(array.copy())
    if mask is not None:
        tensor._keras_mask = torch.from_numpy(mask)
    return tensor


@pytest.mark.parametrize("both_masked", [True, False])
@pytest.mark.parametrize("name", [*ELEMENTWISE, "Concatenate"])
def test_masks_are_merged_as_keras_does(name, both_masked):
    xs = [normal(2, 4, 3) for _ in range(2)]
    masks = [rng.random((2, 4)) > 0.5, (rng.random((2, 4)) > 0.5) if both_masked else None]
    out = getattr(layers, name)()([masked(x, m) for x, m in zip(xs, masks)])
    expected = getattr(keras.layers, name)()([masked(x, m) for x, m in zip(xs, masks)])
    np.testing.assert_allclose(out.numpy(), to_numpy(expected), rtol=1e-6, atol=1e-6)
    expected_mask = getattr(expected, "_keras_mask", None)
    if expected_mask is None:
        assert getattr(out, "_keras_mask", None) is None
    else:
        np.testing.assert_array_equal(out._keras_mask.numpy(), to_numpy(expected_mask))


def test_compute_mask_takes_a_list_of_masks():
    a, b = torch.zeros(2, 3, 4), torch.zeros(2, 5, 4)
    m1 = torch.tensor([[True, False, False], [True, True, False]])
    m2 = torch.tensor([[False, True, False], [False, False, False]])
    torch.testing.assert_close(layers.Add().compute_mask([a, a], [m1, m2]), m1 | m2)
    assert layers.Add().compute_mask([a, a], [m1, None]) is None
    assert layers.Add().compute_mask([a, a], None) is None
    joined = layers.Concatenate(axis=1).compute_mask([a, b], [m1, None])
    torch.testing.assert_close(joined, torch.cat([m1, torch.ones(2, 5, dtype=torch.bool)], dim=1))
    assert layers.Dot(axes=2).compute_mask([a, b], [m1, None]) is None
    with pytest.raises(InputError, match="one entry"):
        layers.Add().compute_mask([a, a], [m1])


# ------------------------------------------------------------------ errors
def test_incompatible_shapes_name_the_layer_and_show_shapes():
    with pytest.raises(InputError, match=r"Add 'sum_it'.*\[\(None, 3\), \(None, 4\)\]"):
        layers.Add(name="sum_it")([lamina.Input((3,)), lamina.Input((4,))])
    with pytest.raises(InputError, match=r"Multiply 'times'.*\[\(2, 3\), \(2, 4\)\]"):
        layers.Multiply(name="times")([torch.ones(2, 3), torch.ones(2, 4)])
    layer = layers.Add(name="later")
    layer([torch.ones(2, 3), torch.ones(2, 3)])
    with pytest.raises(InputError, match=r"Add 'later'.*\[\(2, 3\), \(2, 4\)\]"):
        layer([torch.ones(2, 3), torch.ones(2, 4)])
    with pytest.raises(InputError, match=r"batch sizes differ \[1, 4\]"):
        layers.Add()([torch.ones(1, 3), torch.ones(4, 3)])


def test_concatenate_and_dot_errors_show_shapes():
    with pytest.raises(InputError, match=r"Concatenate 'cat'.*axis 2 has sizes \[3, 4\].*\(None, 2, 3\)"):
        layers.Concatenate(axis=1, name="cat")([lamina.Input((2, 3)), lamina.Input((2, 4))])
    with pytest.raises(InputError, match=r"ranks differ"):
        layers.Concatenate()([torch.ones(2, 3), torch.ones(2, 3, 1)])
    with pytest.raises(InputError, match=r"Dot 'dp'.*size 3 but axis 1 of input 2 has size 4"):
        layers.Dot(axes=1, name="dp")([lamina.Input((3,)), lamina.Input((4,))])
    with pytest.raises(InputError, match=r"Dot 'dp2'.*\[\(2, 3\), \(2, 4\)\]"):
        layers.Dot(axes=1, name="dp2")([torch.ones(2, 3), torch.ones(2, 4)])


def test_input_count_and_list_checks():
    with pytest.raises(InputError, match=r"Subtract 'subtract' takes exactly 2 input\(s\). Received 3"):
        layers.Subtract()([lamina.Input((3,))] * 3)
    with pytest.raises(InputError, match="exactly 2"):
        layers.Dot(axes=1)([torch.ones(2, 3)] * 3)
    with pytest.raises(InputError, match=r"merges a list of tensors, e.g. Add\(\)\(\[x1, x2\]\)"):
        layers.Add()(torch.ones(2, 3))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.Dot(axes=(1, 2, 3)), r"Received: axes=\(1, 2, 3\)"),
        (lambda: layers.Dot(axes="1"), r"Received: axes='1'"),
        (lambda: layers.Dot(axes=0), "batch axis"),
        (lambda: layers.Concatenate(axis=1.5), r"Received: axis=1.5"),
    ],
)
def test_bad_arguments_raise_configuration_errors(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()


# ------------------------------------------------------ configs and symbolic
@pytest.mark.parametrize(
    "layer",
    [*(getattr(layers, n)(name=f"m_{n.lower()}") for n in ELEMENTWISE), layers.Concatenate(axis=1), layers.Dot(axes=(1, 2), normalize=True)],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config and type(clone) is type(layer)


def test_configs_match_keras_keys():
    for ours, theirs in [
        (layers.Concatenate(axis=1), keras.layers.Concatenate(axis=1)),
        (layers.Dot(axes=(1, 2), normalize=True), keras.layers.Dot(axes=(1, 2), normalize=True)),
    ]:
        extra = {k: v for k, v in theirs.get_config().items() if k not in ("name", "trainable", "dtype")}
        assert all(ours.get_config()[k] == (list(v) if isinstance(v, tuple) else v) for k, v in extra.items())


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_functional_helpers_record_a_node_on_symbolic_inputs(name):
    a, b = lamina.Input((4, 1)), lamina.Input((4, 6))
    out = HELPERS[name]([a, b], name=f"merged_{name.lower()}")
    assert out.shape == (None, 4, 6)
    node = out.node
    assert type(node.layer).__name__ == name and node.layer.name == f"merged_{name.lower()}"
    assert node.inputs == [a, b] and node.input_tensors == [a, b]


def test_concatenate_and_dot_helpers():
    a, b = lamina.Input((3, 5)), lamina.Input((10, 3))
    assert layers.concatenate([a, lamina.Input((3, 2))], axis=-1).shape == (None, 3, 7)
    assert layers.dot([a, b], axes=(1, 2)).shape == (None, 5, 10)
    assert layers.dot([lamina.Input((4,)), lamina.Input((4,))], axes=1).shape == (None, 1)


def test_symbolic_dtypes_follow_torch_promotion():
    ints = [lamina.Input((3,), dtype="int64"), lamina.Input((3,), dtype="int64")]
    assert layers.Concatenate()(ints).dtype == torch.int64
    assert layers.Add()(ints).dtype == torch.int64
    assert layers.Average()(ints).dtype == torch.float32
    assert layers.Add()([ints[0], lamina.Input((3,))]).dtype == torch.float32


# ------------------------------------------------------- functional models
def two_branch_model():
    a = lamina.Input((4,), name="a")
    b = lamina.Input((3,), name="b")
    ha = layers.Dense(8, activation="relu", name="ha")(a)
    hb = layers.Dense(8, activation="relu", name="hb")(b)
    joined = layers.Concatenate(name="joined")([ha, hb])
    out = layers.Dense(3, activation="softmax", name="out")(joined)
    return lamina.Model([a, b], out)


def two_input_data(n=192):
    xa, xb = normal(n, 4), normal(n, 3)
    y = np.digitize(xa[:, 0] - xb[:, 1], [-0.7, 0.7]).astype(np.int64)
    return xa, xb, y


def test_two_input_functional_model_matches_keras_and_trains():
    model = two_branch_model()
    a, b = keras.Input((4,)), keras.Input((3,))
    ha = keras.layers.Dense(8, activation="relu")(a)
    hb = keras.layers.Dense(8, activation="relu")(b)
    reference = keras.Model([a, b], keras.layers.Dense(3, activation="softmax")(keras.layers.Concatenate()([ha, hb])))
    reference.set_weights(model.get_weights())
    xa, xb, y = two_input_data()
    ours = model([torch.from_numpy(xa), torch.from_numpy(xb)]).detach().numpy()
    np.testing.assert_allclose(ours, to_numpy(reference([xa, xb])), rtol=1e-5, atol=1e-6)

    model.compile(lamina.optimizers.Adam(0.02), "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit([xa, xb], y, epochs=12, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert history.history["accuracy"][-1] > 0.85
    np.testing.assert_allclose(
        model.predict([xa, xb], verbose=0),
        model([torch.from_numpy(xa), torch.from_numpy(xb)]).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "merge", [*ELEMENTWISE, "Concatenate", "Dot"],
)
def test_each_merge_layer_trains_both_branches_in_a_model(merge):
    a, b = lamina.Input((4,)), lamina.Input((3,))
    ha, hb = layers.Dense(5, name="ha")(a), layers.Dense(5, name="hb")(b)
    layer = layers.Dot(axes=1) if merge == "Dot" else getattr(layers, merge)()
    model = lamina.Model([a, b], layers.Dense(1, name="head")(layer([ha, hb])))
    model.compile(lamina.optimizers.SGD(0.05), "mse")
    xa, xb, _ = two_input_data(n=64)
    target = (xa.sum(1, keepdims=True) * 0.1).astype(np.float32)
    before = [model.get_layer(n).get_weights()[0].copy() for n in ("ha", "hb")]
    history = model.fit([xa, xb], target, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    for name, old in zip(("ha", "hb"), before):
        assert not np.allclose(model.get_layer(name).get_weights()[0], old), f"{name} did not train"
