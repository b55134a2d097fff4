"""Shared runner of the benchmarks: lamina vs a plain PyTorch loop vs Keras 3 per backend.

Each contender trains in its own worker process (the benchmark script re-run with
``--worker NAME``); workers run alternately, round after round, so drifts in machine
speed hit all of them alike. The first epoch of every worker is warm-up; the figure
reported is the median of the later (steady) epochs.

A benchmark script defines ``run_<name>(epochs, quick) -> (epoch_seconds, test_accuracy)``
functions and calls ``main(...)``.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys

import numpy as np


def keras_backends():
    """The Keras 3 backends installed next to Keras (none if Keras is not installed)."""
    if importlib.util.find_spec("keras") is None:
        return []
    modules = {"jax": "jax", "tensorflow": "tensorflow", "torch": "torch"}
    return [name for name, module in modules.items() if importlib.util.find_spec(module)]


def fashion_mnist(quick=False, image_shape=None, train_size=2048, test_size=1000):
    """Real Fashion-MNIST scaled to [0, 1] (float32); ``quick`` keeps a small subset."""
    from lamina.datasets import fashion_mnist as dataset

    (x_train, y_train), (x_test, y_test) = dataset.load_data()
    if quick:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
        x_test, y_test = x_test[:test_size], y_test[:test_size]
    x_train = (x_train / 255.0).astype(np.float32)
    x_test = (x_test / 255.0).astype(np.float32)
    if image_shape is not None:
        x_train = x_train.reshape((-1, *image_shape))
        x_test = x_test.reshape((-1, *image_shape))
    return (x_train, y_train), (x_test, y_test)


def train_plain_torch(model, x, y, x_test, y_test, epochs, batch):
    """The loop a PyTorch user writes by hand, shared by every benchmark's ``torch`` worker:
    data already on the device, a permuted index per epoch, logits + cross_entropy, Adam
    (epsilon 1e-7 as Keras), running loss/accuracy summed on the device and read once per
    epoch. Returns ``(epoch_seconds, test_accuracy)``; the test set is scored in chunks."""
    import time

    import torch
    from torch import nn

    device = x.device
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x)).to(device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device)
        for i in range(0, len(x), batch):
            index = order[i : i + batch]
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
        chunks = [model(x_test[i : i + 1000]).argmax(1) for i in range(0, len(x_test), 1000)]
        accuracy = float((torch.cat(chunks) == y_test).float().mean())
    return times, accuracy


def run_plain_torch(model, inputs, data, epochs, batch, memory_format=None):
    """``train_plain_torch`` for a torch ``model`` on ``data`` (``fashion_mnist``'s
    arrays), moved once to the default device; ``inputs`` turns the image array into the
    model's input layout, ``memory_format`` optionally sets the images' memory format."""
    import torch

    (x_train, y_train), (x_test, y_test) = data
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    layout = {} if memory_format is None else {"memory_format": memory_format}
    x = torch.as_tensor(inputs(x_train), dtype=torch.float32, device=device).contiguous(**layout)
    y = torch.as_tensor(y_train, dtype=torch.long, device=device)
    model = model.to(device, **layout)
    xt = torch.as_tensor(inputs(x_test), dtype=torch.float32, device=device)
    yt = torch.as_tensor(y_test, dtype=torch.long, device=device)
    return train_plain_torch(model, x, y, xt, yt, epochs, batch)


def fit_timed(model, data, epochs, batch):
    """Time ``epochs`` one-epoch ``fit`` calls of a compiled lamina or Keras model, then
    score the test set. ``data`` is ``((x_train, y_train), (x_test, y_test))``. Returns
    ``(epoch_seconds, test_accuracy)``."""
    import time

    (x_train, y_train), (x_test, y_test) = data
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=1, batch_size=batch, verbose=0)
        times.append(time.perf_counter() - start)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return times, accuracy


def lamina_workers(build, load_data, batch):
    """The ``lamina`` and ``lamina-jit`` workers of a benchmark whose model is
    ``build(jit_compile=...)`` (a compiled lamina model) and data ``load_data(quick)``."""

    def worker(jit_compile):
        def run(epochs, quick=False):
            return fit_timed(build(jit_compile=jit_compile), load_data(quick), epochs, batch)

        return run

    return {"lamina": worker(False), "lamina-jit": worker(True)}


def _spawn(script, name, epochs, threads, quick, compare_with=None):
    env = dict(os.environ)
    if name == "lamina-before":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [compare_with, env.get("PYTHONPATH")]))
        name = "lamina"
    if name.startswith("keras-"):
        env["KERAS_BACKEND"] = name.split("-", 1)[1]
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    command = [sys.executable, script, "--worker", name, "--epochs", str(epochs)]
    out = subprocess.run(
        command + (["--quick"] if quick else []),
        env=env, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        print(f"[{name}] failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(script, doc, workers, run_keras, summary_title, default_rounds=2, default_epochs=3):
    """Parse the command line; run one worker, or all of them in alternating rounds.

    Args:
        script: the benchmark's ``__file__`` (re-run for each worker).
        doc: the benchmark's docstring (``--help``).
        workers: ``{"lamina": run_lamina, "torch": run_torch}``; each takes
            ``(epochs, quick)`` and returns ``(epoch_seconds, test_accuracy)``.
        run_keras: the same for Keras 3 (run once per installed backend).
        summary_title: the line above the summary table.
    """
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=default_rounds)
    parser.add_argument("--epochs", type=int, default=default_epochs,
                        help="epochs per worker (first is warm-up)")
    parser.add_argument(
        "--threads", type=int, default=0, help="OMP_NUM_THREADS for workers (0: default)"
    )
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--only", help="comma-separated contenders to run (e.g. lamina,torch,keras-jax)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: a small data subset, 1 round of 2 epochs")
    parser.add_argument("--compare-with", metavar="CHECKOUT",
                        help="also run lamina from another checkout (e.g. a git worktree of an older "
                        "commit) as 'lamina-before', alternating with today's")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run = run_keras if args.worker.startswith("keras-") else workers[args.worker]
        times, accuracy = run(args.epochs, args.quick)
        print(json.dumps({"name": args.worker, "times": times, "accuracy": accuracy}))
        return
    if args.quick:
        args.rounds, args.epochs = 1, 2
    names = list(workers) + ([] if args.no_keras else [f"keras-{b}" for b in keras_backends()])
    if args.compare_with:
        names.insert(1, "lamina-before")
    if args.only:
        names = [name for name in names if name in args.only.split(",")]
    steady = {name: [] for name in names}
    accuracy = {name: [] for name in names}
    for round_index in range(args.rounds):
        for name in names:
            result = _spawn(script, name, args.epochs, args.threads, args.quick, args.compare_with)
            if result is None:
                continue
            steady[name].extend(result["times"][1:])
            accuracy[name].append(result["accuracy"])
            epochs = [f"{t:.2f}" for t in result["times"]]
            print(f"round {round_index + 1} {name:<19} epochs {epochs} "
                  f"test acc {result['accuracy']:.4f}", flush=True)
    _summary(names, steady, accuracy, summary_title + (" [--quick subset]" if args.quick else ""))


def _summary(names, steady, accuracy, title):
    print(f"\n{title}:")
    base = statistics.median(steady["torch"]) if steady.get("torch") else float("nan")
    lamina_time = statistics.median(steady["lamina"]) if steady.get("lamina") else float("nan")
    for name in names:
        if not steady[name]:
            continue
        median = statistics.median(steady[name])
        print(f"  {name:<19} {median:6.2f} s   /plain PyTorch {median / base:5.2f}   "
              f"lamina/this {lamina_time / median:5.2f}   test acc {np.mean(accuracy[name]):.4f}")
