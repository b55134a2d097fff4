"""Seed MLP (Flatten, Dense 128 relu, Dropout 0.2, Dense 10 softmax; Adam; batch 32) on
real Fashion-MNIST: lamina vs a plain PyTorch loop (vs Keras 3 on each installed backend).

Each contender trains in its own worker process; workers run alternately, round after
round, so drifts in machine speed hit all of them alike. The first epoch of every worker
is warm-up; the figure reported is the median of the later (steady) epochs.

    python benchmarks/seed_mlp.py                 # 2 rounds of 3 epochs each
    python benchmarks/seed_mlp.py --rounds 3 --epochs 4
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

BATCH = 32
HERE = os.path.abspath(__file__)


def load_data():
    from lamina.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    return (x_train / 255.0, y_train), (x_test / 255.0, y_test)


def run_lamina(epochs):
    import lamina as tf

    (x_train, y_train), (x_test, y_test) = load_data()
    model = tf.keras.models.Sequential(
        [
            tf.keras.layers.Flatten(input_shape=(28, 28)),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dropout(0.2),
            tf.keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=1, batch_size=BATCH, verbose=0)
        times.append(time.perf_counter() - start)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return times, accuracy


def run_torch(epochs):
    """The loop a PyTorch user writes by hand: data on the device once, permuted slices,
    logits + cross_entropy, running loss/accuracy summed on the device."""
    import torch
    from torch import nn

    (x_train, y_train), (x_test, y_test) = load_data()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.as_tensor(x_train, dtype=torch.float32, device=device)
    y = torch.as_tensor(y_train, dtype=torch.long, device=device)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10)
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x)).to(device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device)
        for i in range(0, len(x), BATCH):
            index = order[i : i + BATCH]
            xb, yb = x.index_select(0, index), y.index_select(0, index)
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += loss * len(yb)
                correct += (logits.argmax(1) == yb).sum()
        float(loss_sum), float(correct)
        times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        xt = torch.as_tensor(x_test, dtype=torch.float32, device=device)
        yt = torch.as_tensor(y_test, dtype=torch.long, device=device)
        accuracy = float((model(xt).argmax(1) == yt).float().mean())
    return times, accuracy


def run_keras(epochs):
    import keras

    (x_train, y_train), (x_test, y_test) = load_data()
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=1, batch_size=BATCH, verbose=0)
        times.append(time.perf_counter() - start)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return times, accuracy


WORKERS = {"lamina": run_lamina, "torch": run_torch}


def keras_backends():
    if importlib.util.find_spec("keras") is None:
        return []
    modules = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}
    return [name for name, module in modules.items() if importlib.util.find_spec(module)]


def worker(name, epochs):
    if name.startswith("keras-"):
        times, accuracy = run_keras(epochs)
    else:
        times, accuracy = WORKERS[name](epochs)
    print(json.dumps({"name": name, "times": times, "accuracy": accuracy}))


def spawn(name, epochs, threads):
    env = dict(os.environ)
    if name.startswith("keras-"):
        env["KERAS_BACKEND"] = name.split("-", 1)[1]
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    out = subprocess.run(
        [sys.executable, HERE, "--worker", name, "--epochs", str(epochs)],
        env=env, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        print(f"[{name}] failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per worker (first is warm-up)")
    parser.add_argument("--threads", type=int, default=0, help="OMP_NUM_THREADS for workers (0: default)")
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.epochs)
        return
    names = ["lamina", "torch"] + ([] if args.no_keras else [f"keras-{b}" for b in keras_backends()])
    steady = {name: [] for name in names}
    accuracy = {name: [] for name in names}
    for round_index in range(args.rounds):
        for name in names:
            result = spawn(name, args.epochs, args.threads)
            if result is None:
                continue
            steady[name].extend(result["times"][1:])
            accuracy[name].append(result["accuracy"])
            print(f"round {round_index + 1} {name:<17} epochs {[f'{t:.2f}' for t in result['times']]} "
                  f"test acc {result['accuracy']:.4f}", flush=True)
    print("\nsteady seconds per epoch (median), batch 32, Fashion-MNIST 60k:")
    base = statistics.median(steady["torch"]) if steady["torch"] else float("nan")
    lamina_time = statistics.median(steady["lamina"]) if steady["lamina"] else float("nan")
    for name in names:
        if not steady[name]:
            continue
        median = statistics.median(steady[name])
        print(f"  {name:<17} {median:6.2f} s   /plain PyTorch {median / base:5.2f}   "
              f"lamina/this {lamina_time / median:5.2f}   test acc {np.mean(accuracy[name]):.4f}")


if __name__ == "__main__":
    main()
