"""Used by test_memory.py: build, compile, fit and delete a small model many times.

Prints as JSON the resident memory (MB) after iteration 5 and after the last one, how
many of the deleted models are still alive (something still refers to them), and how
many lamina layers are alive at the end.
"""

import gc
import json
import sys
import weakref

import numpy as np
import torch

import lamina
from lamina import layers

torch.set_num_threads(1)  # tiny ops: threads only add contention on a shared machine

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 50


def resident_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


rng = np.random.default_rng(0)
x = rng.normal(size=(256, 20)).astype(np.float32)
y = rng.integers(0, 4, size=256)
resident, deleted = {}, []


def sequential():
    return lamina.Sequential(
        [
            layers.Dense(64, activation="relu", input_shape=(20,)),
            layers.Dropout(0.1),
            layers.Dense(4, activation="softmax"),
        ]
    )


def functional():
    """Symbolic tensors and nodes reference layers and each other: cycles to collect."""
    inputs = lamina.Input((20,))
    hidden = layers.Dense(64, activation="relu")(inputs)
    hidden = layers.Dropout(0.1)(hidden)
    return lamina.Model(inputs, layers.Dense(4, activation="softmax")(hidden))


for iteration in range(1, ITERATIONS + 1):
    model = sequential() if iteration % 2 else functional()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = lamina.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    model.fit(x, y, epochs=2, batch_size=32, validation_split=0.25, callbacks=[stop], verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    deleted.append(weakref.ref(model))
    del model, stop
    gc.collect()
    if iteration in (5, ITERATIONS):
        resident[iteration] = resident_mb()
report = {
    "after_5": resident[5],
    "after_last": resident[ITERATIONS],
    "iterations": ITERATIONS,
    "models_alive": sum(ref() is not None for ref in deleted),
    "layers_alive": sum(issubclass(type(obj), lamina.layers.Layer) for obj in gc.get_objects()),
}
print(json.dumps(report))
