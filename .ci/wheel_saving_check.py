"""Saving on the installed wheel alone: run by check_wheel.sh in a fresh venv, outside the tree.

Each step is something a user does right after ``pip install lamina``: save and load a
model, save and load weights, checkpoint during fit, and resume an interrupted fit from
BackupAndRestore. Any missing runtime dependency (h5py was one) fails here.

Usage: python wheel_saving_check.py WORK_DIR
"""

import os
import sys

import numpy as np

import lamina
from lamina import layers

work = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 8)).astype("float32")
y = (x[:, 0] - x[:, 1] > 0).astype("int64")


def build():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([
        layers.Input((8,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return model


def same(a, b, what):
    if not np.allclose(a, b, atol=1e-6):
        sys.exit(f"wheel saving check FAILED: {what} differ (max {np.abs(a - b).max()})")


model = build()
checkpoint = os.path.join(work, "best.keras")
model.fit(x, y, epochs=2, batch_size=32, verbose=0,
          callbacks=[lamina.callbacks.ModelCheckpoint(checkpoint, monitor="loss", save_best_only=True)])
expected = model.predict(x, verbose=0)

model.save(os.path.join(work, "model.keras"))
same(lamina.models.load_model(os.path.join(work, "model.keras")).predict(x, verbose=0), expected, "load_model outputs")
model.save_weights(os.path.join(work, "model.weights.h5"))
fresh = build()
fresh.load_weights(os.path.join(work, "model.weights.h5"))
same(fresh.predict(x, verbose=0), expected, "load_weights outputs")
if not os.path.exists(checkpoint):
    sys.exit("wheel saving check FAILED: ModelCheckpoint wrote no file")
lamina.models.load_model(checkpoint)


class Interrupt(lamina.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt("simulated interruption")


backup = os.path.join(work, "backup")
uninterrupted = build()
uninterrupted.fit(x, y, epochs=4, batch_size=32, verbose=0, shuffle=False)
interrupted = build()
try:
    interrupted.fit(x, y, epochs=4, batch_size=32, verbose=0, shuffle=False,
                    callbacks=[lamina.callbacks.BackupAndRestore(backup), Interrupt()])
    sys.exit("wheel saving check FAILED: the interruption did not happen")
except KeyboardInterrupt:
    pass


class CountEpochs(lamina.callbacks.Callback):
    run = []

    def on_epoch_begin(self, epoch, logs=None):
        self.run.append(epoch)


resumed = build()
resumed.fit(x, y, epochs=4, batch_size=32, verbose=0, shuffle=False,
            callbacks=[lamina.callbacks.BackupAndRestore(backup), CountEpochs()])
if CountEpochs.run[0] == 0:
    sys.exit(f"wheel saving check FAILED: the resumed fit started over (epochs {CountEpochs.run})")
same(resumed.predict(x, verbose=0), uninterrupted.predict(x, verbose=0), "resumed and uninterrupted outputs")
print("wheel saving check passed: save/load_model, save/load_weights, ModelCheckpoint, BackupAndRestore resume")
