"""What ``lamina.ops`` costs over the torch calls it wraps.

1. Per call: ``ops.add``, ``ops.matmul``, ``ops.mean`` and ``ops.nn.relu`` on small torch
   tensors (so the call's overhead, not the arithmetic, is measured) against the bare torch
   call, ``CALLS`` calls per timing. Target: at most 1.5 us more per call (median).
2. Per training step: the same custom layer written with ``ops`` and with torch calls, in
   the same model, trained with ``train_on_batch``. Target: at most 1.05x the torch layer.

Contenders alternate, round after round (the order flipped every round), so drifts in
machine speed hit both alike; the figures are medians over rounds, with the spread
(lowest-highest round) beside them. One thread, CPU.

    python benchmarks/ops_overhead.py                 # 7 rounds
    python benchmarks/ops_overhead.py --rounds 11
    python benchmarks/ops_overhead.py --quick         # smoke test
"""

import argparse
import statistics
import time

import numpy as np
import torch

import lamina
from lamina import layers, ops

CALLS = 20000
STEPS = 60
BATCH = 64


def per_call_us(function, args, calls):
    start = time.perf_counter()
    for _ in range(calls):
        function(*args)
    return (time.perf_counter() - start) / calls * 1e6


def call_cases():
    a, b = torch.randn(8, 8), torch.randn(8, 8)
    return {
        "add": (ops.add, torch.add, (a, b)),
        "matmul": (ops.matmul, torch.matmul, (a, b)),
        "mean": (lambda x: ops.mean(x, axis=1), lambda x: torch.mean(x, dim=1), (a,)),
        "nn.relu": (ops.nn.relu, torch.relu, (a,)),
    }


class OpsBlock(layers.Layer):
    """``relu(x @ w + b)`` then a mean-centring, written with ``lamina.ops``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, x):
        h = ops.nn.relu(ops.add(ops.matmul(x, self.w), self.b))
        return ops.subtract(h, ops.mean(h, axis=-1, keepdims=True))


class TorchBlock(OpsBlock):
    """The same block written with torch calls."""

    def call(self, x):
        h = torch.relu(torch.matmul(x, self.w) + self.b)
        return h - h.mean(dim=-1, keepdim=True)


def build_model(block):
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.Input((32,)), block(64), block(64), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def step_ms(model, x, y, steps):
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return (time.perf_counter() - start) / steps * 1e3


def spread(values):
    return f"{min(values):.3g}-{max(values):.3g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    calls, steps, rounds = (2000, 10, 3) if args.quick else (CALLS, STEPS, args.rounds)

    print(f"Per call, {calls} calls a timing, {rounds} rounds (us; median, spread):")
    for name, (op, bare, operands) in call_cases().items():
        per_call_us(op, operands, calls // 10), per_call_us(bare, operands, calls // 10)  # warm-up
        differences, op_times, bare_times = [], [], []
        for round_index in range(rounds):
            pair = [(op, op_times), (bare, bare_times)]
            for function, times in pair if round_index % 2 == 0 else pair[::-1]:
                times.append(per_call_us(function, operands, calls))
            differences.append(op_times[-1] - bare_times[-1])
        difference = statistics.median(differences)
        verdict = "ok" if difference <= 1.5 else "over the 1.5 us target"
        print(f"  ops.{name:<8} {statistics.median(op_times):6.2f}  torch {statistics.median(bare_times):6.2f}  "
              f"difference {difference:+.2f} ({spread(differences)})  {verdict}")

    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, 32)).astype("float32")
    y = rng.normal(size=(BATCH, 1)).astype("float32")
    models = {"ops": build_model(OpsBlock), "torch": build_model(TorchBlock)}
    for model in models.values():
        step_ms(model, x, y, 3)  # warm-up
    times = {name: [] for name in models}
    ratios = []
    for round_index in range(rounds):
        order = list(models) if round_index % 2 == 0 else list(models)[::-1]
        for name in order:
            times[name].append(step_ms(models[name], x, y, steps))
        ratios.append(times["ops"][-1] / times["torch"][-1])
    ratio = statistics.median(ratios)
    verdict = "ok" if ratio <= 1.05 else "over the 1.05x target"
    print(f"Training step, {steps} steps a timing, batch {BATCH} (ms; median, spread):")
    print(f"  layer with ops {statistics.median(times['ops']):.3f}  with torch {statistics.median(times['torch']):.3f}  "
          f"ratio {ratio:.3f} ({spread(ratios)})  {verdict}")


if __name__ == "__main__":
    main()
