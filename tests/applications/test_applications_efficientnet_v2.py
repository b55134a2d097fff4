"""lamina.applications.efficientnet_v2 against keras.applications.efficientnet_v2: parameter
counts, layer names, configs and outputs with Keras's weights copied across (B0, and a
small S built by the generic constructor, which takes the other preprocessing and the
fused blocks without expansion), .keras files both ways, and the ImageNet files served by
a local HTTP server. The big variants are compared with Keras's numbers recorded by running
this file as a script (``PYTHONPATH=tests python tests/applications/test_applications_efficientnet_v2.py``)."""

import hashlib
import os

import h5py
import numpy as np
import pytest
from local_http_server import serving

import lamina
from lamina import applications
from lamina.applications import efficientnet_v2, imagenet_utils
from lamina.backend.naming import clear_session
from lamina.errors import ConfigurationError
from lamina.layers.deferred_init import skip_initializers

os.environ.setdefault("KERAS_BACKEND", "torch")  # as conftest.py, for the recording script below
import keras
import keras.src.applications.efficientnet_v2 as keras_v2
import keras.src.legacy.saving.legacy_h5_format as legacy

SIZE = 32
# Architecture only (parameter count, layer count, digest of the layer names), against Keras.
ARCHITECTURE_CASES = [
    ("EfficientNetV2B0", {"classes": 10, "include_preprocessing": False}),
    ("EfficientNetV2B1", {"include_top": False}),
    ("EfficientNetV2B2", {}),
    ("EfficientNetV2B3", {"include_top": False, "pooling": "avg"}),
    ("EfficientNetV2S", {}),
    ("EfficientNetV2M", {"include_top": False, "include_preprocessing": False}),
    ("EfficientNetV2L", {}),
]
ARCHITECTURES = {
    "EfficientNetV2B0": (5932122, 271, "0892b0b1fda7072c"),
    "EfficientNetV2B1": (6931124, 334, "e61ee1a512e995f2"),
    "EfficientNetV2B2": (10178374, 352, "277674202d5cd0aa"),
    "EfficientNetV2B3": (12930622, 410, "5ffa6dd34cef3deb"),
    "EfficientNetV2S": (21612360, 516, "3cfd727d5dd1b334"),
    "EfficientNetV2M": (53150388, 739, "ca704cb6bc2570be"),
    "EfficientNetV2L": (119027848, 1031, "48b277d4926cd062"),
}


def layer_names(model):
    return [layer.name for layer in model.layers]


def architecture(model):
    names = layer_names(model)
    return model.count_params(), len(names), hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]


def copy_keras_weights(ours, theirs, seed):
    """Keras's weights into ours, BatchNormalization statistics moved off 0/1 first."""
    rng = np.random.default_rng(seed)
    theirs.set_weights([w + rng.uniform(0.0, 0.05, size=w.shape).astype(w.dtype) for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())


def assert_same_outputs(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    scale = np.abs(expected).max()  # untrained deep networks: values span many orders of magnitude
    assert np.abs(got - expected).max() <= 1e-4 * scale, (np.abs(got - expected).max(), scale)


def images(seed=0, size=SIZE):
    return np.random.default_rng(seed).uniform(0, 255, size=(2, size, size, 3)).astype("float32")


@pytest.fixture(scope="module")
def b0_pair():
    """EfficientNetV2B0 features, built by both with the same weights."""
    kwargs = {"weights": None, "include_top": False, "pooling": "avg", "input_shape": (SIZE, SIZE, 3)}
    keras.backend.clear_session()
    clear_session()
    theirs = keras.applications.EfficientNetV2B0(**kwargs)
    ours = applications.EfficientNetV2B0(**kwargs)
    copy_keras_weights(ours, theirs, seed=0)
    return ours, theirs


def test_b0_matches_keras(b0_pair):
    ours, theirs = b0_pair
    assert ours.name == theirs.name == "efficientnetv2-b0"
    assert ours.count_params() == theirs.count_params()
    assert layer_names(ours) == layer_names(theirs)
    x = images()
    assert_same_outputs(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))


def _without_format_details(value):
    """A config without what lamina writes differently yet equivalently (dtype policies,
    build shapes, keys left at None)."""
    if isinstance(value, dict):
        return {key: _without_format_details(item) for key, item in value.items()
                if item is not None and key not in ("dtype", "build_config")}
    if isinstance(value, (list, tuple)):
        return [_without_format_details(item) for item in value]
    return value


def test_b0_configs_match_keras(b0_pair):
    ours, theirs = (model.get_config() for model in b0_pair)
    assert len(ours["layers"]) == len(theirs["layers"])
    for mine, keras_layer in zip(ours["layers"], theirs["layers"]):
        assert (mine["class_name"], mine["name"]) == (keras_layer["class_name"], keras_layer["name"])
        if keras_layer["class_name"] != "InputLayer":
            assert _without_format_details(mine["config"]) == _without_format_details(keras_layer["config"]), mine["name"]
        inbound = [[arg["config"]["keras_history"][0] for arg in lamina.tree.flatten(node["args"])
                    if isinstance(arg, dict) and "keras_history" in arg.get("config", {})]
                   for node in mine["inbound_nodes"]]
        keras_inbound = [[arg["config"]["keras_history"][0] for arg in keras.tree.flatten(node["args"])
                          if isinstance(arg, dict) and "keras_history" in arg.get("config", {})]
                         for node in keras_layer["inbound_nodes"]]
        assert inbound == keras_inbound, mine["name"]


def test_b0_model_files_cross_over_both_ways(b0_pair, tmp_path):
    ours, theirs = b0_pair
    x = images(seed=1)
    ours.save(tmp_path / "lamina_made.keras")
    in_keras = keras.models.load_model(tmp_path / "lamina_made.keras")
    assert layer_names(in_keras) == layer_names(ours)
    assert_same_outputs(in_keras.predict(x, verbose=0), ours.predict(x, verbose=0))
    theirs.save(tmp_path / "keras_made.keras")
    in_lamina = lamina.models.load_model(tmp_path / "keras_made.keras")
    assert layer_names(in_lamina) == layer_names(theirs)
    assert_same_outputs(in_lamina.predict(x, verbose=0), theirs.predict(x, verbose=0))


def test_a_small_s_matches_keras_with_its_classifier():
    # S's stages at a quarter width and two blocks each: fused blocks without expansion (with
    # a residual), the [-1, 1] input scaling of S/M/L, and the classifier, in seconds.
    stages = [dict(stage, num_repeat=min(2, stage["num_repeat"])) for stage in keras_v2.DEFAULT_BLOCKS_ARGS["efficientnetv2-s"]]
    kwargs = {"width_coefficient": 0.25, "depth_coefficient": 1.0, "default_size": SIZE, "name": "efficientnetv2-s",
              "blocks_args": stages, "weights": None, "classes": 7, "classifier_activation": None}
    keras.backend.clear_session()
    theirs = keras_v2.EfficientNetV2(**kwargs)
    ours = efficientnet_v2.EfficientNetV2(**kwargs)
    assert ours.count_params() == theirs.count_params()
    assert layer_names(ours) == layer_names(theirs)
    assert "block1b_project_activation" in layer_names(ours) and "rescaling" in layer_names(ours)
    copy_keras_weights(ours, theirs, seed=2)
    x = images(seed=3)
    assert_same_outputs(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))


@pytest.mark.parametrize("name, kwargs", ARCHITECTURE_CASES, ids=[case[0] for case in ARCHITECTURE_CASES])
def test_variants_have_keras_architecture(name, kwargs):
    with skip_initializers():  # only the architecture counts here: no weight is drawn
        model = getattr(applications, name)(weights=None, **kwargs)
    assert architecture(model) == ARCHITECTURES[name]


def test_imagenet_files_are_keras_files():
    assert efficientnet_v2.WEIGHTS_HASHES == keras_v2.WEIGHTS_HASHES
    for key, variant in efficientnet_v2.VARIANT_NAMES.items():
        for suffix in (".h5", "_notop.h5"):
            assert applications.weights.weights_url("efficientnet_v2", variant + suffix) == (
                keras_v2.BASE_WEIGHTS_PATH + variant + suffix), key


def test_imagenet_weights_come_through_get_file(b0_pair, tmp_path, monkeypatch):
    ours, theirs = b0_pair
    with h5py.File(tmp_path / "served.h5", "w") as handle:
        legacy.save_weights_to_hdf5_group(handle, theirs)
    body = (tmp_path / "served.h5").read_bytes()
    monkeypatch.setitem(efficientnet_v2.WEIGHTS_HASHES, "b0", ("0" * 32, hashlib.sha256(body).hexdigest()))
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    with serving() as served:
        served.files["efficientnet_v2/efficientnetv2-b0_notop.h5"] = body
        monkeypatch.setenv("LAMINA_APPLICATIONS_URL", served.base_url)
        loaded = applications.EfficientNetV2B0(weights="imagenet", include_top=False, pooling="avg",
                                               input_shape=(SIZE, SIZE, 3), name="my_features")
    assert loaded.name == "my_features"  # the file is the variant's whatever the model's name
    assert (tmp_path / "home" / "models" / "efficientnetv2-b0_notop.h5").exists()
    x = images(seed=4)
    assert_same_outputs(loaded.predict(x, verbose=0), theirs.predict(x, verbose=0))


def test_preprocess_input_and_decode_predictions(monkeypatch):
    x = images(seed=5)
    np.testing.assert_array_equal(efficientnet_v2.preprocess_input(x), keras_v2.preprocess_input(x.copy()))
    monkeypatch.setattr(imagenet_utils, "_class_index", {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)})
    preds = np.zeros((1, 1000), "float32")
    preds[0, 42] = 1.0
    assert efficientnet_v2.decode_predictions(preds, top=1) == [[("n00000042", "class_42", 1.0)]]


def test_bad_arguments_name_what_to_change():
    with pytest.raises(ConfigurationError, match="weights_name='b7'"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, weights=None, weights_name="b7")
    with pytest.raises(ConfigurationError, match="name='mine'"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, weights=None, name="mine")
    stages = [dict(efficientnet_v2.DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"][0], num_repeat=0)]
    with pytest.raises(ConfigurationError, match="num_repeat=0"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, weights=None, name="mine", blocks_args=stages)
    with pytest.raises(ConfigurationError, match="classes=10"):
        applications.EfficientNetV2S(weights="imagenet", classes=10)


if __name__ == "__main__":  # records ARCHITECTURES from Keras (slow: builds each variant with Keras)
    for case_name, case_kwargs in ARCHITECTURE_CASES:
        keras.backend.clear_session()
        recorded = architecture(getattr(keras.applications, case_name)(weights=None, **case_kwargs))
        print(f'    "{case_name}": {recorded},', flush=True)
