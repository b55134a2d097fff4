"""InceptionResNetV2 and NASNet against keras.applications (weights=None): parameter counts,
layer names, configs and outputs with Keras's weights copied across; InceptionResNetV2's
CustomScaleLayer in .keras files both ways; NASNet's input-size rules and ImageNet-style
weights from a local HTTP server under Keras's file names."""

import hashlib

import h5py
import keras
import keras.src.applications.nasnet as keras_nasnet
import keras.src.legacy.saving.legacy_h5_format as legacy
import numpy as np
import pytest
import torch
from local_http_server import serving

import lamina
from lamina import applications
from lamina.applications.custom_scale_layer import CustomScaleLayer
from lamina.errors import ConfigurationError, DownloadError, InputError

IRV2_SIZE, NASNET_SIZE = 75, 32  # the smallest inputs Keras allows
# Big variants: architecture only, against Keras's numbers recorded by
# tests/applications/_record_inception_resnet_nasnet_architectures.py (parameter count, layer count,
# digest of the layer names).
ARCHITECTURE_CASES = [("InceptionResNetV2", {}), ("NASNetMobile", {}), ("NASNetLarge", {})]
ARCHITECTURES = {
    "InceptionResNetV2": (55873736, 782, "9effa8cbed907c9b"),
    "NASNetMobile": (5326716, 771, "04e7ba45dfd4fa46"),
    "NASNetLarge": (88949818, 1041, "e4007a8aeb85464e"),
}


def keras_nasnet_mobile(input_shape=None, include_top=True, name="nasnet_mobile", **kwargs):
    """Keras's NASNetMobile, which Keras 3.15 refuses on its torch backend: the same NASNet call."""
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return keras_nasnet.NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                               skip_reduction=False, filter_multiplier=2, include_top=include_top,
                               default_size=224, name=name, **kwargs)


def architecture_id(name, kwargs):
    return name + "".join(f"-{key}={value}" for key, value in sorted(kwargs.items()))


def layer_names(model):
    return [layer.name for layer in model.layers]


def predictions(model, x):
    out = model.predict(x, verbose=0)
    return out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)


def assert_close(got, expected):
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def graph_summary(config):
    """Each layer of a functional config: class, module, registered name, name and the layers
    feeding it (the parts of a config two libraries must agree on)."""
    def sources(node):
        flat = [a for arg in node["args"] for a in (arg if isinstance(arg, list) else [arg])]
        return [a["config"]["keras_history"][0] for a in flat if isinstance(a, dict) and "keras_history" in a.get("config", {})]

    return [(entry["class_name"], entry["module"], entry["registered_name"], entry["name"],
             [sources(node) for node in entry["inbound_nodes"]]) for entry in config["layers"]]


def with_moved_statistics(keras_model, seed):
    """Keras's random weights, with BatchNormalization statistics away from 0/1 (so a mix-up
    shows); small changes keep 40 residual blocks from overflowing."""
    rng = np.random.default_rng(seed)
    for layer in keras_model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.1, layer.moving_mean.shape).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape).astype("float32"))
    return keras_model


def build_pair(keras_build, lamina_build, size, seed):
    """(ours, theirs, images, Keras's outputs), ours holding Keras's weights."""
    keras.backend.clear_session()
    lamina.backend.clear_session()
    theirs = with_moved_statistics(keras_build(weights=None, input_shape=(size, size, 3)), seed)
    ours = lamina_build(weights=None, input_shape=(size, size, 3))
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(seed + 1).uniform(-1, 1, size=(2, size, size, 3)).astype("float32")
    return ours, theirs, x, predictions(theirs, x)


@pytest.fixture(scope="module")
def inception_resnet_pair():
    return build_pair(lambda **kw: keras.applications.InceptionResNetV2(include_top=False, **kw),
                      lambda **kw: applications.InceptionResNetV2(include_top=False, **kw), IRV2_SIZE, 0)


@pytest.fixture(scope="module")
def nasnet_mobile_pair():
    return build_pair(lambda **kw: keras_nasnet_mobile(include_top=False, pooling="avg", **kw),
                      lambda **kw: applications.NASNetMobile(include_top=False, pooling="avg", **kw), NASNET_SIZE, 2)


@pytest.mark.parametrize("pair", ["inception_resnet_pair", "nasnet_mobile_pair"])
def test_constructor_matches_keras(pair, request):
    ours, theirs, x, expected = request.getfixturevalue(pair)
    assert ours.count_params() == theirs.count_params()
    assert layer_names(ours) == layer_names(theirs)
    assert ours.name == theirs.name
    assert graph_summary(ours.get_config()) == graph_summary(theirs.get_config())
    assert_close(predictions(ours, x), expected)


def test_custom_scale_layer_saves_as_keras_writes_it(inception_resnet_pair):
    ours, theirs, _, _ = inception_resnet_pair

    def entry(model, name):
        found = next(e for e in model.get_config()["layers"] if e["name"] == name)
        # lamina writes the dtype policy by its name, which Keras reads as the same policy.
        config = {key: value for key, value in found["config"].items() if key != "dtype"}
        return {**{key: found[key] for key in ("module", "class_name", "registered_name", "name")}, "config": config}

    for name in ("custom_scale_layer", "custom_scale_layer_29", "custom_scale_layer_39"):  # 0.17, 0.2, 1.0
        assert entry(ours, name) == entry(theirs, name)
    assert entry(ours, "custom_scale_layer")["module"] == "keras.src.applications.inception_resnet_v2"
    assert isinstance(ours.get_layer("custom_scale_layer_10"), CustomScaleLayer)
    assert ours.get_layer("custom_scale_layer_10").scale == 0.1


@pytest.mark.parametrize("direction", ["keras-to-lamina", "lamina-to-keras"])
def test_inception_resnet_v2_keras_files_load_both_ways(inception_resnet_pair, tmp_path, direction):
    ours, theirs, x, expected = inception_resnet_pair
    saved, loader = (theirs, lamina) if direction == "keras-to-lamina" else (ours, keras)
    path = tmp_path / "inception_resnet_v2.keras"
    saved.save(path)
    loaded = loader.models.load_model(path)
    assert layer_names(loaded) == layer_names(theirs)
    assert type(loaded.get_layer("custom_scale_layer_5")).__name__ == "CustomScaleLayer"
    assert_close(predictions(loaded, x), expected)


def test_custom_scale_layer_checks_its_arguments():
    assert torch.equal(CustomScaleLayer(0.5)([torch.ones(2, 3), torch.full((2, 3), 4.0)]), torch.full((2, 3), 3.0))
    with pytest.raises(ConfigurationError, match="scale must be a number"):
        CustomScaleLayer("0.1")
    with pytest.raises(InputError, match=r"\[shortcut, residual\]"):
        CustomScaleLayer(0.1)(torch.ones(2, 3))


def test_nasnet_input_size_rules_give_clear_errors():
    with pytest.raises(ConfigurationError, match="fixed image size.*input_shape=\\(331, 331, 3\\)"):
        applications.NASNetLarge(weights=None, include_top=False)
    with pytest.raises(ConfigurationError, match="static input shape"):
        applications.NASNetMobile(include_top=False, input_shape=(None, None, 3))
    with pytest.raises(ConfigurationError, match=r"must be \(331, 331, 3\)"):
        applications.NASNetLarge(input_shape=(224, 224, 3))
    with pytest.raises(ConfigurationError, match=r"must be \(224, 224, 3\)"):
        applications.NASNetMobile(input_shape=(331, 331, 3))
    with pytest.raises(ConfigurationError, match="at least 32x32"):
        applications.NASNetMobile(weights=None, include_top=False, input_shape=(31, 31, 3))
    with pytest.raises(ConfigurationError, match="classes=10"):
        applications.NASNetMobile(classes=10)
    with pytest.raises(ConfigurationError, match="input_shape must be"):
        applications.InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75))
    with pytest.raises(ConfigurationError, match="at least 75x75"):
        applications.InceptionResNetV2(weights=None, include_top=False, input_shape=(74, 74, 3))


def test_preprocess_input_and_decode_predictions_follow_keras():
    x = np.random.default_rng(6).uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")
    for module in ("inception_resnet_v2", "nasnet"):
        ours = getattr(applications, module)
        np.testing.assert_allclose(ours.preprocess_input(x), getattr(keras.applications, module).preprocess_input(x.copy()),
                                   rtol=1e-6)
        with pytest.raises(InputError, match="shape"):
            ours.decode_predictions(np.zeros((2, 10)))


def _legacy_file(model, path):
    with h5py.File(path, "w") as handle:
        legacy.save_weights_to_hdf5_group(handle, model)
    return path.read_bytes()


def test_imagenet_weights_use_keras_file_names(nasnet_mobile_pair, tmp_path, monkeypatch):
    _, theirs, x, expected = nasnet_mobile_pair
    body = _legacy_file(theirs, tmp_path / "served.h5")
    published = "nasnet/NASNet-mobile-no-top.h5"
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    mobile = applications.nasnet.WEIGHTS["mobile"]
    # A file of our own, so its md5 replaces Keras's listed one.
    monkeypatch.setitem(applications.nasnet.WEIGHTS, "mobile", (mobile[0], mobile[1][:2] + (hashlib.md5(body).hexdigest(),)))
    with serving() as served:
        served.files[published] = body
        monkeypatch.setenv("LAMINA_APPLICATIONS_URL", served.base_url)
        ours = applications.NASNetMobile(include_top=False, pooling="avg", input_shape=(NASNET_SIZE, NASNET_SIZE, 3))
        # InceptionResNetV2's file: the missing file's error names it.
        with pytest.raises(DownloadError, match="inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"):
            applications.InceptionResNetV2(include_top=False, input_shape=(IRV2_SIZE, IRV2_SIZE, 3))
    assert served.requests == [published, "inception_resnet_v2/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"]
    assert (tmp_path / "home" / "models" / "nasnet_mobile_no_top.h5").exists()  # Keras's cached name
    assert_close(predictions(ours, x), expected)


@pytest.mark.parametrize("name, kwargs", ARCHITECTURE_CASES, ids=[architecture_id(*c) for c in ARCHITECTURE_CASES])
def test_big_variants_have_keras_architecture(name, kwargs, cheap_initializers):
    model = getattr(applications, name)(weights=None, **kwargs)
    names = layer_names(model)
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]
    assert (model.count_params(), len(names), digest) == ARCHITECTURES[architecture_id(name, kwargs)]
