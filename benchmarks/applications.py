"""ResNet50 and MobileNetV2 inference (batch 32, 224x224x3, float32, CPU): lamina's
``applications`` vs the same networks written in plain PyTorch vs Keras 3 (torch backend).

"torch" is a minimal PyTorch equivalent of each network (torchvision's layout: NCHW
modules, inputs in ``torch.channels_last`` memory, ``torch.inference_mode``), the
reference of the ratios; torchvision itself is not a dependency. lamina and Keras run
their Keras models channels_last with ``predict_on_batch``. Contenders run alternately,
round after round, in one process; the first call of each is warm-up; the figure is the
median of the rounds, with the spread (min-max) beside it.

    python benchmarks/applications.py              # 5 rounds
    python benchmarks/applications.py --rounds 3 --no-keras
    python benchmarks/applications.py --threads 1 --plain-plan --no-keras

``--plain-plan`` adds "lamina-plain": the same model run without the plan passes of
``lamina.models.passes`` (every layer called as written, every value kept to the end),
to show what the passes gain. ``--threads`` sets ``torch.set_num_threads`` (single-thread
figures are steadier on a shared machine).
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

BATCH, SIZE = 32, 224


def _conv_bn(cin, cout, kernel, stride=1, groups=1, act=nn.ReLU, eps=1.001e-5):
    layers_ = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(cout, eps=eps)]
    return nn.Sequential(*layers_, act()) if act else nn.Sequential(*layers_)


class Bottleneck(nn.Module):
    """ResNet50's 1x1-3x3-1x1 block (stride on the 1x1 as Keras's ResNet v1)."""

    def __init__(self, cin, filters, stride, project):
        super().__init__()
        self.body = nn.Sequential(_conv_bn(cin, filters, 1, stride), _conv_bn(filters, filters, 3),
                                  _conv_bn(filters, 4 * filters, 1, act=None))
        self.shortcut = _conv_bn(cin, 4 * filters, 1, stride, act=None) if project else nn.Identity()

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def torch_resnet50(classes=1000):
    """ResNet50 in plain PyTorch (stages of 3, 4, 6, 3 bottleneck blocks)."""
    blocks, cin = [], 64
    for filters, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(count):
            blocks.append(Bottleneck(cin, filters, stride if i == 0 else 1, i == 0))
            cin = 4 * filters
    return nn.Sequential(_conv_bn(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1), *blocks,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, classes), nn.Softmax(-1))


class InvertedResidual(nn.Module):
    """MobileNetV2's expand-depthwise-project block."""

    def __init__(self, cin, cout, stride, expansion):
        super().__init__()
        hidden = cin * expansion
        expand = [_conv_bn(cin, hidden, 1, act=nn.ReLU6, eps=1e-3)] if expansion != 1 else []
        self.body = nn.Sequential(*expand, _conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6, eps=1e-3),
                                  _conv_bn(hidden, cout, 1, act=None, eps=1e-3))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


def torch_mobilenet_v2(classes=1000):
    """MobileNetV2 (alpha 1.0) in plain PyTorch."""
    from lamina.applications.mobilenet_v2 import BLOCKS

    blocks, cin = [], 32
    for filters, stride, expansion in BLOCKS:
        blocks.append(InvertedResidual(cin, filters, stride, expansion))
        cin = filters
    return nn.Sequential(_conv_bn(3, 32, 3, 2, act=nn.ReLU6, eps=1e-3), *blocks,
                         _conv_bn(320, 1280, 1, act=nn.ReLU6, eps=1e-3), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(1280, classes), nn.Softmax(-1))


def _without_plan_passes(build):
    """``build()`` with Functional models keeping their plain plan (no passes, no releases)."""
    from lamina.models import functional

    optimize = functional.optimize_graph
    functional.optimize_graph = lambda plan, outputs: plan
    try:
        return build()
    finally:
        functional.optimize_graph = optimize


def contenders(network, use_keras, plain_plan=False):
    """``{name: (callable running one batch, parameter count)}`` for ``network`` (torch's count
    leaves out the BatchNormalization statistics and, for ResNet50, Keras's convolution biases)."""
    images = np.random.default_rng(0).uniform(-1, 1, size=(BATCH, SIZE, SIZE, 3)).astype("float32")
    torch_model = (torch_resnet50 if network == "ResNet50" else torch_mobilenet_v2)().eval()
    torch_model = torch_model.to(memory_format=torch.channels_last)
    nchw = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)

    def run_torch():
        with torch.inference_mode():
            return torch_model(nchw)

    import lamina

    ours = getattr(lamina.applications, network)(weights=None)
    found = {"torch": (run_torch, sum(p.numel() for p in torch_model.parameters())),
             "lamina": (lambda: ours.predict_on_batch(images), ours.count_params())}
    if plain_plan:
        plain = _without_plan_passes(lambda: getattr(lamina.applications, network)(weights=None))
        found["lamina-plain"] = (lambda: plain.predict_on_batch(images), plain.count_params())
    if use_keras:
        import keras

        theirs = getattr(keras.applications, network)(weights=None)
        found["keras-torch"] = (lambda: theirs.predict_on_batch(images), theirs.count_params())
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--networks", default="ResNet50,MobileNetV2")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--plain-plan", action="store_true", help="also time lamina without its plan passes")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch {BATCH}, {SIZE}x{SIZE}, float32, CPU")
    for network in args.networks.split(","):
        runs = contenders(network, not args.no_keras, args.plain_plan)
        times = {name: [] for name in runs}
        cpu_times = {name: [] for name in runs}
        for run, _ in runs.values():
            run()  # warm-up
        for _ in range(args.rounds):
            for name, (run, _) in runs.items():
                start, cpu_start = time.perf_counter(), time.process_time()
                run()
                times[name].append(time.perf_counter() - start)
                cpu_times[name].append(time.process_time() - cpu_start)
        reference = statistics.median(times["torch"])
        cpu_reference = statistics.median(cpu_times["torch"])
        print(f"\n{network}")
        for name, (_, params) in runs.items():
            median, cpu = statistics.median(times[name]), statistics.median(cpu_times[name])
            print(f"  {name:12s} {median * 1000:8.1f} ms/batch  (min {min(times[name]) * 1000:.1f}, "
                  f"max {max(times[name]) * 1000:.1f})  {BATCH / median:7.1f} img/s  "
                  f"{median / reference:.2f}x torch  (CPU time {cpu * 1000:.0f} ms, "
                  f"{cpu / cpu_reference:.2f}x)  [{params} parameters]")


if __name__ == "__main__":
    main()
