"""A hand-written PyTorch training loop over a lamina model's ``trainable_weights``.

The model is built with lamina's layers; training needs no ``fit``: the loop computes the
loss, calls ``backward``, reads each weight's gradient as ``v.value.grad`` (as a Keras 3
program on the torch backend does) and updates the weights in place with plain SGD with
momentum. The model is a ``torch.nn.Module``, so ``torch.optim`` would work as well.

Run:  python examples/torch_loop.py      (LAMINA_EXAMPLE_QUICK=1 for a few seconds' run)
"""

import os

import numpy as np
import torch

import lamina as keras
from lamina import layers, ops

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"


def make_data(count, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(count, 2)).astype("float32")
    y = (x[:, :1] * x[:, 1:] > 0).astype("float32")  # the XOR quadrants
    return torch.from_numpy(x), torch.from_numpy(y)


def main():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), layers.Dense(16, activation="tanh"), layers.Dense(1)])
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    x, y = make_data(512 if QUICK else 4096)
    learning_rate, momentum = 0.1, 0.9
    velocity = [torch.zeros_like(v.value) for v in model.trainable_weights]

    steps = 40 if QUICK else 400
    for step in range(steps):
        batch = torch.randint(0, len(x), (64,))
        loss = loss_fn(y[batch], model(x[batch], training=True))
        for v in model.trainable_weights:
            v.value.grad = None
        loss.backward()
        with torch.no_grad():
            for v, moving in zip(model.trainable_weights, velocity):
                moving.mul_(momentum).add_(v.value.grad)
                v.value.sub_(learning_rate * moving)
        if step in (0, steps - 1):
            print(f"step {step}: loss {float(loss.detach()):.4f}")

    with torch.no_grad():
        accuracy = float(ops.mean(ops.equal(model(x) > 0, y > 0.5)))
    print(f"training accuracy: {accuracy:.3f}")


if __name__ == "__main__":
    main()
