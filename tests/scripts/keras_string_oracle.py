"""Run Keras 3's string layers (they need TensorFlow, even on the torch backend) on a table
of cases and write what they return, so the tests compare lamina with real Keras without
loading TensorFlow into the test process.

Usage: python keras_string_oracle.py REQUEST.json OUT_DIR

REQUEST.json: {"cases": [...], "lamina_files": [...], "keras_files": [...]}, as written by
tests/layers/test_string_layers_keras_oracle.py. OUT_DIR receives results.json (vocabularies,
configs, dtypes, errors) and arrays.npz (every output, keyed "<case id>/<what>").
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from string_layer_cases import adapt_source, host_input, layer_arguments  # noqa: E402


def as_numpy(value):
    """A layer output (torch tensor, TF tensor, NumPy array) as a NumPy array; strings as str."""
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if hasattr(value, "numpy"):
        value = value.numpy()
    array = np.asarray(value)
    if array.dtype.kind in "SO":
        flat = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in array.reshape(-1)]
        array = np.array(flat, dtype=str).reshape(array.shape)
    return array


def dtype_name(value):
    if hasattr(value, "dtype") and hasattr(value, "detach"):
        return str(value.dtype).replace("torch.", "")
    return "string" if as_numpy(value).dtype.kind in "USO" else str(as_numpy(value).dtype)


def jsonable(value):
    """Configs and vocabularies with NumPy scalars made plain."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


def call(layer, inputs):
    """The layer's output on ``inputs``. Keras on torch cannot hand back strings (its output
    conversion fails on them), so an inverse lookup runs where Keras documents these layers
    for other backends: inside a tf.data pipeline."""
    if not getattr(layer, "invert", False):
        return layer(inputs)
    import tensorflow as tf

    return next(iter(tf.data.Dataset.from_tensors(inputs).map(layer)))


def error_text(err):
    return f"{type(err).__name__}: {err}".strip().splitlines()[0][:300]


def run_case(case, arrays):
    layer_class = getattr(keras.layers, case["layer"])
    layer = layer_class(**layer_arguments(case["config"]))
    if case.get("adapt"):
        layer.adapt(adapt_source(case["adapt"]))
    result = {"config": jsonable(layer.get_config())}
    if hasattr(layer, "get_vocabulary"):
        result["vocabulary"] = jsonable([str(t) if isinstance(t, (str, np.str_)) else t for t in layer.get_vocabulary()])
        result["vocabulary_size"] = int(layer.vocabulary_size())
    lookup = getattr(layer, "_lookup_layer", layer)
    if getattr(lookup, "output_mode", None) == "tf_idf":
        arrays[f"{case['id']}/idf_weights"] = as_numpy(lookup.idf_weights_const)
    result["rebuilt_config"] = jsonable(layer_class.from_config(layer.get_config()).get_config())
    result["from_lamina_config"] = from_other_config(layer_class, case, arrays)
    try:
        output = call(layer, host_input(case["inputs"]))
    except Exception as err:  # the table also holds inputs Keras refuses
        result["call_error"] = error_text(err)
        return result
    arrays[f"{case['id']}/output"] = as_numpy(output)
    result["dtype"] = dtype_name(output)
    return result


def from_other_config(layer_class, case, arrays):
    """Keras's layer rebuilt from lamina's config: its config, and its output on the inputs."""
    try:
        layer = layer_class.from_config(case["lamina_config"])
        config = jsonable(layer.get_config())
    except Exception as err:
        return {"error": error_text(err)}
    try:
        arrays[f"{case['id']}/from_lamina_config"] = as_numpy(call(layer, host_input(case["inputs"])))
    except Exception as err:  # an adapted layer's config has no vocabulary: nothing to call
        return {"config": config, "call_error": error_text(err)}
    return {"config": config}


def chain_output(model, inputs):
    """A model's output on string inputs, layer by layer (Keras on torch cannot take strings
    into a functional model's predict; each layer can)."""
    x = inputs
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        x = layer(x)
    return as_numpy(x)


def text_model(spec):
    vectorize = keras.layers.TextVectorization(**layer_arguments(spec["vectorize"]))
    vectorize.adapt(np.array(spec["adapt"], dtype=str))
    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    if spec["vectorize"].get("output_mode", "int") == "int":
        x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(spec["embedding"], 4)(x))
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def main(request_path, out_dir):
    with open(request_path) as handle:
        request = json.load(handle)
    keras.utils.set_random_seed(0)
    arrays, results = {}, {"cases": {}, "lamina_files": {}, "keras_files": {}}
    for case in request["cases"]:
        results["cases"][case["id"]] = run_case(case, arrays)
    for spec in request["lamina_files"]:  # lamina saved it: Keras loads it
        try:
            model = keras.saving.load_model(spec["path"])
            arrays[f"lamina_file/{spec['id']}/output"] = chain_output(model, host_input(spec["inputs"]))
            vectorize = next(layer for layer in model.layers if isinstance(layer, keras.layers.TextVectorization))
            results["lamina_files"][spec["id"]] = {"vocabulary": jsonable(vectorize.get_vocabulary())}
        except Exception as err:
            results["lamina_files"][spec["id"]] = {"error": f"{type(err).__name__}: {err}"[:800]}
    for spec in request["keras_files"]:  # Keras saves it: lamina loads it
        model = text_model(spec)
        model.save(spec["path"])
        arrays[f"keras_file/{spec['id']}/output"] = chain_output(model, host_input(spec["inputs"]))
        vectorize = model.layers[1]
        results["keras_files"][spec["id"]] = {"vocabulary": jsonable(vectorize.get_vocabulary())}
    np.savez(os.path.join(out_dir, "arrays.npz"), **arrays)
    with open(os.path.join(out_dir, "results.json"), "w") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
