"""MobileNetV3 and ConvNeXt against keras.applications (weights=None): parameter counts, layer
names, configs and outputs with Keras's weights copied across; ConvNeXt's own layers in .keras
files both ways; ImageNet-style weights from a local HTTP server in Keras's legacy h5 format."""

import hashlib

import h5py
import keras
import keras.src.applications.convnext as keras_convnext
import keras.src.legacy.saving.legacy_h5_format as legacy
import numpy as np
import pytest
import torch
from local_http_server import serving

import lamina
from lamina import applications
from lamina.applications.convnext import ConvNeXt
from lamina.applications.convnext_layers import LayerScale, StochasticDepth
from lamina.errors import ConfigurationError, DownloadError

# (constructor, keyword arguments, input size): small enough for the file to run in under a minute.
CASES = [
    ("MobileNetV3Small", {"classes": 10, "classifier_activation": None}, 32),
    ("MobileNetV3Small", {"minimalistic": True, "include_top": False, "pooling": "max",
                          "include_preprocessing": False}, 40),
    ("MobileNetV3Large", {"alpha": 0.75, "include_top": False, "pooling": "avg"}, 32),
    ("MobileNetV3Large", {"alpha": 1.25, "dropout_rate": 0.0, "classes": 7, "classifier_activation": None}, 33),
]
# A ConvNeXt small enough to build in Keras, save and load in a second, with every layer kind
# of the five variants (stochastic depth grows from 0: the first block keeps Keras's identity
# Activation); it stands in for them in the output and file tests.
MINI = {"depths": [1, 1, 2, 1], "projection_dims": [8, 16, 32, 64], "drop_path_rate": 0.2,
        "name": "convnext_mini", "input_shape": (32, 32, 3), "classes": 5, "classifier_activation": None}
# Big variants: architecture only, against Keras's numbers recorded by
# tests/applications/_record_mobilenet_v3_convnext_architectures.py (parameter count, layer count, digest
# of the layer names).
ARCHITECTURE_CASES = [
    ("ConvNeXtTiny", {"include_top": False, "pooling": "avg"}), ("ConvNeXtSmall", {}), ("ConvNeXtBase", {}), ("ConvNeXtLarge", {"include_top": False}), ("ConvNeXtXLarge", {}),
    ("MobileNetV3Large", {}), ("MobileNetV3Large", {"alpha": 0.75, "minimalistic": True}),
    ("MobileNetV3Large", {"alpha": 1.5, "include_top": False}), ("MobileNetV3Small", {"alpha": 0.75}),
]
ARCHITECTURES = {
    "ConvNeXtTiny-include_top=False-pooling=avg": (27820128, 134, "3de38926a1951fbf"),
    "ConvNeXtSmall": (50223688, 261, "50316de3cea22fb1"),
    "ConvNeXtBase": (88591464, 261, "476326f448b467dc"),
    "ConvNeXtLarge-include_top=False": (196230336, 259, "2fe075683895455f"),
    "ConvNeXtXLarge": (350196968, 261, "1f40b975d306e095"),
    "MobileNetV3Large": (5507432, 194, "0e1897144eaf9427"),
    "MobileNetV3Large-alpha=0.75-minimalistic=True": (3069400, 146, "2e68f5c8c4ede12c"),
    "MobileNetV3Large-alpha=1.5-include_top=False": (6677040, 186, "a4d38bfc9372f73d"),
    "MobileNetV3Small-alpha=0.75": (2051552, 164, "c5b12584cdaa6c5e"),
}


def architecture_id(name, kwargs):
    return name + "".join(f"-{key}={value}" for key, value in sorted(kwargs.items()))


def layer_names(model):
    return [layer.name for layer in model.layers]


def perturbed(weights, seed):
    """Weights moved off their initial values (LayerScale's 1e-6 and BatchNorm's 0/1 hide mistakes)."""
    rng = np.random.default_rng(seed)
    return [w + rng.uniform(0.5, 1.0, size=w.shape).astype(w.dtype) * 0.1 for w in weights]


def predictions(model, x):
    out = model.predict(x, verbose=0)
    return out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)


def graph_summary(config):
    """Each layer of a functional config: class, module, registered name, name, and the
    layers feeding it (the parts of a config two libraries must agree on)."""
    def sources(node):
        flat = [a for arg in node["args"] for a in (arg if isinstance(arg, list) else [arg])]
        return [a["config"]["keras_history"][0] for a in flat if isinstance(a, dict) and "keras_history" in a.get("config", {})]

    return [(entry["class_name"], entry["module"], entry["registered_name"], entry["name"],
             [sources(node) for node in entry["inbound_nodes"]]) for entry in config["layers"]]


@pytest.mark.parametrize("name, kwargs, size", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_constructor_matches_keras(name, kwargs, size):
    keras.backend.clear_session()
    theirs = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3), **kwargs)
    ours = getattr(applications, name)(weights=None, input_shape=(size, size, 3), **kwargs)
    assert ours.count_params() == theirs.count_params()
    assert layer_names(ours) == layer_names(theirs)
    assert ours.name == theirs.name
    assert graph_summary(ours.get_config()) == graph_summary(theirs.get_config())
    ours.set_weights(perturbed(theirs.get_weights(), 0))
    theirs.set_weights(ours.get_weights())
    x = np.random.default_rng(1).uniform(0, 255, size=(2, size, size, 3)).astype("float32")
    x = getattr(keras.applications, applications._CONSTRUCTORS[name]).preprocess_input(x)
    expected = predictions(theirs, x)
    np.testing.assert_allclose(predictions(ours, x), expected, rtol=2e-4, atol=2e-4 * np.abs(expected).max())


def test_convnext_with_stochastic_depth_matches_keras_and_configs_cross_over():
    keras.backend.clear_session()
    theirs = keras_convnext.ConvNeXt(**MINI)
    ours = ConvNeXt(**MINI)
    assert (ours.count_params(), layer_names(ours)) == (theirs.count_params(), layer_names(theirs))
    assert graph_summary(ours.get_config()) == graph_summary(theirs.get_config())
    assert isinstance(ours.get_layer("convnext_mini_stage_2_block_1_stochastic_depth"), StochasticDepth)
    # Each library rebuilds the other's config, with ConvNeXt's own layer classes.
    from_keras = lamina.Model.from_config(theirs.get_config())
    from_lamina = keras.Model.from_config(ours.get_config())
    assert isinstance(from_keras.get_layer("convnext_mini_stage_0_block_0_layer_scale"), LayerScale)
    assert isinstance(from_lamina.get_layer("convnext_mini_stage_0_block_0_layer_scale"), keras_convnext.LayerScale)
    assert from_keras.count_params() == from_lamina.count_params() == theirs.count_params()
    ours.set_weights(perturbed(theirs.get_weights(), 2))
    theirs.set_weights(ours.get_weights())
    x = np.random.default_rng(3).uniform(0, 255, size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(predictions(ours, x), predictions(theirs, x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("direction", ["keras-to-lamina", "lamina-to-keras"])
def test_convnext_keras_files_load_both_ways(tmp_path, direction):
    keras.backend.clear_session()
    saver, loader = (keras, lamina) if direction == "keras-to-lamina" else (lamina, keras)
    model = keras_convnext.ConvNeXt(**MINI) if saver is keras else ConvNeXt(**MINI)
    model.set_weights(perturbed(model.get_weights(), 4))
    path = tmp_path / "convnext_mini.keras"
    model.save(path)
    loaded = loader.models.load_model(path)
    assert layer_names(loaded) == layer_names(model)
    x = np.random.default_rng(5).uniform(0, 255, size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(predictions(loaded, x), predictions(model, x), rtol=1e-5, atol=1e-5)
    layer_scale = loaded.get_layer("convnext_mini_stage_3_block_0_layer_scale")
    assert type(layer_scale).__name__ == "LayerScale" and layer_scale.projection_dim == 64


def test_stochastic_depth_drops_whole_samples_in_training_only():
    layer = StochasticDepth(0.5)
    x = torch.ones(400, 3, 3, 2)
    assert layer(x) is x or torch.equal(layer(x), x)
    out = layer(x, training=True)
    per_sample = out.flatten(1)
    assert set(per_sample.unique().tolist()) <= {0.0, 2.0}
    assert (per_sample == per_sample[:, :1]).all()  # a sample is dropped whole or kept whole
    assert 0.3 < (per_sample[:, 0] == 0).float().mean() < 0.7


def test_extra_layers_check_their_arguments():
    with pytest.raises(ConfigurationError, match="drop_path_rate"):
        StochasticDepth(1.5)
    with pytest.raises(ConfigurationError, match="projection_dim"):
        LayerScale(1e-6, 0)
    with pytest.raises(ConfigurationError, match="projection_dim=8"):
        LayerScale(1e-6, 4)(torch.ones(1, 2, 2, 8))


def test_arguments_are_checked_with_clear_messages():
    with pytest.raises(ConfigurationError, match="alpha"):
        applications.MobileNetV3Small(weights="imagenet", alpha=0.5)
    with pytest.raises(ConfigurationError, match="minimalistic=True"):
        applications.MobileNetV3Large(weights="imagenet", alpha=0.75, minimalistic=True)
    with pytest.raises(ConfigurationError, match="at least 32x32"):
        applications.MobileNetV3Small(weights=None, input_shape=(16, 16, 3))
    with pytest.raises(ConfigurationError, match="classes=10"):
        applications.ConvNeXtTiny(weights="imagenet", classes=10)
    with pytest.raises(ConfigurationError, match="must contain 'convnext_tiny'"):
        applications.ConvNeXtTiny(weights="imagenet", include_top=False, input_shape=(32, 32, 3), name="mine")
    with pytest.raises(ConfigurationError, match="depths"):
        ConvNeXt([1, 1, 1], [8, 16, 32])


def test_mobilenet_v3_takes_any_input_size_with_its_top():
    model = applications.MobileNetV3Small(weights=None, alpha=0.75, minimalistic=True, classes=3)
    assert model.input_shape == (None, None, None, 3)
    assert predictions(model, np.zeros((1, 48, 64, 3), "float32")).shape == (1, 3)


def test_input_tensor_after_other_layers_keeps_the_source_input():
    images = lamina.Input((32, 32, 3))
    flipped = lamina.layers.RandomFlip()(images)
    model = ConvNeXt(**{**MINI, "input_shape": None}, input_tensor=flipped)
    assert model.inputs[0] is images
    model = applications.MobileNetV3Small(weights=None, alpha=0.75, include_top=False, pooling="avg",
                                          input_tensor=flipped)
    assert model.inputs[0] is images and model.output.shape == (None, 432)


def test_preprocess_input_and_decode_predictions_follow_keras():
    x = np.random.default_rng(6).uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")
    for module in ("mobilenet_v3", "convnext"):
        ours = getattr(applications, module)
        np.testing.assert_array_equal(ours.preprocess_input(x), getattr(keras.applications, module).preprocess_input(x))
        with pytest.raises(lamina.errors.InputError, match="shape"):
            ours.decode_predictions(np.zeros((2, 10)))


def _legacy_file(model, path):
    with h5py.File(path, "w") as handle:
        legacy.save_weights_to_hdf5_group(handle, model)
    return path.read_bytes()


def test_imagenet_weights_come_through_get_file_with_keras_file_names(tmp_path, monkeypatch):
    keras.backend.clear_session()
    source = keras.applications.MobileNetV3Small(weights=None, include_top=False, input_shape=(32, 32, 3))
    source.set_weights(perturbed(source.get_weights(), 7))
    body = _legacy_file(source, tmp_path / "served.h5")
    name = "mobilenet_v3/weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    with serving() as served:
        served.files[name] = body
        monkeypatch.setenv("LAMINA_APPLICATIONS_URL", served.base_url)
        with pytest.raises(DownloadError, match="md5"), pytest.warns(UserWarning, match="224x224"):
            applications.MobileNetV3Small(include_top=False, input_shape=(32, 32, 3))  # not Keras's file
        monkeypatch.setitem(applications.mobilenet_v3.WEIGHTS_HASHES, "small_224_1.0_float",
                            ("0" * 32, hashlib.md5(body).hexdigest()))
        with pytest.warns(UserWarning, match="224x224"):
            ours = applications.MobileNetV3Small(include_top=False, input_shape=(32, 32, 3))
        # ConvNeXt's file name and subdirectory: the missing file's error names them.
        with pytest.raises(DownloadError, match="convnext_tiny_notop.h5"):
            applications.ConvNeXtTiny(include_top=False, input_shape=(32, 32, 3))
        assert "convnext/convnext_tiny_notop.h5" in served.requests
    x = np.random.default_rng(8).uniform(0, 255, size=(1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(predictions(ours, x), predictions(source, x), rtol=2e-4, atol=2e-4)


def test_convnext_loads_keras_legacy_h5_weights_from_a_path(tmp_path):
    keras.backend.clear_session()
    source = keras_convnext.ConvNeXt(**MINI)
    source.set_weights(perturbed(source.get_weights(), 9))
    _legacy_file(source, tmp_path / "mini.h5")
    ours = ConvNeXt(**MINI, weights=str(tmp_path / "mini.h5"))
    x = np.random.default_rng(10).uniform(0, 255, size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(predictions(ours, x), predictions(source, x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name, kwargs", ARCHITECTURE_CASES, ids=[architecture_id(*c) for c in ARCHITECTURE_CASES])
def test_big_variants_have_keras_architecture(name, kwargs, cheap_initializers):
    model = getattr(applications, name)(weights=None, **kwargs)
    names = layer_names(model)
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]
    assert (model.count_params(), len(names), digest) == ARCHITECTURES[architecture_id(name, kwargs)]
