"""lamina.Function against Keras 3's keras.Function on the same graphs and weights."""

import numpy as np
import pytest
import torch

import lamina


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


RNG = np.random.default_rng(0)


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _ops_graph(library):
    a, b = library.KerasTensor((None, 3)), library.KerasTensor((None, 3))
    x = library.ops.sigmoid(a + b) * 2.0 - library.ops.mean(a, axis=-1, keepdims=True)
    return [a, b], {"sum": library.ops.sum(x, axis=1), "x": x}


def test_ops_graph_on_numpy_and_tensors_matches_keras(keras):
    values = [RNG.normal(size=(4, 3)).astype("float32") for _ in range(2)]
    ours = lamina.Function(*_ops_graph(lamina), name="f")
    theirs = keras.Function(*_ops_graph(keras))
    expected = theirs(values)
    for given in (values, [torch.as_tensor(v) for v in values]):
        result = ours(given)
        assert set(result) == set(expected)
        for key in expected:
            np.testing.assert_allclose(_np(result[key]), _np(expected[key]), rtol=1e-6)
    assert [type(op).__name__ for op in ours.operations] == [type(op).__name__ for op in theirs.operations]
    assert len(ours.inputs) == 2 and len(ours.outputs) == 2 and ours.name == "f"


def _layer_graph(library):
    inputs = library.Input((5,), name="x")
    hidden = library.layers.Dense(4, activation="relu", name="hidden")(inputs)
    out = library.layers.Dense(2, name="out")(hidden)
    return inputs, hidden, library.ops.softmax(out + hidden[:, :2])


def test_layer_graph_matches_keras_with_the_same_weights(keras):
    ours_in, ours_hidden, ours_out = _layer_graph(lamina)
    theirs_in, theirs_hidden, theirs_out = _layer_graph(keras)
    ours_fn, theirs_fn = lamina.Function(ours_in, ours_out), keras.Function(theirs_in, theirs_out)
    ours_layers = {op.name: op for op in ours_fn.operations}
    theirs_layers = {op.name: op for op in theirs_fn.operations}
    for name in ("hidden", "out"):
        ours_layers[name].set_weights(theirs_layers[name].get_weights())
    x = RNG.normal(size=(3, 5)).astype("float32")
    np.testing.assert_allclose(_np(ours_fn(x)), _np(theirs_fn(x)), rtol=1e-5, atol=1e-6)
    assert [type(op).__name__ for op in ours_fn.operations] == [type(op).__name__ for op in theirs_fn.operations]

    # From an intermediate tensor: the layers before it are not part of the function.
    ours_tail, theirs_tail = lamina.Function(ours_hidden, ours_out), keras.Function(theirs_hidden, theirs_out)
    h = RNG.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(_np(ours_tail(h)), _np(theirs_tail(h)), rtol=1e-5, atol=1e-6)
    assert [op.name for op in ours_tail.operations][0] == "out"
    assert [type(op).__name__ for op in ours_tail.operations] == [type(op).__name__ for op in theirs_tail.operations]


def test_output_spec_shape_and_symbolic_call():
    a = lamina.KerasTensor((None, 3))
    fn = lamina.Function(a, {"double": a * 2.0, "row_sum": lamina.ops.sum(a, axis=1)})
    assert fn.compute_output_shape((7, 3)) == {"double": (7, 3), "row_sum": (7,)}
    spec = fn.compute_output_spec(lamina.KerasTensor((None, 3)))
    assert spec["double"].shape == (None, 3) and spec["double"].dtype == torch.float32

    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, fn(inputs)["double"] + 1.0)
    x = torch.ones(2, 3)
    torch.testing.assert_close(model(x), x * 2.0 + 1.0)


def test_bad_graphs_and_inputs_say_what_is_wrong():
    a, b = lamina.KerasTensor((None, 3)), lamina.KerasTensor((None, 3))
    with pytest.raises(ValueError, match="not in the inputs"):
        lamina.Function(a, a + b)
    with pytest.raises(ValueError, match="cannot be empty"):
        lamina.Function([], a)
    with pytest.raises(ValueError, match="must be symbolic tensors"):
        lamina.Function(a, torch.ones(2))
    fn = lamina.Function([a, b], a + b)
    with pytest.raises(ValueError, match="another structure"):
        fn(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expects shape \(None, 3\).*Received shape \(2, 4\)"):
        fn([np.ones((2, 4)), np.ones((2, 3))])
    d = lamina.Function({"p": a, "q": b}, a - b)
    with pytest.raises(ValueError, match="another structure"):
        d({"p": np.ones((1, 3)), "r": np.ones((1, 3))})
    np.testing.assert_allclose(_np(d({"q": np.ones((1, 3)), "p": np.zeros((1, 3))})), -np.ones((1, 3)))
