"""The seed model without Dropout on real Fashion-MNIST, for tests/distribute/test_distributed.py.

Run it plainly (one process) or under torchrun (data parallel): the script is the same.
The test imports it to make the one-process reference (``train``) in its own process.
Usage: distributed_training.py OUT_DIR MODE, MODE one of
  plain   train 2 epochs in float64, then again in float32; rank 0 saves the weights,
          every rank its history (files named by dtype)
  kill    float64, a backup every 10 batches; rank 1 SIGKILLs itself mid-epoch 2
  resume  as kill without the kill: picks up the backup and finishes
The training data leaves a last batch of 1 sample (an empty share on rank 1) and the
validation data one of 3 (unequal shares).
"""

import functools
import json
import os
import signal
import sys

import numpy as np
import torch

import lamina
from lamina import distribute

TRAIN_SAMPLES, VAL_SAMPLES, BATCH, EPOCHS = 60 * 32 + 1, 6 * 32 + 3, 32, 2
KILL_AT = (1, 25)  # (epoch, batch), 0-based


class KillRankOne(lamina.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if distribute.rank() == 1 and (self.epoch, batch) == KILL_AT:
            os.kill(os.getpid(), signal.SIGKILL)


class CountBatches(lamina.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.count = 0

    def on_train_batch_end(self, batch, logs=None):
        self.count += 1


@functools.cache
def load_subset():
    (x_train, y_train), (x_test, y_test) = lamina.datasets.fashion_mnist.load_data()
    x_train, y_train = x_train[:TRAIN_SAMPLES] / 255.0, y_train[:TRAIN_SAMPLES]
    return x_train, y_train, x_test[:VAL_SAMPLES] / 255.0, y_test[:VAL_SAMPLES]


def main(out_dir, mode):
    if mode != "plain":
        distribute.DataParallel(timeout=30)  # explicit; "plain" relies on auto-detection
    for dtype in ("float64", "float32") if mode == "plain" else ("float64",):
        train(out_dir, mode, dtype)


def train(out_dir, mode, dtype):
    previous = lamina.backend.floatx()
    lamina.backend.set_floatx(dtype)
    try:
        fit_and_save(out_dir, mode, dtype)
    finally:
        lamina.backend.set_floatx(previous)


def fit_and_save(out_dir, mode, dtype):
    # Each rank seeds differently: fit must broadcast rank 0's weights and shuffles.
    lamina.utils.set_random_seed(7 + 1000 * distribute.rank())
    x_train, y_train, x_val, y_val = load_subset()
    model = lamina.Sequential([
        lamina.layers.Flatten(input_shape=(28, 28)),
        lamina.layers.Dense(128, activation="relu"),
        lamina.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    counter = CountBatches()
    callbacks = [counter, lamina.callbacks.CSVLogger(os.path.join(out_dir, f"log_{dtype}.csv"))]
    if mode in ("kill", "resume"):
        callbacks.append(lamina.callbacks.BackupAndRestore(os.path.join(out_dir, "backup"), save_freq=10))
    if mode == "kill":
        callbacks.append(KillRankOne())
    history = model.fit(
        x_train, y_train, batch_size=BATCH, epochs=EPOCHS, verbose=2,
        validation_data=(x_val, y_val), callbacks=callbacks,
    )
    rank = distribute.rank()
    with open(os.path.join(out_dir, f"history_{dtype}_rank{rank}.json"), "w") as handle:
        json.dump({"history": history.history, "batches_run": counter.count}, handle)
    if distribute.is_chief():
        weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
        np.savez(os.path.join(out_dir, f"weights_{dtype}.npz"), **weights)


if __name__ == "__main__":
    torch.set_num_threads(1)  # as torchrun sets for each process
    main(sys.argv[1], sys.argv[2])
