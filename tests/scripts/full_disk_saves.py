"""Used by test_save_failures.py: saves that the kernel refuses part-way (RLIMIT_FSIZE).

For each file lamina writes (model.save, save_weights, a ModelCheckpoint, a
BackupAndRestore backup) it saves once, lowers the file-size limit below that size,
trains on and saves again, and reports as one JSON line: the error, whether the previous
file is byte-for-byte intact and loadable, and which temporary files were left behind.
"""

import json
import os
import resource
import signal
import sys
from pathlib import Path

import numpy as np

import lamina
from lamina import callbacks, layers
from lamina.saving.training_state import read_training_state

folder = Path(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 32)).astype(np.float32)
y = (x[:, 0] > 0).astype(np.int64)


def make_model():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Dense(64, activation="relu", input_shape=(32,)), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def fresh_load_weights(path):
    model = make_model()
    model.load_weights(path)


def backup_save(model, path):
    epochs = 2 if path.exists() else 1  # the second run resumes after epoch 1 and backs up epoch 2
    backup = callbacks.BackupAndRestore(path.parent, delete_checkpoint=False)
    model.fit(x, y, epochs=epochs, verbose=0, callbacks=[backup])


def checkpoint_save(model, path):
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(path)])


CASES = {
    "model.keras": (lambda model, path: model.save(path), lamina.models.load_model),
    "model.weights.h5": (lambda model, path: model.save_weights(path), fresh_load_weights),
    "ckpt.keras": (checkpoint_save, lamina.models.load_model),
    "backup/training_state.h5": (backup_save, lambda path: read_training_state(path, make_model(), [])),
}


def attempt(index, name, save, load):
    path = folder / f"case{index}" / name
    path.parent.mkdir(parents=True)
    model = make_model()
    save(model, path)
    before = path.read_bytes()
    model.fit(x, y, epochs=1, verbose=0)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) // 2, hard))
    error = None
    try:
        save(model, path)
    except OSError as caught:
        error = f"OSError errno {caught.errno}"
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    try:
        load(path)
        loadable = True
    except Exception as caught:  # reported, not raised: the test prints it
        loadable = repr(caught)
    return {
        "error": error,
        "intact": path.read_bytes() == before,
        "loadable": loadable,
        "leftovers": sorted(set(os.listdir(path.parent)) - {path.name}),
    }


report = {name: attempt(index, name, *case) for index, (name, case) in enumerate(CASES.items())}
print(json.dumps(report))
