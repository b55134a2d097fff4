"""One optimizer step: lamina's Keras-exact Adam, AdamW, RMSprop and SGD(momentum=0.9) vs
torch.optim's Adam, AdamW, RMSprop and SGD (torch's default foreach/fused choice), on the
parameters of the seed MLP (784-128-10) and of the keras-io convnet (benchmarks/convnet.py).

Only the step is timed: the gradients are set once and every step reads them. Each
(library, model) pair runs in its own worker process; workers run alternately, round after
round, so drifts in machine speed hit all of them alike. A worker warms up, then times
``--blocks`` blocks of ``--steps`` steps per optimizer; the figure is the median of the
per-step times of all blocks of all rounds, with the spread (min-max of the block figures).

    python benchmarks/optimizer_step.py                 # 3 rounds, CPU (and CUDA if present)
    python benchmarks/optimizer_step.py --rounds 5 --device cpu
    python benchmarks/optimizer_step.py --quick         # smoke test: 1 round, short blocks
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

OPTIMIZERS = ["Adam", "AdamW", "RMSprop", "SGD"]
MODELS = {
    # (shapes of the trainable tensors as torch keeps them)
    "mlp": [(128, 784), (128,), (10, 128), (10,)],
    "convnet": [(32, 1, 3, 3), (32,), (64, 32, 3, 3), (64,), (10, 1600), (10,)],
}


def _parameters(model, device):
    import torch

    generator = torch.Generator().manual_seed(0)
    parameters = []
    for shape in MODELS[model]:
        parameter = torch.nn.Parameter(torch.randn(shape, generator=generator).to(device) * 0.05)
        parameter.grad = torch.randn(shape, generator=generator).to(device) * 1e-2
        parameters.append(parameter)
    return parameters


def lamina_step(name, parameters):
    """lamina's optimizer at Keras's defaults (SGD: momentum 0.9), built on ``parameters``."""
    import lamina

    arguments = {"momentum": 0.9} if name == "SGD" else {}
    optimizer = getattr(lamina.optimizers, name)(**arguments)
    optimizer.build(parameters)
    return optimizer.step


def torch_step(name, parameters):
    """torch.optim's optimizer with Keras's default hyper-parameters, torch's implementation choice."""
    import torch

    if name == "SGD":
        optimizer = torch.optim.SGD(parameters, lr=0.01, momentum=0.9)
    elif name == "RMSprop":
        optimizer = torch.optim.RMSprop(parameters, lr=0.001, alpha=0.9, eps=1e-7)
    else:
        optimizer = getattr(torch.optim, name)(parameters, lr=0.001, eps=1e-7)
    return optimizer.step


def run_worker(library, model, device, blocks, steps):
    """``{optimizer: [microseconds per step, one per block]}`` for one library and model."""
    import torch

    make = lamina_step if library == "lamina" else torch_step
    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    steppers = {name: make(name, _parameters(model, device)) for name in OPTIMIZERS}
    for step in steppers.values():  # warm-up: state creation, kernel selection, caches
        for _ in range(max(10, steps // 5)):
            step()
    synchronize()
    times = {name: [] for name in OPTIMIZERS}
    for _ in range(blocks):
        for name, step in steppers.items():  # interleaved, so drifts hit all alike
            start = time.perf_counter()
            for _ in range(steps):
                step()
            synchronize()
            times[name].append((time.perf_counter() - start) / steps * 1e6)
    return times


def _spawn(worker, args):
    command = [sys.executable, os.path.abspath(__file__), "--worker", worker,
               "--blocks", str(args.blocks), "--steps", str(args.steps)]
    env = dict(os.environ)
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        print(f"worker {worker} failed:\n{result.stderr[-2000:]}", flush=True)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _devices(choice):
    if choice != "all":
        return [choice]
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=5, help="timed blocks per optimizer per worker")
    parser.add_argument("--steps", type=int, default=200, help="steps per block")
    parser.add_argument("--device", default="all", choices=["all", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=0, help="OMP_NUM_THREADS for workers (0: default)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 round of 3 blocks of 50 steps")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        library, model, device = args.worker.split(":")
        print(json.dumps(run_worker(library, model, device, args.blocks, args.steps)))
        return
    if args.quick:
        args.rounds, args.blocks, args.steps = 1, 3, 50
    workers = [f"{library}:{model}:{device}" for device in _devices(args.device)
               for model in MODELS for library in ("lamina", "torch")]
    blocks = {worker: {name: [] for name in OPTIMIZERS} for worker in workers}
    for round_index in range(args.rounds):
        for worker in workers:
            result = _spawn(worker, args)
            if result is None:
                continue
            for name in OPTIMIZERS:
                blocks[worker][name].extend(result[name])
            summary = " ".join(f"{name} {statistics.median(result[name]):.0f}" for name in OPTIMIZERS)
            print(f"round {round_index + 1} {worker:<22} us/step: {summary}", flush=True)
    _summary(workers, blocks)


def _summary(workers, blocks):
    print("\nmicroseconds per optimizer step (median [min-max of blocks]); lamina/torch:")
    for worker in workers:
        library, model, device = worker.split(":")
        if library != "lamina":
            continue
        reference = blocks[f"torch:{model}:{device}"]
        for name in OPTIMIZERS:
            mine, theirs = blocks[worker][name], reference[name]
            if not mine or not theirs:
                continue
            ratio = statistics.median(mine) / statistics.median(theirs)
            print(f"  {device:<4} {model:<8} {name:<8} lamina {statistics.median(mine):8.1f} "
                  f"[{min(mine):.0f}-{max(mine):.0f}]   torch {statistics.median(theirs):8.1f} "
                  f"[{min(theirs):.0f}-{max(theirs):.0f}]   ratio {ratio:5.2f}")


if __name__ == "__main__":
    main()
