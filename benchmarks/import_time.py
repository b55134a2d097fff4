"""Start-up cost: ``import torch`` alone vs ``import torch; import lamina``, in fresh processes.

Each round starts one process of each kind, alternately, so drifts in machine speed hit
both alike; the figure is the median over rounds (spread: min-max). The target is lamina
within 0.3 s of torch. Bytecode is written once before timing (a wheel install compiles
it), so the figures do not include compiling lamina's sources.

    python benchmarks/import_time.py              # 7 rounds
    python benchmarks/import_time.py --rounds 15
"""

import argparse
import os
import statistics
import subprocess
import sys

PROBE = (
    "import time\n"
    "start = time.perf_counter()\n"
    "import torch\n"
    "middle = time.perf_counter()\n"
    "{second}\n"
    "print(middle - start, time.perf_counter() - middle)\n"
)


def run(second):
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(second=second)], capture_output=True, text=True, env=environment, check=True
    )
    torch_s, after_s = map(float, result.stdout.split())
    return torch_s, after_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    run("import lamina")  # writes lamina's bytecode
    torch_alone, lamina_after = [], []
    for _ in range(rounds):
        torch_alone.append(run("pass")[0])
        lamina_after.append(run("import lamina")[1])

    def show(values):
        return f"{statistics.median(values):.2f} s (spread {min(values):.2f}-{max(values):.2f})"

    print(f"import torch            {show(torch_alone)}")
    print(f"import lamina after it  {show(lamina_after)}   target: <= 0.30 s")


if __name__ == "__main__":
    main()
