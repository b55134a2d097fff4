"""Training script used by test_resume.py: rerunning it continues from its backup."""

import sys
import time

import numpy as np

import lamina
from lamina import layers

backup_dir, weights_out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
lamina.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(640, 8)).astype("float32")
y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")

model = lamina.Sequential(
    [layers.Dense(16, activation="relu", input_shape=(8,)), layers.Dropout(0.3), layers.Dense(2, activation="softmax")]
)
model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])


class Announce(lamina.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        print(f"batch {self.fit_run.epoch} {batch}", flush=True)
        if mode != "plain":
            time.sleep(0.02)


callbacks = [Announce()]
if mode != "plain":
    backup = lamina.callbacks.BackupAndRestore(backup_dir, save_freq=3)
    if mode == "slow_write":
        def pause():
            print("WRITING", flush=True)
            time.sleep(0.3)

        backup._before_rename = pause
    callbacks.append(backup)
history = model.fit(x, y, epochs=3, batch_size=32, validation_split=0.2, callbacks=callbacks, verbose=0)
np.savez(weights_out, *model.get_weights(), loss=np.asarray(history.history["loss"]))
print("DONE", flush=True)
