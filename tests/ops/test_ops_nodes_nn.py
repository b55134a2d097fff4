"""``lamina.ops`` nn/image/math functions between layers of a functional model record Keras's
operation nodes, which save and load both ways with Keras 3."""

import keras
import numpy as np

import lamina
from lamina import ops


def _lamina_model():
    inputs = lamina.Input((6, 6, 3))
    x = lamina.layers.Conv2D(4, 3, padding="same")(inputs)
    x = ops.nn.relu(x)
    x = ops.image.resize(x, (3, 3))
    x = lamina.layers.Flatten()(x)
    x = ops.nn.log_softmax(lamina.layers.Dense(5)(x))
    return lamina.Model(inputs, ops.logsumexp(x, axis=-1))


def _images(seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=(2, 6, 6, 3)).astype("float32")


def test_lamina_model_with_ops_saves_for_keras_and_back(tmp_path):
    model = _lamina_model()
    x = _images()
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "lamina.keras")
    in_keras = keras.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(np.asarray(in_keras.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-5)
    again = lamina.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_keras_model_with_ops_loads_in_lamina_and_saves_back(tmp_path):
    inputs = keras.Input((6, 6, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    x = keras.ops.nn.gelu(x)
    x = keras.ops.nn.max_pool(x, 2)
    x = keras.ops.image.resize(x, (4, 4), interpolation="nearest")
    x = keras.layers.Flatten()(x)
    x = keras.ops.nn.softmax(x)
    model = keras.Model(inputs, keras.ops.logsumexp(x, axis=-1, keepdims=True))
    x = _images(1)
    expected = np.asarray(model.predict(x, verbose=0))
    model.save(tmp_path / "keras.keras")
    loaded = lamina.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    loaded.save(tmp_path / "back.keras")
    again = keras.models.load_model(tmp_path / "back.keras")
    np.testing.assert_allclose(np.asarray(again.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-6)


def test_symbolic_shapes_of_recorded_nodes():
    inputs = lamina.Input((8, 8, 3))
    assert tuple(ops.nn.conv(inputs, np.ones((3, 3, 3, 5), "float32"), strides=2, padding="same").shape) == (
        None, 4, 4, 5)
    assert tuple(ops.image.resize(inputs, (4, 2)).shape) == (None, 4, 2, 3)
    assert tuple(ops.nn.one_hot(lamina.Input((4,), dtype="int32"), 6).shape) == (None, 4, 6)


def _multi_output_lamina_model():
    inputs = lamina.Input((6,))
    values, indices = ops.top_k(inputs, 3)
    mean, variance = ops.moments(inputs, axes=[1], keepdims=True)
    x = lamina.layers.Dense(4)(values)
    x = ops.concatenate([x, mean, variance], axis=-1)
    q, r = ops.linalg.qr(ops.reshape(x, (-1, 3, 2)))
    return lamina.Model(inputs, [lamina.layers.Dense(2)(ops.reshape(q, (-1, 6))), ops.sum(r, axis=(1, 2)),
                                 ops.cast(indices, "float32")])


def _rows(seed=0):
    return np.random.default_rng(seed).normal(size=(4, 6)).astype("float32")


def test_multi_output_ops_record_one_node_with_several_outputs():
    inputs = lamina.Input((6,))
    values, indices = ops.top_k(inputs, 3)
    assert values.node is indices.node and (values.index, indices.index) == (0, 1)
    assert tuple(values.shape) == (None, 3) and str(indices.dtype).replace("torch.", "").startswith("int")
    u, s, v = ops.linalg.svd(ops.reshape(inputs, (-1, 2, 3)))
    assert (tuple(u.shape), tuple(s.shape), tuple(v.shape)) == ((None, 2, 2), (None, 2), (None, 3, 3))
    model = _multi_output_lamina_model()
    assert sum(type(layer).__name__ == "TopK" for layer in model._operations) == 1
    out = model.predict(_rows(), verbose=0)
    assert [o.shape for o in out] == [(4, 2), (4,), (4, 3)]


def test_multi_output_ops_save_for_keras_and_back(tmp_path):
    model = _multi_output_lamina_model()
    x = _rows()
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "lamina.keras")
    in_keras = keras.models.load_model(tmp_path / "lamina.keras")
    for ours, theirs in zip(expected, in_keras.predict(x, verbose=0)):
        np.testing.assert_allclose(np.asarray(theirs), ours, rtol=1e-4, atol=1e-5)
    again = lamina.models.load_model(tmp_path / "lamina.keras")
    for ours, theirs in zip(expected, again.predict(x, verbose=0)):
        np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-6)


def test_keras_multi_output_ops_load_in_lamina_and_save_back(tmp_path):
    inputs = keras.Input((6,))
    values, _ = keras.ops.top_k(inputs, 4)
    mean, variance = keras.ops.moments(values, axes=[1], keepdims=True)
    x = keras.layers.Dense(3)(keras.ops.concatenate([values, mean, variance], axis=-1))
    _, indices = keras.ops.top_k(x, 2)
    model = keras.Model(inputs, [x, keras.ops.cast(indices, "float32")])
    x = _rows(1)
    expected = [np.asarray(o) for o in model.predict(x, verbose=0)]
    model.save(tmp_path / "keras.keras")
    loaded = lamina.models.load_model(tmp_path / "keras.keras")
    for ours, theirs in zip(loaded.predict(x, verbose=0), expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    loaded.save(tmp_path / "back.keras")
    again = keras.models.load_model(tmp_path / "back.keras")
    for ours, theirs in zip(again.predict(x, verbose=0), expected):
        np.testing.assert_allclose(np.asarray(ours), theirs, rtol=1e-5, atol=1e-6)


def test_sampling_and_filter_image_ops_save_for_keras(tmp_path):
    inputs = lamina.Input((8, 8, 3), batch_size=2)
    x = ops.image.gaussian_blur(inputs, data_format="channels_last")
    x = ops.image.scale_and_translate(x, (2, 8, 8, 3), [1.0, 0.5], [0.0, 2.0], (1, 2), "cubic")
    edges = ops.image.sobel_edges(x, data_format="channels_last")
    patches = ops.image.extract_patches_3d(ops.expand_dims(x, 1), (1, 2, 2), data_format="channels_last")
    assert tuple(edges.shape) == (2, 8, 8, 3, 2) and tuple(patches.shape) == (2, 1, 4, 4, 12)
    model = lamina.Model(inputs, [lamina.layers.Flatten()(edges), lamina.layers.Flatten()(patches)])
    x = np.random.default_rng(2).uniform(size=(2, 8, 8, 3)).astype("float32")
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "images.keras")
    for loaded in (keras.models.load_model(tmp_path / "images.keras"), lamina.models.load_model(tmp_path / "images.keras")):
        for ours, theirs in zip(expected, loaded.predict(x, verbose=0)):
            np.testing.assert_allclose(np.asarray(theirs), ours, rtol=1e-5, atol=1e-5)
