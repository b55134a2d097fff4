"""Where a training step's time goes: lamina's fit vs the plain PyTorch loop, same model.

For one benchmark model (convnet, lstm or seed_mlp) on the current device it prints:
the seconds per epoch of one ``fit(epochs=1)`` call and of each epoch inside one
``fit(epochs=3)`` (per-call costs vs per-step costs); every host-device synchronization
a lamina training step makes (CUDA only), by source line; and torch.profiler tables of
lamina's and the plain loop's steps (self CPU time, ops and launch counts).

    python benchmarks/step_profile.py convnet
    python benchmarks/step_profile.py lstm --steps 30
"""

import argparse
import collections
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _harness  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402


def per_epoch_seconds(model, x, y, batch):
    model.fit(x, y, epochs=1, batch_size=batch, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=batch, verbose=0)
    one_call = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, y, epochs=3, batch_size=batch, verbose=0)
    return one_call, (time.perf_counter() - start) / 3


def host_syncs(model, x, y, batch, steps):
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(x, y, epochs=1, batch_size=batch, steps_per_epoch=steps, verbose=0)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    return collections.Counter(
        f"{os.path.relpath(w.filename)}:{w.lineno}" for w in caught if "synchroniz" in str(w.message)
    )


def profile(step, steps, device):
    activities = [torch.profiler.ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as prof:
        step(steps)
        if device.type == "cuda":
            torch.cuda.synchronize()
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=18)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=["convnet", "lstm", "seed_mlp"])
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    bench = __import__(args.model)
    (x, y), _ = bench.load_data()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = bench.lamina_model()
    one_call, in_fit = per_epoch_seconds(model, x, y, bench.BATCH)
    print(f"lamina {args.model}: fit(epochs=1) {one_call:.3f} s, per epoch inside fit(epochs=3) {in_fit:.3f} s")
    if device.type == "cuda":
        syncs = host_syncs(model, x, y, bench.BATCH, args.steps)
        print(f"host syncs in {args.steps} lamina steps: {sum(syncs.values())}")
        for where, count in syncs.most_common(10):
            print(f"  {count:4d}  {where}")
    n = args.steps * bench.BATCH
    print(f"\n== lamina, {args.steps} steps\n" + profile(
        lambda steps: model.fit(x[:n], y[:n], epochs=1, batch_size=bench.BATCH, verbose=0), args.steps, device))
    torch_model = bench.plain_torch_model().to(device)
    xt = torch.as_tensor(bench.plain_torch_inputs(x[:n]), device=device)
    yt = torch.as_tensor(np.asarray(y[:n]), dtype=torch.long, device=device)
    _harness.train_plain_torch(torch_model, xt, yt, xt[:10], yt[:10], 1, bench.BATCH)
    print(f"\n== plain PyTorch, {args.steps} steps\n" + profile(
        lambda steps: _harness.train_plain_torch(torch_model, xt, yt, xt[:10], yt[:10], 1, bench.BATCH),
        args.steps, device))


if __name__ == "__main__":
    main()
