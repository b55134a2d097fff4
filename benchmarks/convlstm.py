"""ConvLSTM2D training step: lamina's layer vs a hand-written PyTorch ConvLSTM.

The PyTorch cell is what a user writes by hand: one ``nn.Conv2d`` over the concatenated
input and hidden state (4 * filters outputs, 'same' padding), gates split, a Python loop
over time. lamina's ``ConvLSTM2D`` gets Keras's default channels-last data; a third row
runs it channels-first. Same sizes, same head (flatten + linear), same Adam; contenders
alternate, round after round, and the medians of the per-step times are reported.

    .venv/bin/python benchmarks/convlstm.py [--rounds 7] [--steps 5]
"""

import argparse
import statistics
import time

import torch
from torch import nn

import lamina

BATCH, STEPS, SIZE, CHANNELS, FILTERS, CLASSES = 16, 10, 16, 3, 16, 10


class TorchConvLSTM(nn.Module):
    """The plain PyTorch ConvLSTM: Conv2d over cat(x_t, h), sequence loop, last h."""

    def __init__(self, channels, filters, kernel=3):
        super().__init__()
        self.filters = filters
        self.conv = nn.Conv2d(channels + filters, 4 * filters, kernel, padding=kernel // 2)

    def forward(self, x):  # (batch, time, channels, H, W)
        b, _, _, h, w = x.shape
        hidden = x.new_zeros(b, self.filters, h, w)
        cell = torch.zeros_like(hidden)
        for t in range(x.shape[1]):
            i, f, g, o = self.conv(torch.cat([x[:, t], hidden], dim=1)).chunk(4, dim=1)
            cell = torch.sigmoid(f) * cell + torch.sigmoid(i) * torch.tanh(g)
            hidden = torch.sigmoid(o) * torch.tanh(cell)
        return hidden


def contenders():
    torch.manual_seed(0)
    head = SIZE * SIZE * FILTERS
    plain = nn.Sequential(TorchConvLSTM(CHANNELS, FILTERS), nn.Flatten(), nn.Linear(head, CLASSES))
    ours_last = nn.Sequential(lamina.layers.ConvLSTM2D(FILTERS, 3, padding="same"), nn.Flatten(),
                              nn.Linear(head, CLASSES))
    ours_first = nn.Sequential(lamina.layers.ConvLSTM2D(FILTERS, 3, padding="same", data_format="channels_first"),
                               nn.Flatten(), nn.Linear(head, CLASSES))
    x_first = torch.randn(BATCH, STEPS, CHANNELS, SIZE, SIZE)
    x_last = x_first.permute(0, 1, 3, 4, 2).contiguous()
    y = torch.randint(0, CLASSES, (BATCH,))
    found = {}
    for name, model, x in (("plain torch ConvLSTM", plain, x_first),
                           ("lamina ConvLSTM2D (channels_last)", ours_last, x_last),
                           ("lamina ConvLSTM2D (channels_first)", ours_first, x_first)):
        model(x)  # build lamina's lazy weights
        found[name] = (model, torch.optim.Adam(model.parameters(), eps=1e-7), x)
    return found, y


def step(model, optimizer, x, y):
    optimizer.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    found, y = contenders()
    times = {name: [] for name in found}
    for model, optimizer, x in found.values():
        step(model, optimizer, x, y)  # warm-up
    for _ in range(args.rounds):
        for name, (model, optimizer, x) in found.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step(model, optimizer, x, y)
            times[name].append((time.perf_counter() - start) / args.steps)
    base = statistics.median(times["plain torch ConvLSTM"])
    print(f"ConvLSTM2D training step, batch {BATCH}, {STEPS} steps of {SIZE}x{SIZE}x{CHANNELS}, "
          f"{FILTERS} filters, torch threads {torch.get_num_threads()}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:38s} {median * 1000:8.1f} ms/step  ({median / base:.2f}x plain torch)")


if __name__ == "__main__":
    main()
