"""lamina's string layers against real Keras 3: values, dtypes, vocabularies, configs both
ways and ``.keras`` files both ways, for every case of tests/string_layer_cases.py.

Keras runs these layers with TensorFlow even on its torch backend, so Keras's side runs
once, in a subprocess (tests/scripts/keras_string_oracle.py): TensorFlow never loads
beside torch in the test process.
"""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from repo_paths import SCRIPTS
from string_layer_cases import CASES, FILE_MODELS, adapt_source, host_input, layer_arguments

import lamina
from lamina import layers
from lamina.errors import LaminaError

ORACLE = str(SCRIPTS / "keras_string_oracle.py")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None,
    reason="Keras's string layers need TensorFlow: pip install -c constraints-dev.txt -e '.[test]'",
)

CASE_IDS = [case["id"] for case in CASES]
BY_ID = {case["id"]: case for case in CASES}


def lamina_layer(case):
    layer = getattr(layers, case["layer"])(**layer_arguments(case["config"]))
    if case["adapt"]:
        layer.adapt(adapt_source(case["adapt"]))
    return layer


def host(output):
    if isinstance(output, torch.Tensor):
        return output.cpu().numpy()
    return np.asarray(output).astype(str)


def dtype_name(output):
    if isinstance(output, torch.Tensor):
        return str(output.dtype).replace("torch.", "")
    return "string"


def lamina_text_model(spec):
    lamina.utils.set_random_seed(0)
    vectorize = layers.TextVectorization(**layer_arguments(spec["vectorize"]))
    vectorize.adapt(np.array(spec["adapt"]))
    inputs = lamina.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    if spec["embedding"]:
        x = layers.GlobalAveragePooling1D()(layers.Embedding(spec["embedding"], 4)(x))
    return lamina.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def plain(config):
    """A config as JSON has it (lists, not tuples), without the layer's name; a dtype as its
    name (Keras writes a DTypePolicy object, lamina the name: each library reads both)."""
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"]["config"]["name"]
    return config


# Whether an earlier test (another Keras oracle reaching TensorFlow) loaded it already.
TENSORFLOW_BEFORE_THE_ORACLE = []


@pytest.fixture(scope="module")
def keras_results(tmp_path_factory):
    """Keras's outputs, vocabularies and configs for every case, and its side of the files."""
    folder = tmp_path_factory.mktemp("keras_string_oracle")
    TENSORFLOW_BEFORE_THE_ORACLE.append("tensorflow" in sys.modules)
    cases = [{**case, "lamina_config": lamina_layer(case).get_config()} for case in CASES]
    lamina_files, lamina_predictions = [], {}
    for spec in FILE_MODELS:
        model = lamina_text_model(spec)
        path = str(folder / f"lamina_{spec['id']}.keras")
        model.save(path)
        lamina_predictions[spec["id"]] = model.predict(host_input(spec["inputs"]), verbose=0)
        lamina_files.append({**spec, "path": path})
    keras_files = [{**spec, "path": str(folder / f"keras_{spec['id']}.keras")} for spec in FILE_MODELS]
    request = folder / "request.json"
    request.write_text(json.dumps({"cases": cases, "lamina_files": lamina_files, "keras_files": keras_files}))
    env = {**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, ORACLE, str(request), str(folder)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the Keras oracle failed:\n{done.stderr[-4000:]}"
    results = json.loads((folder / "results.json").read_text())
    with np.load(folder / "arrays.npz") as arrays:
        results["arrays"] = dict(arrays)
    results["lamina_predictions"] = lamina_predictions
    results["keras_paths"] = {spec["id"]: spec["path"] for spec in keras_files}
    return results


def assert_same_output(ours, theirs, what):
    ours = host(ours)
    if ours.dtype.kind in "US" or theirs.dtype.kind in "US":
        assert ours.tolist() == theirs.astype(str).tolist(), what
        return
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, Keras {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6, err_msg=what)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_values_dtypes_and_vocabulary_match_keras(keras_results, case_id):
    case, theirs = BY_ID[case_id], keras_results["cases"][case_id]
    layer = lamina_layer(case)
    if "call_error" in theirs:  # Keras refuses these inputs: so must lamina, with its own clear error
        with pytest.raises(LaminaError):
            layer(host_input(case["inputs"]))
        return
    output = layer(host_input(case["inputs"]))
    assert_same_output(output, keras_results["arrays"][f"{case_id}/output"], f"{case_id} output")
    assert dtype_name(output) == theirs["dtype"]
    if "vocabulary" in theirs:
        assert layer.get_vocabulary() == theirs["vocabulary"]
        assert layer.vocabulary_size() == theirs["vocabulary_size"]
    idf = keras_results["arrays"].get(f"{case_id}/idf_weights")
    if idf is not None:
        lookup = getattr(layer, "_lookup_layer", layer)
        np.testing.assert_allclose(lookup.idf_weights.numpy(), idf, rtol=1e-6)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_config_matches_keras(keras_results, case_id):
    theirs = keras_results["cases"][case_id]
    assert plain(lamina_layer(BY_ID[case_id]).get_config()) == plain(theirs["config"])


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_keras_config_builds_the_same_lamina_layer(keras_results, case_id):
    """lamina rebuilds a layer from Keras's config as Keras rebuilds it (an adapted layer's
    config holds no vocabulary: both rebuild it empty, so only configs are compared)."""
    case, theirs = BY_ID[case_id], keras_results["cases"][case_id]
    rebuilt = getattr(layers, case["layer"]).from_config(theirs["config"])
    assert plain(rebuilt.get_config()) == plain(theirs["rebuilt_config"])
    if not case["adapt"] and "call_error" not in theirs:
        output = rebuilt(host_input(case["inputs"]))
        assert_same_output(output, keras_results["arrays"][f"{case_id}/output"], case_id)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_lamina_config_builds_the_same_keras_layer(keras_results, case_id):
    case, theirs = BY_ID[case_id], keras_results["cases"][case_id]
    rebuilt = theirs["from_lamina_config"]
    assert "error" not in rebuilt, rebuilt.get("error")
    ours = lamina_layer(case)
    assert plain(rebuilt["config"]) == plain(type(ours).from_config(ours.get_config()).get_config())
    if not case["adapt"] and "call_error" not in theirs:
        output = keras_results["arrays"][f"{case_id}/from_lamina_config"]
        assert_same_output(ours(host_input(case["inputs"])), output, case_id)


@pytest.mark.parametrize("spec", FILE_MODELS, ids=[spec["id"] for spec in FILE_MODELS])
def test_keras_file_loads_in_lamina_with_the_same_outputs(keras_results, spec):
    model = lamina.saving.load_model(keras_results["keras_paths"][spec["id"]])
    assert model.layers[1].get_vocabulary() == keras_results["keras_files"][spec["id"]]["vocabulary"]
    ours = model.predict(host_input(spec["inputs"]), verbose=0)
    np.testing.assert_allclose(ours, keras_results["arrays"][f"keras_file/{spec['id']}/output"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec", FILE_MODELS, ids=[spec["id"] for spec in FILE_MODELS])
def test_lamina_file_loads_in_keras_with_the_same_outputs(keras_results, spec):
    theirs = keras_results["lamina_files"][spec["id"]]
    assert "error" not in theirs, theirs.get("error")
    assert theirs["vocabulary"] == lamina_text_model(spec).layers[1].get_vocabulary()
    np.testing.assert_allclose(
        keras_results["arrays"][f"lamina_file/{spec['id']}/output"], keras_results["lamina_predictions"][spec["id"]],
        rtol=1e-5, atol=1e-6,
    )


def test_tensorflow_stays_out_of_the_test_process(keras_results):
    if not TENSORFLOW_BEFORE_THE_ORACLE[0]:
        assert "tensorflow" not in sys.modules, "the string-layer oracle loaded TensorFlow beside torch"
