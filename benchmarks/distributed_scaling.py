"""Data parallel on one machine: the seed MLP on real Fashion-MNIST, 1 process vs 2 (torchrun,
gloo on CPU), the same global batch, steady seconds per epoch and the scaling.

On a 2-core machine expect little or no speed-up: two processes share the cores one
process already uses, and each step adds one all-reduce of the gradients (~100k floats
for this model). The figures show what data parallel costs per step; its correctness
is tested in tests/distribute/test_distributed.py.

    python benchmarks/distributed_scaling.py                  # 3 epochs, batch 32
    python benchmarks/distributed_scaling.py --batch 256 --epochs 4
    python benchmarks/distributed_scaling.py --quick          # smoke test on a small subset
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# (label, processes, threads per process, launched by torchrun)
SETUPS = [
    ("1 process, 2 threads", 1, 2, False),
    ("1 process, 1 thread", 1, 1, False),
    ("torchrun 1 process, 1 thread", 1, 1, True),
    ("torchrun 2 processes, 1 thread each", 2, 1, True),
]


def worker(out, epochs, batch, quick):
    import _harness
    import torch

    import lamina
    from lamina import distribute

    lamina.utils.set_random_seed(1)
    (x_train, y_train), (x_test, y_test) = _harness.fashion_mnist(quick)
    model = lamina.Sequential([
        lamina.layers.Flatten(input_shape=(28, 28)),
        lamina.layers.Dense(128, activation="relu"),
        lamina.layers.Dropout(0.2),
        lamina.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    times, accuracy = _harness.fit_timed(model, ((x_train, y_train), (x_test, y_test)), epochs, batch)
    sync_ms = None
    if distribute.current() is not None:
        model(torch.as_tensor(x_train[:batch])).sum().backward()
        distribute.sync_gradients(model, batch)  # warm-up
        start = time.perf_counter()
        for _ in range(50):
            distribute.sync_gradients(model, batch)
        sync_ms = (time.perf_counter() - start) / 50 * 1e3
    if distribute.is_chief():
        steps = -(-len(x_train) // batch)
        with open(out, "w") as handle:
            json.dump({"times": times, "accuracy": accuracy, "steps": steps, "sync_ms": sync_ms}, handle)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_setup(processes, threads, torchrun, args, out):
    script = [os.path.abspath(__file__), "--worker", out, "--epochs", str(args.epochs), "--batch", str(args.batch)]
    script += ["--quick"] if args.quick else []
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    env["OMP_NUM_THREADS"] = str(threads)
    env["LAMINA_DEVICE"] = "cpu"
    if torchrun:
        command = [
            sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(processes),
            "--master-addr", "127.0.0.1", "--master-port", str(free_port()), *script,
        ]
    else:
        command = [sys.executable, *script]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    with open(out) as handle:
        return json.load(handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32, help="global batch size")
    parser.add_argument("--quick", action="store_true", help="small subset, 2 epochs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.epochs = min(args.epochs, 2)
    if args.worker:
        worker(args.worker, args.epochs, args.batch, args.quick)
        return
    print(f"seed MLP, Fashion-MNIST{' (quick subset)' if args.quick else ''}, global batch "
          f"{args.batch}, {args.epochs} epochs; steady = median of epochs after the first", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for index, (label, processes, threads, torchrun) in enumerate(SETUPS):
            result = run_setup(processes, threads, torchrun, args, os.path.join(folder, f"{index}.json"))
            steady = statistics.median(result["times"][1:] or result["times"])
            results.append((label, steady, result))
            sync = f", all-reduce {result['sync_ms']:.2f} ms/step" if result["sync_ms"] is not None else ""
            print(f"  {label:38s} {steady:7.3f} s/epoch  {result['steps'] / steady:7.0f} steps/s  "
                  f"test acc {result['accuracy']:.3f}{sync}", flush=True)
    base = results[0][1]
    print("scaling vs 1 process with 2 threads (>1 is faster):")
    for label, steady, _ in results[1:]:
        print(f"  {label:38s} x{base / steady:.2f}")


if __name__ == "__main__":
    main()
