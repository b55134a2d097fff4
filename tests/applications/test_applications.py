"""lamina.applications against keras.applications (weights=None): parameter counts, layer
names, and outputs with Keras's weights copied across; ImageNet-style weights served by a
local HTTP server in Keras's legacy h5 format."""

import hashlib

import h5py
import keras
import keras.src.legacy.saving.legacy_h5_format as legacy
import numpy as np
import pytest
from local_http_server import serving

import lamina
from lamina import applications
from lamina.errors import ConfigurationError, DownloadError

# (constructor, keyword arguments, input size) kept small: the file runs in well under a minute.
CASES = [
    ("ResNet50", {"include_top": False, "pooling": "avg"}, 32),
    ("ResNet50V2", {"include_top": False, "pooling": "max"}, 32),
    ("VGG16", {"include_top": False}, 32),
    ("VGG19", {"include_top": False, "pooling": "avg"}, 32),
    ("MobileNet", {"alpha": 0.25, "classes": 10}, 32),
    ("MobileNet", {"alpha": 0.5, "depth_multiplier": 2, "include_top": False}, 33),
    ("MobileNetV2", {"alpha": 0.35, "classes": 7, "classifier_activation": None}, 32),
    ("MobileNetV2", {"alpha": 1.3, "include_top": False, "pooling": "avg"}, 35),
    ("DenseNet121", {"include_top": False, "pooling": "avg"}, 32),
    ("EfficientNetB0", {"include_top": False, "pooling": "max"}, 33),
    ("Xception", {"include_top": False, "pooling": "avg"}, 71),
    ("InceptionV3", {"include_top": False, "pooling": "max"}, 75),
]
# Deep variants: architecture only, against Keras's numbers recorded by
# tests/applications/_record_application_architectures.py (parameter count, layer count, digest of the
# layer names): building them with Keras too would take minutes.
ARCHITECTURE_CASES = [
    ("ResNet101", {}), ("ResNet152V2", {"include_top": False}), ("DenseNet169", {}),
    ("DenseNet201", {"include_top": False}), ("EfficientNetB0", {"classes": 10}),
    *[(f"EfficientNetB{i}", {"include_top": i % 2 == 0}) for i in range(1, 8)],
    ("Xception", {}), ("InceptionV3", {}),
]
ARCHITECTURES = {
    "ResNet101": (44707176, 347, "f8fd02aff5e8eb13"),
    "ResNet152V2": (58331648, 564, "0e6efff85ae3b576"),
    "DenseNet169": (14307880, 597, "b22133b05d379557"),
    "DenseNet201": (18321984, 707, "404b798cc3d673be"),
    "EfficientNetB0": (4062381, 240, "2a33d66a157eb509"),
    "EfficientNetB1": (6575239, 339, "0b6a9e95785ee0ae"),
    "EfficientNetB2": (9177569, 342, "538f6984928f5b5a"),
    "EfficientNetB3": (10783535, 384, "0477cbe3f277487a"),
    "EfficientNetB4": (19466823, 477, "4037d14e1a3a9ddf"),
    "EfficientNetB5": (28513527, 576, "1668936b0d3a5000"),
    "EfficientNetB6": (43265143, 669, "e24acb4baae7ccf3"),
    "EfficientNetB7": (64097687, 813, "f92db96ca173ec03"),
    "Xception": (22910480, 134, "20d6f32195d227b9"),
    "InceptionV3": (23851784, 313, "ea63f6b128bd8699"),
}

def build_both(name, kwargs, size):
    shape = {"input_shape": (size, size, 3)} if size else {}
    keras.backend.clear_session()
    theirs = getattr(keras.applications, name)(weights=None, **shape, **kwargs)
    lamina.backend.clear_session() if hasattr(lamina.backend, "clear_session") else None
    ours = getattr(applications, name)(weights=None, **shape, **kwargs)
    return ours, theirs


def layer_names(model):
    return [layer.name for layer in model.layers]


@pytest.mark.parametrize("name, kwargs, size", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_constructor_matches_keras(name, kwargs, size):
    ours, theirs = build_both(name, kwargs, size)
    assert ours.count_params() == theirs.count_params()
    assert layer_names(ours) == layer_names(theirs)
    assert ours.name == theirs.name
    rng = np.random.default_rng(0)
    # Copy across with non-trivial BatchNormalization statistics.
    ours.set_weights([w + rng.uniform(0.0, 0.05, size=w.shape).astype(w.dtype) for w in theirs.get_weights()])
    theirs.set_weights(ours.get_weights())
    x = rng.uniform(0, 255, size=(2, size, size, 3)).astype("float32")
    x = getattr(keras.applications, _module(name)).preprocess_input(x.copy())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("name, kwargs", ARCHITECTURE_CASES, ids=[c[0] for c in ARCHITECTURE_CASES])
def test_deep_variants_have_keras_architecture(name, kwargs, cheap_initializers):
    model = getattr(applications, name)(weights=None, **kwargs)
    names = layer_names(model)
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]
    assert (model.count_params(), len(names), digest) == ARCHITECTURES[name]


def _module(name):
    return "resnet50" if name == "ResNet50" else applications._CONSTRUCTORS[name]


@pytest.mark.parametrize("module, mode", [("resnet", "caffe"), ("vgg16", "caffe"), ("mobilenet", "tf"),
                                          ("resnet_v2", "tf")])
def test_preprocess_input_matches_keras(module, mode):
    x = np.random.default_rng(1).uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")
    theirs = getattr(keras.applications, "resnet50" if module == "resnet" else module).preprocess_input(x.copy())
    np.testing.assert_allclose(getattr(applications, module).preprocess_input(x), theirs, rtol=1e-6)
    torch_mode = applications.imagenet_utils.preprocess_input(x, mode="torch")
    keras_torch = keras.applications.imagenet_utils.preprocess_input(x.copy(), mode="torch")
    np.testing.assert_allclose(torch_mode, keras_torch, rtol=1e-5)


def test_arguments_are_checked_with_keras_messages():
    with pytest.raises(ConfigurationError, match="weights must be None"):
        applications.VGG16(weights="/no/such/file.h5")
    with pytest.raises(ConfigurationError, match="classes=10"):
        applications.ResNet50(weights="imagenet", classes=10)
    with pytest.raises(ConfigurationError, match="at least 32x32"):
        applications.MobileNet(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ConfigurationError, match="pooling"):
        applications.VGG16(weights=None, include_top=False, pooling="mean")


def test_input_tensor_is_used_as_the_image_input():
    inputs = lamina.Input((32, 32, 3))
    model = applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_tensor=inputs, pooling="avg")
    assert model.inputs[0] is inputs
    assert model.output.shape == (None, 256)


def _legacy_file(model, path):
    with h5py.File(path, "w") as handle:
        legacy.save_weights_to_hdf5_group(handle, model)
    return path.read_bytes()


def test_imagenet_weights_come_through_get_file_from_a_local_server(tmp_path, monkeypatch):
    keras.backend.clear_session()
    source = keras.applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    rng = np.random.default_rng(2)
    source.set_weights([w + rng.uniform(0, 0.05, size=w.shape).astype(w.dtype) for w in source.get_weights()])
    body = _legacy_file(source, tmp_path / "served.h5")
    name = "mobilenet/mobilenet_2_5_128_tf_no_top.h5"
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    with serving() as served:
        served.files[name] = body
        monkeypatch.setenv("LAMINA_APPLICATIONS_URL", f"http://127.0.0.1:{served.port}/")
        ours = applications.MobileNet(weights="imagenet", alpha=0.25, include_top=False, input_shape=(128, 128, 3))
        again = applications.MobileNet(weights="imagenet", alpha=0.25, include_top=False, input_shape=(128, 128, 3))
        assert served.count(name) == 1  # the second model uses the cached file
    assert (tmp_path / "home" / "models" / "mobilenet_2_5_128_tf_no_top.h5").exists()
    x = rng.uniform(-1, 1, size=(1, 128, 128, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), source.predict(x, verbose=0), rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(again.predict(x, verbose=0), source.predict(x, verbose=0), rtol=2e-4, atol=2e-4)
    # weights=<path> loads the same file.
    local = applications.MobileNet(weights=str(tmp_path / "served.h5"), alpha=0.25, include_top=False,
                                   input_shape=(128, 128, 3))
    np.testing.assert_allclose(local.predict(x, verbose=0), source.predict(x, verbose=0), rtol=2e-4, atol=2e-4)


def test_listed_hashes_are_checked_and_offline_errors_name_the_file(tmp_path, monkeypatch):
    keras.backend.clear_session()
    source = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    body = _legacy_file(source, tmp_path / "vgg.h5")
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    name = "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with serving() as served:
        served.files[name] = body
        monkeypatch.setenv("LAMINA_APPLICATIONS_URL", f"http://127.0.0.1:{served.port}/")
        with pytest.raises(DownloadError, match="md5"):  # not Keras's file: its listed hash refuses it
            applications.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
        monkeypatch.setitem(applications.vgg16.HASHES, "vgg16", ("0" * 64, hashlib.sha256(body).hexdigest()))
        ours = applications.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
        with pytest.raises(DownloadError, match="copy it to"):
            applications.ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    x = np.random.default_rng(3).uniform(-1, 1, size=(1, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), source.predict(x, verbose=0), rtol=1e-4, atol=1e-4)


def test_decode_predictions_reads_the_class_index_through_get_file(tmp_path, monkeypatch):
    import json

    from lamina.applications import imagenet_utils

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    body = json.dumps(index).encode()
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    with serving() as served:
        served.files["imagenet_class_index.json"] = body
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_URL", served.url("imagenet_class_index.json"))
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.sha256(body).hexdigest())
        preds = np.zeros((2, 1000), "float32")
        preds[0, 7], preds[0, 3], preds[1, 999] = 0.9, 0.1, 1.0
        decoded = applications.resnet50.decode_predictions(preds, top=2)
    assert decoded[0] == [("n00000007", "class_7", pytest.approx(0.9)), ("n00000003", "class_3", pytest.approx(0.1))]
    assert decoded[1][0][:2] == ("n00000999", "class_999")
    with pytest.raises(lamina.errors.InputError, match="shape"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_importing_lamina_does_not_import_the_models():
    import subprocess
    import sys

    code = "import sys, lamina; print('lamina.applications.resnet' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
