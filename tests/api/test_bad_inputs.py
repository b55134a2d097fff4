"""Every row of docs/bad-input.md, run: the bad input, the error class, a distinctive part
of the message. The last test keeps the table and these cases in sync."""

import gzip
import html
import json
import re
import socket
import struct
import zipfile
from dataclasses import dataclass

import numpy as np
import pytest
from repo_paths import DOCS

import lamina
from lamina import layers
from lamina.datasets import fashion_mnist, get_file, mnist, read_idx
from lamina.errors import (
    ConfigurationError,
    DownloadError,
    InputError,
    LaminaError,
    NotCompiledError,
    SavingError,
    TrainingError,
)

TABLE = DOCS / "bad-input.md"
X = np.random.default_rng(0).random((8, 4), dtype=np.float32)
Y = np.arange(8) % 3


def classifier(compile=True, loss="sparse_categorical_crossentropy"):
    """The model of the table's setup block: 4 features in, 3 classes out."""
    model = lamina.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))], name="classifier")
    if compile:
        model.compile("adam", loss)
    return model


def detector():
    """One sigmoid unit trained with binary crossentropy."""
    model = lamina.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))], name="detector")
    model.compile("adam", "binary_crossentropy")
    return model


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Case:
    run: object  # function(tmp_path, monkeypatch) that must raise
    error: type
    message: str  # regular expression searched in the message


CASES = {}


def case(row_id, error, message):
    def register(run):
        CASES[row_id] = Case(run, error, message)
        return run

    return register


# --------------------------------------------------------------------------- fit
@case("fit-length-mismatch", InputError, r"same number of samples\. Received: x has 8, y has 5")
def _(tmp_path, monkeypatch):
    classifier().fit(X, Y[:5], verbose=0)


@case("fit-validation-length-mismatch", InputError,
      r"^validation_data: x and y must hold the same number of samples\. Received: x has 8, y has 5")
def _(tmp_path, monkeypatch):
    classifier().fit(X, Y, validation_data=(X, Y[:5]), verbose=0)


@case("fit-validation-label-out-of-range", InputError, r"^validation data: Model 'classifier': sparse label at index 0 is 7")
def _(tmp_path, monkeypatch):
    classifier().fit(X, Y, validation_data=(X, np.full(8, 7)), verbose=0)


@case("fit-sample-weight-length-mismatch", InputError,
      r"^x, y and sample_weight must hold the same number of samples\. Received: x has 8, y has 8, sample_weight has 5")
def _(tmp_path, monkeypatch):
    classifier().fit(X, Y, sample_weight=np.ones(5), verbose=0)


@case("fit-flat-metrics-on-two-outputs", InputError,
      r"^Metric 'cls_mae' of output 'cls': mean_absolute_error: y_true and y_pred have incompatible shapes.*a dict \{output name: \[metrics\]\}")
def _(tmp_path, monkeypatch):
    inputs = lamina.Input((4,))
    model = lamina.Model(inputs, [lamina.layers.Dense(3, activation="softmax", name="cls")(inputs),
                                  lamina.layers.Dense(1, name="reg")(inputs)])
    model.compile("sgd", ["sparse_categorical_crossentropy", "mse"], metrics=["mae"])
    model.fit(X, [Y, np.zeros((8, 1), np.float32)], verbose=0)


@case("fit-wrong-input-shape", InputError, r"expects inputs of shape \(batch, 4\).*received data of shape \(8, 5\)")
def _(tmp_path, monkeypatch):
    classifier().fit(np.ones((8, 5), np.float32), Y, verbose=0)


@case("fit-label-out-of-range", InputError, r"sparse label at index 0 is 3.*integers in \[0, 2\]")
def _(tmp_path, monkeypatch):
    classifier().fit(X, np.full(8, 3), verbose=0)


@case("fit-negative-label", InputError, r"sparse label at index 2 is -1, but class ids start at 0")
def _(tmp_path, monkeypatch):
    classifier().fit(X, np.array([0, 1, -1, 2, 0, 1, 2, 0]), verbose=0)


@case("fit-nan-in-x", InputError, r"x holds a non-finite value \(nan\) in sample 5.*check_finite=False")
def _(tmp_path, monkeypatch):
    x = X.copy()
    x[5, 2] = np.nan
    classifier().fit(x, Y, verbose=0)


@case("fit-inf-in-y", InputError, r"y holds a non-finite value \(inf\) in sample 1")
def _(tmp_path, monkeypatch):
    y = np.zeros((8, 3), np.float32)
    y[1, 0] = np.inf
    classifier(loss="mse").fit(X, y, verbose=0)


@case("fit-string-dtype", InputError, r"x holds non-numeric data \(dtype <U3\)")
def _(tmp_path, monkeypatch):
    classifier().fit(np.full((8, 4), "cat"), Y, verbose=0)


@case("fit-object-dtype", InputError, r"x holds non-numeric data \(dtype object\)")
def _(tmp_path, monkeypatch):
    classifier().fit(np.array([[1.0, None, 2.0, 3.0]] * 8, dtype=object), Y, verbose=0)


@case("fit-empty-dataset", InputError, r"The dataset is empty \(0 samples\)")
def _(tmp_path, monkeypatch):
    classifier().fit(np.zeros((0, 4), np.float32), np.zeros(0, np.int64), verbose=0)


@case("fit-batch-size-zero", InputError, r"batch_size must be a positive integer\. Received: batch_size=0")
def _(tmp_path, monkeypatch):
    classifier().fit(X, Y, batch_size=0, verbose=0)


@case("fit-not-compiled", NotCompiledError, r"fit\(\) needs a compiled model\. Call model\.compile")
def _(tmp_path, monkeypatch):
    classifier(compile=False).fit(X, Y, verbose=0)


@case("compile-unknown-optimizer", ConfigurationError, r"Unknown optimizer\. Received: optimizer='adma'")
def _(tmp_path, monkeypatch):
    classifier(compile=False).compile(optimizer="adma", loss="mse")


@case("compile-unknown-loss", ConfigurationError, r"Unknown loss\. Received: loss='sparse_crossentropy'")
def _(tmp_path, monkeypatch):
    classifier(compile=False).compile(optimizer="adam", loss="sparse_crossentropy")


@case("compile-unknown-metric", ConfigurationError, r"Unknown metric\. Received: metric='acurracy'")
def _(tmp_path, monkeypatch):
    classifier(compile=False).compile(optimizer="adam", loss="mse", metrics=["acurracy"])


@case("layer-unknown-activation", ConfigurationError, r"Unknown activation\. Received: activation='relu6x'")
def _(tmp_path, monkeypatch):
    layers.Dense(3, activation="relu6x")


@case("fit-validation-split-1.5", InputError, r"validation_split must be a fraction between 0 and 1")
def _(tmp_path, monkeypatch):
    classifier().fit(X, Y, validation_split=1.5, verbose=0)


@case("fit-nan-loss", TrainingError, r"Epoch 1, batch 2: invalid loss \(nan\).*step 3/4 of the progress bar")
def _(tmp_path, monkeypatch):
    x = X.copy()
    x[5, 0] = np.nan  # sample 5 is in batch 2 (from 0) with batch_size=2 and no shuffling
    stop = lamina.callbacks.TerminateOnNaN(raise_error=True)
    classifier().fit(x, Y, batch_size=2, shuffle=False, check_finite=False, callbacks=[stop], verbose=0)


@case("fit-binary-crossentropy-label-2", InputError,
      r"^Model 'detector': binary_crossentropy from probabilities needs targets between 0 and 1 .*sample 2 has the target 2\. "
      r"Received: targets from 0 to 2\..*sparse_categorical_crossentropy")
def _(tmp_path, monkeypatch):
    detector().fit(X, Y, verbose=0)


@case("fit-binary-crossentropy-minus-one", InputError,
      r"sample 0 has the target -1\. Received: targets from -1 to 1\. For labels written as -1/1 pass \(y \+ 1\) / 2")
def _(tmp_path, monkeypatch):
    detector().fit(X, np.array([-1, 1] * 4), verbose=0)


@case("fit-steps-per-epoch-zero", InputError,
      r"^steps_per_epoch must be a positive integer, or None for one pass over the data\. Received: steps_per_epoch=0\.")
def _(tmp_path, monkeypatch):
    classifier().fit(X, Y, steps_per_epoch=0, verbose=0)


@case("fit-generator-yields-x-only", InputError,
      r"^fit needs targets, but the generator yielded a batch of inputs only\. Received: ndarray of shape \(8, 4\).*Yield \(x, y\)")
def _(tmp_path, monkeypatch):
    classifier().fit((X for _ in range(4)), steps_per_epoch=2, verbose=0)


@case("fit-list-of-lists", InputError,
      r"^x is a Python list of 8 lists\. .*so this would be 8 inputs\. Convert it to one array first: x = np\.asarray\(x, dtype='float32'\)")
def _(tmp_path, monkeypatch):
    classifier().fit(X.tolist(), Y, verbose=0)


# ---------------------------------------------------------------------- evaluate
@case("evaluate-nan-in-x", InputError, r"x holds a non-finite value \(nan\) in sample 0")
def _(tmp_path, monkeypatch):
    classifier().evaluate(np.full((8, 4), np.nan, np.float32), Y, verbose=0)


@case("evaluate-label-out-of-range", InputError, r"sparse label at index 0 is 7.*give the last layer 8 units")
def _(tmp_path, monkeypatch):
    classifier().evaluate(X, np.full(8, 7), verbose=0)


@case("evaluate-not-compiled", NotCompiledError, r"evaluate\(\) needs a compiled model")
def _(tmp_path, monkeypatch):
    classifier(compile=False).evaluate(X, Y, verbose=0)


# ----------------------------------------------------------------------- predict
@case("predict-wrong-input-shape", InputError, r"expects inputs of shape \(batch, 4\).*received data of shape \(2, 7\)")
def _(tmp_path, monkeypatch):
    classifier().predict(np.ones((2, 7), np.float32), verbose=0)


@case("predict-string-dtype", InputError, r"x holds non-numeric data \(dtype <U1\)")
def _(tmp_path, monkeypatch):
    classifier().predict(np.array([["a", "b", "c", "d"]]), verbose=0)


# -------------------------------------------------------------------- load_model
@case("load-model-truncated", SavingError, r"Cannot open .*model\.keras' as a \.keras archive.*It is truncated")
def _(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    classifier().save(path)
    path.write_bytes(path.read_bytes()[:300])  # an interrupted copy
    lamina.models.load_model(path)


@case("load-model-unknown-class", SavingError, r"Unknown class name 'MyDense'.*custom_objects=\{'MyDense': MyDense\}")
def _(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    classifier().save(path)
    edited = tmp_path / "edited.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(edited, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                # As lamina and Keras write a class of your own: no Keras module.
                config["config"]["layers"][-1].update(class_name="MyDense", module=None)
                data = json.dumps(config)
            out.writestr(item, data)
    lamina.models.load_model(edited)


@case("load-model-missing-file", SavingError, r"No such file: .*nowhere\.keras'")
def _(tmp_path, monkeypatch):
    lamina.models.load_model(tmp_path / "nowhere.keras")


@case("load-model-malformed-config", SavingError, r"The saved config does not fit Sequential: 'int' object is not iterable")
def _(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    classifier().save(path)
    edited = tmp_path / "edited.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(edited, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["layers"] = 7
                data = json.dumps(config)
            out.writestr(item, data)
    lamina.models.load_model(edited)


# ------------------------------------------------------------------ load_weights
@case("load-weights-mis-shaped", SavingError, r"mis-shaped \(2\):.*model expects \(4, 5\) 'kernel', file has shape \(4, 3\)")
def _(tmp_path, monkeypatch):
    classifier().save_weights(tmp_path / "model.weights.h5")
    wider = lamina.Sequential([layers.Dense(5, input_shape=(4,))], name="wider")
    wider.load_weights(tmp_path / "model.weights.h5")


@case("load-weights-wrong-suffix", SavingError, r"Weights files end in '\.weights\.h5'")
def _(tmp_path, monkeypatch):
    classifier().load_weights(tmp_path / "model.pt")


@case("load-weights-damaged-file", SavingError, r"Cannot read .*model\.weights\.h5'.*(damaged|HDF5 weights file)")
def _(tmp_path, monkeypatch):
    path = tmp_path / "model.weights.h5"
    classifier().save_weights(path)
    path.write_bytes(path.read_bytes()[:700])  # the first half: an interrupted copy
    classifier().load_weights(path)


# ---------------------------------------------------------------------- get_file
@case("get-file-hash-mismatch", DownloadError, r"failed its sha256 check\.\n +expected: 0{64}\n +actual: +2cf24dba")
def _(tmp_path, monkeypatch):
    (tmp_path / "data.bin").write_bytes(b"hello")
    origin = (tmp_path / "data.bin").as_uri()
    get_file("data.bin", origin=origin, file_hash="0" * 64, cache_dir=tmp_path / "cache", progress=False)


@case("get-file-offline", DownloadError, r"Could not download http://127\.0\.0\.1:\d+/x\.npz\nReason: .*refused.*copy it to")
def _(tmp_path, monkeypatch):
    origin = f"http://127.0.0.1:{closed_port()}/x.npz"
    get_file("x.npz", origin=origin, cache_dir=tmp_path / "cache", progress=False)


@case("get-file-fname-dotdot", ConfigurationError,
      r"^get_file: `fname` must be a file name, and '\.\.' names a folder\..*Received: fname='\.\.'")
def _(tmp_path, monkeypatch):
    get_file("..", origin=f"http://127.0.0.1:{closed_port()}/x.npz", cache_dir=tmp_path / "cache", progress=False)


# ---------------------------------------------------------------------- datasets
@case("fashion-mnist-dir-missing-files", ConfigurationError, r"LAMINA_FASHION_MNIST_DIR=.* lacks train-images-idx3-ubyte\.gz")
def _(tmp_path, monkeypatch):
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    monkeypatch.setenv("LAMINA_FASHION_MNIST_DIR", str(tmp_path))
    fashion_mnist.load_data()


@case("fashion-mnist-truncated-file", InputError, r"t10k-labels-idx1-ubyte\.gz is truncated: its IDX header declares shape \(10000,\)")
def _(tmp_path, monkeypatch):
    for name, shape in fashion_mnist_shapes().items():
        data = b"\0\0\x08" + bytes([len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
        data += bytes(int(np.prod(shape)) if "t10k-labels" not in name else 100)
        (tmp_path / name).write_bytes(gzip.compress(data))
    monkeypatch.setenv("LAMINA_FASHION_MNIST_DIR", str(tmp_path))
    fashion_mnist.load_data()


def fashion_mnist_shapes():
    return {
        "train-labels-idx1-ubyte.gz": (60000,),
        "train-images-idx3-ubyte.gz": (60000, 28, 28),
        "t10k-labels-idx1-ubyte.gz": (10000,),
        "t10k-images-idx3-ubyte.gz": (10000, 28, 28),
    }


@case("mnist-offline", DownloadError, r"Could not download .*mnist\.npz.*Fashion-MNIST, a drop-in replacement")
def _(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LAMINA_DATASETS_ORIGIN", f"http://127.0.0.1:{closed_port()}/")
    mnist.load_data()


@case("idx-not-an-idx-file", InputError, r"is not an IDX file: it starts with bytes 89504e47")
def _(tmp_path, monkeypatch):
    (tmp_path / "labels-idx1-ubyte").write_bytes(b"\x89PNG\r\n\x1a\n")
    read_idx(tmp_path / "labels-idx1-ubyte")


# ------------------------------------------------------------------------ tests
@pytest.mark.parametrize("row_id", list(CASES))
def test_bad_input_raises_the_documented_error(row_id, tmp_path, monkeypatch, capsys):
    expected = CASES[row_id]
    with pytest.raises(LaminaError) as caught:
        expected.run(tmp_path, monkeypatch)
    assert type(caught.value) is expected.error, f"{row_id}: {type(caught.value).__name__}: {caught.value}"
    assert re.search(expected.message, str(caught.value), re.DOTALL), f"{row_id}: {caught.value}"


@pytest.mark.parametrize(
    ("targets", "loss", "from_logits"),
    [
        ([0, 1, 2, 0, 1, 2, 0, 1], "BinaryCrossentropy", False),
        ([-1, 1, -1, 1, 1, -1, 1, -1], "BinaryCrossentropy", False),
        ([0, 1, 2, 0, 1, 2, 0, 1], "BinaryFocalCrossentropy", False),
        ([0, 1, 2, 0, 1, 2, 0, 1], "BinaryCrossentropy", True),
        ([0, 1, 0.5, 0, 1, 0.25, 0, 1], "BinaryCrossentropy", False),
    ],
)
def test_binary_crossentropy_refuses_the_targets_keras_refuses(targets, loss, from_logits):
    import keras

    y = np.asarray(targets).reshape(-1, 1)
    activation = None if from_logits else "sigmoid"
    reference = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation=activation)])
    reference.compile("adam", getattr(keras.losses, loss)(from_logits=from_logits))
    try:
        reference.fit(X, y, verbose=0)
        keras_refuses = False
    except RuntimeError as error:  # torch's own check, under Keras's torch backend
        assert "between 0 and 1" in str(error)
        keras_refuses = True
    model = lamina.Sequential([layers.Dense(1, activation=activation, input_shape=(4,))])
    model.compile("adam", getattr(lamina.losses, loss)(from_logits=from_logits))
    if keras_refuses:
        with pytest.raises(InputError, match="needs targets between 0 and 1"):
            model.fit(X, y, verbose=0)
    else:
        model.fit(X, y, verbose=0)


def documented_rows():
    """``{row id: (error class name, message cell)}`` from the table in docs/bad-input.md."""
    rows = {}
    for line in TABLE.read_text().splitlines():
        match = re.match(r"\|\s*`([a-z0-9.-]+)`\s*\|(.*)\|\s*`(\w+)`\s*\|(.*)\|(.*)\|\s*$", line)
        if match:
            row_id, _, error, message, test = match.groups()
            assert row_id not in rows, f"row {row_id} appears twice"
            rows[row_id] = (error, message.strip(), test.strip())
    return rows


def test_docs_table_and_cases_are_in_sync():
    rows = documented_rows()
    assert len(rows) >= 20
    assert set(rows) == set(CASES), (
        f"only in the docs: {sorted(set(rows) - set(CASES))}; only here: {sorted(set(CASES) - set(rows))}"
    )
    for row_id, (error, message, test) in rows.items():
        assert error == CASES[row_id].error.__name__, row_id
        assert f"test_bad_input_raises_the_documented_error[{row_id}]" in test, row_id
        shown = html.unescape(message.replace("<br>", "\n"))
        assert re.search(CASES[row_id].message, shown, re.DOTALL), f"{row_id}: docs show {shown!r}"
