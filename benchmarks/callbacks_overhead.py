"""Cost of the common callbacks and extra metrics on the seed MLP (Fashion-MNIST, batch 32).

Contenders, each in its own worker process, run alternately round after round:

- ``bare``: the seed model (Flatten, Dense 128 relu, Dropout 0.2, Dense 10 softmax; Adam;
  sparse crossentropy; accuracy) with ``validation_split=0.1``.
- ``callbacks``: the same plus EarlyStopping, ModelCheckpoint(save_best_only, per epoch),
  ReduceLROnPlateau, CSVLogger, TerminateOnNaN, TensorBoard (epoch level) and three
  metrics that take sparse labels as Keras allows: SparseTopKCategoricalAccuracy(k=3),
  MeanIoU(10, sparse_y_pred=False) and SparseCategoricalCrossentropy. (Precision and
  Recall need one-hot or binary targets in Keras, so they do not fit this model.)
- ``nan_check``: bare plus TerminateOnNaN alone, the only per-batch callback above (it
  reads the loss after every batch), to price that check per step.
- ``metrics_only`` / ``callbacks_only``: the two halves of ``callbacks``, to tell which
  costs what.

Each fit runs all epochs in one call; a timing callback records seconds per epoch
(training, validation and every callback's epoch-end work). The first epoch is warm-up;
the figure is the median of the later epochs. Target: ``callbacks`` within 1.15x of ``bare``.

    python benchmarks/callbacks_overhead.py              # 3 rounds x 4 epochs, 60k samples
    python benchmarks/callbacks_overhead.py --quick      # a smoke run: 6k samples, 2 epochs
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BATCH = 32
HERE = os.path.abspath(__file__)
CONTENDERS = ("bare", "callbacks", "nan_check", "metrics_only", "callbacks_only")


def load_data(limit):
    from lamina.datasets import fashion_mnist

    (x_train, y_train), _ = fashion_mnist.load_data()
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    return x_train / 255.0, y_train


def build_model(extra_metrics):
    import lamina as tf

    model = tf.keras.models.Sequential(
        [
            tf.keras.layers.Flatten(input_shape=(28, 28)),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dropout(0.2),
            tf.keras.layers.Dense(10, activation="softmax"),
        ]
    )
    metrics = ["accuracy"]
    if extra_metrics:
        metrics += [
            tf.keras.metrics.SparseTopKCategoricalAccuracy(k=3),
            tf.keras.metrics.MeanIoU(num_classes=10, sparse_y_pred=False),
            tf.keras.metrics.SparseCategoricalCrossentropy(),
        ]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
    return model


def callbacks_for(name, folder):
    from lamina import callbacks

    if name in ("bare", "metrics_only"):
        return []
    if name == "nan_check":
        return [callbacks.TerminateOnNaN()]
    return [
        callbacks.EarlyStopping(patience=100),
        callbacks.ModelCheckpoint(
            os.path.join(folder, "best.weights.h5"), save_best_only=True, save_weights_only=True
        ),
        callbacks.ReduceLROnPlateau(patience=100),
        callbacks.CSVLogger(os.path.join(folder, "log.csv")),
        callbacks.TerminateOnNaN(),
        callbacks.TensorBoard(os.path.join(folder, "tb")),
    ]


def run(name, epochs, limit):
    from lamina import callbacks

    x, y = load_data(limit)
    model = build_model(extra_metrics=name in ("callbacks", "metrics_only"))
    stamps = []
    timer = callbacks.LambdaCallback(
        on_train_begin=lambda logs: stamps.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: stamps.append(time.perf_counter()),
    )
    with tempfile.TemporaryDirectory() as folder:
        history = model.fit(
            x,
            y,
            epochs=epochs,
            batch_size=BATCH,
            validation_split=0.1,
            verbose=0,
            callbacks=[*callbacks_for(name, folder), timer],
        )
    times = [later - earlier for earlier, later in zip(stamps, stamps[1:])]
    steps = -(-int(len(x) * 0.9) // BATCH)
    return times, history.history["val_accuracy"][-1], steps


def worker(name, epochs, limit):
    times, accuracy, steps = run(name, epochs, limit)
    print(json.dumps({"name": name, "times": times, "accuracy": accuracy, "steps": steps}))


def spawn(name, epochs, limit, threads):
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    command = [
        sys.executable,
        HERE,
        "--worker",
        name,
        "--epochs",
        str(epochs),
        "--limit",
        str(limit),
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(f"[{name}] failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--epochs", type=int, default=4, help="epochs per worker (first is warm-up)"
    )
    parser.add_argument("--limit", type=int, default=0, help="use only this many training samples")
    parser.add_argument("--threads", type=int, default=0, help="OMP_NUM_THREADS (0: default)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 round, 2 epochs, 6k samples"
    )
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    contenders = [c for c in CONTENDERS if not args.only or c in args.only.split(",") or c == "bare"]
    if args.quick:
        args.rounds, args.epochs, args.limit = 1, 2, args.limit or 6000
    if args.worker:
        worker(args.worker, args.epochs, args.limit)
        return
    steady = {name: [] for name in contenders}
    steps = None
    for round_index in range(args.rounds):
        for name in contenders:
            result = spawn(name, args.epochs, args.limit, args.threads)
            if result is None:
                continue
            steps = result["steps"]
            steady[name].extend(result["times"][1:])
            print(
                f"round {round_index + 1} {name:<14} epochs {[f'{t:.2f}' for t in result['times']]} "
                f"val acc {result['accuracy']:.4f}",
                flush=True,
            )
    if not all(steady.values()):
        sys.exit("some contenders failed; see above")
    bare = statistics.median(steady["bare"])
    print(f"\nsteady seconds per epoch (median), batch {BATCH}, {steps} steps per epoch:")
    for name in contenders:
        median = statistics.median(steady[name])
        extra = (median - bare) / steps * 1e6
        print(
            f"  {name:<14} {median:7.3f} s   x{median / bare:5.3f} of bare   {extra:+7.1f} us/step"
        )
    if "callbacks" not in steady:
        return
    ratio = statistics.median(steady["callbacks"]) / bare
    verdict = "within" if ratio <= 1.15 else "OVER"
    print(f"\ncallbacks + metrics: x{ratio:.3f} of bare ({verdict} the 1.15x target)")


if __name__ == "__main__":
    main()
