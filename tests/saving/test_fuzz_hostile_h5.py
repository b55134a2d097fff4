"""Hypothesis over hostile ``.keras`` files (issue #20): archive members mutated or truncated,
and the HDF5 structure of ``model.weights.h5`` rewritten (groups and datasets swapped,
removed or added; arrays of other shapes and dtypes; odd attributes).

Loading must give a model or raise ``SavingError``: nothing else. A model that loads must
also train one step without error (a bad optimizer slot reaching torch's fused kernels
would crash the process here).
"""

import functools
import io
import os
import tempfile
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamina
from lamina import layers
from lamina.errors import SavingError

X = np.random.default_rng(0).random((8, 3), dtype=np.float32)
Y = np.random.default_rng(1).random((8, 2), dtype=np.float32)
MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
DTYPES = ("float16", "float64", "int8", "int64", "uint32", "bool", "S4")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@functools.cache
def base_archive(optimizer):
    """The bytes of each member of a ``.keras`` file saved after one training step."""
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "base.keras")
        model.save(path)
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


@functools.cache
def h5_paths(optimizer):
    """Every object path inside the base archive's ``model.weights.h5``."""
    paths = []
    with h5py.File(io.BytesIO(base_archive(optimizer)["model.weights.h5"]), "r") as handle:
        handle.visit(paths.append)
    return tuple(sorted(paths))


def load_must_be_clean(tmp_path, members):
    path = tmp_path / "fuzzed.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    try:
        model = lamina.models.load_model(path)
    except SavingError:
        return
    if model.compiled:
        model.train_on_batch(X, Y)


optimizers = st.sampled_from(["adam", "sgd", "rmsprop", "nadam"])


@FUZZ
@given(
    optimizer=optimizers,
    member=st.sampled_from(MEMBERS),
    operation=st.sampled_from(["truncate", "flip", "replace", "drop"]),
    position=st.floats(0, 1),
    noise=st.binary(min_size=1, max_size=64),
)
def test_mutated_archive_members_load_or_raise_saving_error(tmp_path, optimizer, member, operation, position, noise):
    members = dict(base_archive(optimizer))
    data = bytearray(members[member])
    at = int(position * (len(data) - 1))
    if operation == "truncate":
        members[member] = bytes(data[:at])
    elif operation == "flip":
        for offset, byte in enumerate(noise):
            if at + offset < len(data):
                data[at + offset] ^= byte or 0xFF
        members[member] = bytes(data)
    elif operation == "replace":
        members[member] = bytes(data[:at]) + noise + bytes(data[at + len(noise):])
    else:
        del members[member]
    load_must_be_clean(tmp_path, members)


def rewrite(handle, path, operation, dtype, shape):
    parent, _, key = path.rpartition("/")
    group = handle[parent] if parent else handle
    if operation == "delete":
        del group[key]
    elif operation == "group":
        del group[key]
        group.create_group(key)
    elif operation == "array":
        del group[key]
        group.create_dataset(key, data=np.zeros(shape, dtype=dtype))
    elif operation == "extra":
        target = group[key] if isinstance(group[key], h5py.Group) else group
        name = "extra" if "extra" not in target else "extra_2"
        target.create_dataset(name, data=np.ones(shape, dtype=dtype))
    elif operation == "attribute":
        group[key].attrs["name"] = np.zeros(shape, dtype=dtype)
    elif operation == "scalar-attribute":
        group[key].attrs["step"] = np.zeros(shape, dtype=dtype)
    elif operation == "hard-link":
        del group[key]
        group[key] = handle


@FUZZ
@given(
    optimizer=optimizers,
    data=st.data(),
    operations=st.lists(
        st.tuples(
            st.sampled_from(["delete", "group", "array", "extra", "attribute", "scalar-attribute", "hard-link"]),
            st.sampled_from(DTYPES),
            st.lists(st.integers(0, 5), max_size=3).map(tuple),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_rewritten_hdf5_structures_load_or_raise_saving_error(tmp_path, optimizer, data, operations):
    members = dict(base_archive(optimizer))
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "r+") as handle:
        for operation, dtype, shape in operations:
            present = [p for p in h5_paths(optimizer) if p in handle]
            if not present:
                break
            rewrite(handle, data.draw(st.sampled_from(present)), operation, dtype, shape)
    members["model.weights.h5"] = buffer.getvalue()
    load_must_be_clean(tmp_path, members)


@pytest.mark.parametrize("optimizer", ["adam", "nadam"])
def test_the_unmutated_archives_load_and_train(tmp_path, optimizer):
    load_must_be_clean(tmp_path, dict(base_archive(optimizer)))
