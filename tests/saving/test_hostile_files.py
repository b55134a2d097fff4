"""Hostile model files (issue #20): every restored array is checked against what it replaces
before anything is written, the HDF5 safety walk is linear in the file's links, declared
sizes are checked against stored bytes, and saving/loading edge cases give lamina's errors.

Each hostile file is generated here from a real save: a ``.keras`` archive is a zip whose
``model.weights.h5`` member is rewritten with h5py.
"""

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import h5py
import numpy as np
import pytest
import torch

import lamina
from lamina import layers, optimizers
from lamina.errors import ConfigurationError, SavingError
from lamina.saving.training_state import read_training_state, write_training_state

X = np.random.default_rng(0).random((8, 3), dtype=np.float32)
Y = np.random.default_rng(1).random((8, 2), dtype=np.float32)
OPTIMIZERS = {
    "SGD": lambda: optimizers.SGD(momentum=0.9),
    "Adam": optimizers.Adam,
    "AdamW": optimizers.AdamW,
    "RMSprop": optimizers.RMSprop,
    "Adagrad": optimizers.Adagrad,
    "Adamax": optimizers.Adamax,
    "Adadelta": optimizers.Adadelta,
    "Nadam": optimizers.Nadam,
    "Lion": optimizers.Lion,
}
# Keras's slot variables lamina converts (Nadam's shared momentum product is not converted).
KERAS_SLOT_OPTIMIZERS = [name for name in OPTIMIZERS if name != "Nadam"]


def trained_model(name):
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(2)])
    model.compile(optimizer=OPTIMIZERS[name](), loss="mse")
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """``{optimizer name: path of a .keras file saved after one training step}``."""
    folder = tmp_path_factory.mktemp("saved")
    paths = {}
    for name in OPTIMIZERS:
        paths[name] = folder / f"{name}.keras"
        trained_model(name).save(paths[name])
    return paths


def rewrite_weights(source, target, edit):
    """Copy the ``.keras`` archive ``source`` to ``target`` with ``edit(h5py.File)`` applied
    to its ``model.weights.h5`` member."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "r+") as handle:
        edit(handle)
    members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def replace(handle, path, data=None, **dataset_options):
    del handle[path]
    handle.create_dataset(path, data=data, **dataset_options)


def first_slot(handle):
    """Path of the first weight's first tensor slot in lamina's ``optimizer/torch_state``."""
    slot = handle["optimizer/torch_state/0"]
    key = next(k for k in slot.keys() if slot[k].shape != ())
    return f"optimizer/torch_state/0/{key}"


def misshaped(handle, path):
    value = handle[path][()]
    replace(handle, path, value.reshape(-1)[::-1].reshape(value.shape[::-1]).copy() if value.ndim > 1 else value[:-1])


def oversized(handle, path):
    value = handle[path][()]
    replace(handle, path, np.concatenate([value, value]))


def wrong_dtype(handle, path):
    value = handle[path][()]
    replace(handle, path, value.astype(np.int64))


CORRUPTIONS = {"misshaped": misshaped, "oversized": oversized, "wrong-dtype": wrong_dtype}


# ------------------------------------------------------------- item 1: optimizer slots
@pytest.mark.parametrize("corruption", CORRUPTIONS)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_corrupted_torch_state_slot_is_refused(saved, tmp_path, name, corruption):
    path = rewrite_weights(
        saved[name], tmp_path / "bad.keras", lambda h: CORRUPTIONS[corruption](h, first_slot(h))
    )
    with pytest.raises(SavingError, match="optimizer/torch_state/0/"):
        lamina.models.load_model(path)


@pytest.mark.parametrize("corruption", CORRUPTIONS)
@pytest.mark.parametrize("name", KERAS_SLOT_OPTIMIZERS)
def test_a_corrupted_keras_slot_is_refused(saved, tmp_path, name, corruption):
    def edit(handle):
        del handle["optimizer/torch_state"]  # as Keras writes it: the Keras slots are read
        CORRUPTIONS[corruption](handle, "optimizer/vars/2")

    path = rewrite_weights(saved[name], tmp_path / "bad.keras", edit)
    with pytest.raises(SavingError, match="optimizer/vars/2"):
        lamina.models.load_model(path)


@pytest.mark.parametrize("name", ["Adam", "RMSprop"])
def test_a_torch_state_slot_the_optimizer_does_not_use_is_refused(saved, tmp_path, name):
    def edit(handle):
        handle.create_dataset("optimizer/torch_state/0/momentum_buffer_x", data=np.zeros((3, 4), np.float32))

    path = rewrite_weights(saved[name], tmp_path / "bad.keras", edit)
    with pytest.raises(SavingError, match="unused slot.*momentum_buffer_x"):
        lamina.models.load_model(path)


@pytest.mark.parametrize(
    "path, value",
    [
        ("optimizer/vars/0", np.int64(-3)),
        ("optimizer/vars/0", np.arange(1000)),
        ("optimizer/vars/0", np.float64(np.inf)),
        ("optimizer/vars/1", np.float32(np.nan)),
        ("optimizer/vars/1", np.bytes_(b"0.001")),
    ],
    ids=["negative-iterations", "array-iterations", "infinite-iterations", "nan-rate", "text-rate"],
)
def test_bad_iterations_and_learning_rates_are_refused(saved, tmp_path, path, value):
    bad = rewrite_weights(saved["Adam"], tmp_path / "bad.keras", lambda h: replace(h, path, value))
    with pytest.raises(SavingError, match=path):
        lamina.models.load_model(bad)


FUSED_CHILD = textwrap.dedent(
    """
    import sys, numpy as np, lamina
    from lamina.errors import SavingError
    x = np.random.default_rng(0).random((8, 3), dtype=np.float32)
    y = np.random.default_rng(1).random((8, 2), dtype=np.float32)
    for path in sys.argv[1:]:
        try:
            model = lamina.models.load_model(path)
        except SavingError as err:
            print("refused", path, str(err)[:80])
            continue
        loss = model.fit(x, y, epochs=3, batch_size=8, verbose=0).history["loss"]
        print("LOADED", path, loss)
        sys.exit(1)
    """
)


def test_fused_adam_never_runs_on_a_corrupted_slot(saved, tmp_path):
    """Today's fused Adam/AdamW kernels read past a mis-shaped slot (NaN, then a segfault):
    run in a child process so a crash fails this test instead of killing pytest."""
    paths = []
    for name in ("Adam", "AdamW"):
        for corruption in ("misshaped", "oversized"):
            target = tmp_path / f"{name}-{corruption}.keras"
            paths.append(str(rewrite_weights(saved[name], target, lambda h, c=corruption: CORRUPTIONS[c](h, first_slot(h)))))
    child = subprocess.run(
        [sys.executable, "-c", FUSED_CHILD, *paths], capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, f"exit {child.returncode}\n{child.stdout}\n{child.stderr[-2000:]}"
    assert child.stdout.count("refused") == len(paths)


def test_a_refused_training_state_changes_nothing(tmp_path):
    """Checks run before anything is written: weights, optimizer state, metrics and random
    generators stay as they were when a backup with one bad array is refused."""
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    path = tmp_path / "state.h5"
    write_training_state(path, model, epoch=1, batch=0, order=None, callbacks=[])
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)  # everything moves on from the file
    torch_state = model.optimizer.torch_optimizer.state
    before = {
        "weights": [w.copy() for w in model.get_weights()],
        "slots": {id(p): {k: v.clone() for k, v in s.items()} for p, s in torch_state.items()},
        "iterations": model.optimizer.iterations,
        "metrics": [m.state_dict() for m in model.metrics],
        "rng": torch.get_rng_state().clone(),
    }
    with h5py.File(path, "r+") as handle:
        replace(handle, "rng/torch_cpu", np.zeros(7, np.uint8))  # the last array read
    with pytest.raises(SavingError, match="rng/torch_cpu"):
        read_training_state(path, model, [])
    for saved_weight, weight in zip(before["weights"], model.get_weights()):
        np.testing.assert_array_equal(saved_weight, weight)
    for parameter, state in torch_state.items():
        for key, value in state.items():
            torch.testing.assert_close(value, before["slots"][id(parameter)][key], rtol=0, atol=0)
    assert model.optimizer.iterations == before["iterations"]
    for saved_state, metric in zip(before["metrics"], model.metrics):
        for key, value in metric.state_dict().items():
            torch.testing.assert_close(value, saved_state[key], rtol=0, atol=0)
    assert torch.equal(torch.get_rng_state(), before["rng"])


@pytest.mark.parametrize(
    "path, value",
    [
        ("metrics/1/total", np.zeros(5, np.float32)),
        ("rng/numpy_keys", np.zeros(3, np.uint32)),
        ("rng/python_internal", np.zeros(625, np.float64)),
        ("model/optimizer/torch_state/1/exp_avg", np.zeros((4, 9), np.float32)),
    ],
    ids=["metric", "numpy-rng", "python-rng", "optimizer"],
)
def test_a_training_state_with_a_mismatched_array_is_refused(tmp_path, path, value):
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    state = tmp_path / "state.h5"
    write_training_state(state, model, epoch=1, batch=0, order=None, callbacks=[])
    with h5py.File(state, "r+") as handle:
        assert path in handle, sorted(handle["metrics"].keys())
        replace(handle, path, value)
    with pytest.raises(SavingError, match=path.split("/", 1)[-1] if path.startswith("model/") else path):
        read_training_state(state, model, [])


# --------------------------------------------------------------- item 3: hard-link DAGs
def hard_link_dag(path, depth):
    """Group ``g<i>`` links to ``g<i-1>`` twice: 2**depth paths through ``depth`` groups."""
    with h5py.File(path, "w") as handle:
        below = handle.create_group("g0")
        below.create_dataset("x", data=np.zeros(3, np.float32))
        for level in range(1, depth):
            group = handle.create_group(f"g{level}")
            group["a"], group["b"] = below, below
            below = group


def hard_link_cycle(path):
    with h5py.File(path, "w") as handle:
        inner = handle.create_group("layers/dense/vars")
        inner["loop"] = handle["layers"]
        handle["layers/again"] = handle


def _alarm(signum, frame):
    raise TimeoutError("the HDF5 walk did not finish within 20 s")


@pytest.mark.parametrize("shape", ["dag-40", "cycle"])
def test_the_hdf5_safety_walk_enters_each_group_once(tmp_path, shape):
    path = tmp_path / "hostile.weights.h5"
    hard_link_dag(path, 40) if shape == "dag-40" else hard_link_cycle(path)
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(2)])
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    start = time.perf_counter()
    try:
        with pytest.raises(SavingError):  # the weights are missing: a clean report, quickly
            model.load_weights(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - start < 2.0


# -------------------------------------------------------------- item 4: declared sizes
BOMB_CHILD = textwrap.dedent(
    """
    import resource, sys
    import lamina
    from lamina.errors import SavingError
    from lamina.saving.training_state import read_training_state
    model = lamina.Sequential([lamina.layers.Input((3,)), lamina.layers.Dense(4), lamina.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    limit = 4 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for path in sys.argv[1:]:
        try:
            if path.endswith(".keras"):
                lamina.models.load_model(path)
            else:
                read_training_state(path, model, [lamina.callbacks.Callback()])
        except SavingError as err:
            print("refused", path, str(err)[:120])
        else:
            print("LOADED", path)
    """
)


def test_datasets_declaring_more_than_the_file_holds_are_refused_without_allocating(saved, tmp_path):
    huge = {"shape": (8 * 1024**3,), "dtype": np.float64}  # 64 GiB declared, nothing stored
    paths = []
    for where in ("optimizer/torch_state/0/exp_avg", "optimizer/vars/0", "optimizer/vars/2"):
        target = tmp_path / f"bomb-{len(paths)}.keras"
        def edit(handle, where=where):
            if where == "optimizer/vars/2":
                del handle["optimizer/torch_state"]  # so that Keras's slots are read
            replace(handle, where, **huge)

        rewrite_weights(saved["Adam"], target, edit)
        assert target.stat().st_size < 64 * 1024
        paths.append(str(target))
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    for where in ("progress/order", "callbacks/0/queue", "metrics/0/total"):
        state = tmp_path / f"bomb-{len(paths)}.h5"
        write_training_state(state, model, epoch=1, batch=0, order=torch.arange(8), callbacks=[lamina.callbacks.Callback()])
        with h5py.File(state, "r+") as handle:
            handle.require_group("callbacks/0").attrs["class"] = np.bytes_(b"Callback")
            handle["callbacks/0"].attrs["plain"] = np.bytes_(b"{}")
            if where in handle:
                del handle[where]
            handle.create_dataset(where, shape=(16 * 1024**3,), dtype=np.float64)  # 128 GiB
        assert state.stat().st_size < 64 * 1024
        paths.append(str(state))
    child = subprocess.run(
        [sys.executable, "-c", BOMB_CHILD, *paths], capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, f"exit {child.returncode}\n{child.stdout}\n{child.stderr[-2000:]}"
    assert child.stdout.count("refused") == len(paths), child.stdout


# ------------------------------------------------------------ item 7: saving edge cases
def test_a_deeply_nested_config_is_a_saving_error(tmp_path):
    inner = '{"class_name": "Dense", "config": {"units": 2}}'
    for _ in range(sys.getrecursionlimit()):
        inner = f'{{"class_name": "Sequential", "config": {{"layers": [{inner}]}}}}'
    for text in (inner, "[" * 200_000 + "]" * 200_000):
        path = tmp_path / "deep.keras"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", text)
        with pytest.raises(SavingError, match="nests too deeply"):
            lamina.models.load_model(path)


def test_saving_into_a_read_only_folder_names_the_users_path(tmp_path, monkeypatch):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: refuse the temporary file as the OS would
        real_open = os.open

        def refuse_in_folder(path, *args, **kwargs):
            if os.path.dirname(os.fspath(path)) == str(folder):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse_in_folder)
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(2)])
    try:
        for name, save in (("m.keras", model.save), ("m.weights.h5", model.save_weights)):
            with pytest.raises(PermissionError) as caught:
                save(folder / name)
            assert caught.value.filename == str(folder / name)
            assert ".tmp" not in str(caught.value) and "Cannot save to" in str(caught.value)
    finally:
        folder.chmod(0o755)
    assert os.listdir(folder) == []


@pytest.mark.parametrize("make", [
    lambda keras: keras.layers.Dense(2, name="block/dense"),
    lambda keras: keras.Sequential(name="outer/inner"),
    lambda keras: keras.layers.Input((3,), name="in/put"),
], ids=["layer", "model", "input"])
def test_a_layer_name_with_a_slash_is_refused_at_creation_as_in_keras(make):
    import keras

    with pytest.raises(ValueError, match="cannot contain character `/`"):
        make(keras)
    with pytest.raises(ConfigurationError, match="without '/'"):
        make(lamina)


def test_a_config_naming_builtins_gives_a_short_message(saved, tmp_path):
    import json

    with zipfile.ZipFile(saved["Adam"]) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["dtype"] = "__builtins__"
    members["config.json"] = json.dumps(config)
    path = tmp_path / "builtins.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(SavingError, match="__builtins__") as caught:
        lamina.models.load_model(path)
    assert len(str(caught.value)) < 400 and "Built-in functions" not in str(caught.value)
