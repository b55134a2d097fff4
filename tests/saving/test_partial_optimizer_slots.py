"""A saved weight's torch optimizer state with some of its slots removed is refused with a
SavingError at load (torch would raise KeyError at the first step), and a vars dataset where
a group belongs does not break the unclaimed-weights report."""

import io
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.errors import SavingError

X, Y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")


def _saved(tmp_path, optimizer):
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer, "mse")
    model.fit(X, Y, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewritten(tmp_path, members, change):
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "r+") as handle:
        change(handle)
    members = {**members, "model.weights.h5": buffer.getvalue()}
    path = tmp_path / "rewritten.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("optimizer, removed", [("adam", "step"), ("adam", "exp_avg"), ("nadam", "exp_avg_sq")])
def test_a_slot_missing_from_a_weights_state_is_refused(tmp_path, optimizer, removed):
    members = _saved(tmp_path, optimizer)
    path = _rewritten(tmp_path, members, lambda handle: handle["optimizer/torch_state/0"].pop(removed))
    with pytest.raises(SavingError, match=rf"missing \['{removed}'\]"):
        lamina.models.load_model(path)


def test_an_empty_state_is_a_weight_that_never_stepped(tmp_path):
    members = _saved(tmp_path, lamina.optimizers.SGD(momentum=0.9))
    path = _rewritten(tmp_path, members, lambda handle: handle["optimizer/torch_state/0"].pop("momentum_buffer"))
    model = lamina.models.load_model(path)
    model.fit(X, Y, verbose=0)


def test_a_vars_dataset_in_place_of_a_group_is_no_crash(tmp_path):
    members = _saved(tmp_path, "adam")

    def replace_vars(handle):
        del handle["layers/dense/vars"]
        handle["layers/dense/vars"] = np.zeros(2, "float16")
        handle.create_dataset("layers/stray/vars", data=np.zeros(1))

    path = _rewritten(tmp_path, members, replace_vars)
    with pytest.raises(SavingError):
        lamina.models.load_model(path)
