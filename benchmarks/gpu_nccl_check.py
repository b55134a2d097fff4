"""Data parallel's GPU path, once: NCCL with one process on one GPU, started by torchrun.

    python benchmarks/gpu_nccl_check.py     # relaunches itself under torchrun --nproc-per-node 1

Checks that under torchrun lamina starts an NCCL group, puts the model on cuda:LOCAL_RANK,
that the gradient all-reduce, weight broadcast and metric reduction run on the GPU, and
that training under the group gives the same weights and logs as training without it.
Prints timings of both and ``OK`` (exit status 0), or the failure.
"""

import os
import socket
import subprocess
import sys
import time

SAMPLES, BATCH, EPOCHS = 8192, 256, 3


def relaunch_under_torchrun():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "1",
        "--master-addr", "127.0.0.1", "--master-port", str(port), os.path.abspath(__file__),
    ]
    return subprocess.run(command, timeout=600).returncode


def data():
    import numpy as np

    try:
        from lamina.datasets import fashion_mnist

        (x, y), _ = fashion_mnist.load_data()
        source = "Fashion-MNIST"
    except Exception as error:  # noqa: BLE001 - the GPU machine may have no copy; any data will do
        print(f"Fashion-MNIST unavailable ({type(error).__name__}); using random images")
        rng = np.random.default_rng(0)
        x, y = rng.integers(0, 256, (SAMPLES, 28, 28)), rng.integers(0, 10, SAMPLES)
        source = "random"
    return (x[:SAMPLES] / 255.0).astype("float32"), y[:SAMPLES], source


def train(x, y):
    import torch

    import lamina

    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([
        lamina.layers.Flatten(input_shape=(28, 28)),
        lamina.layers.Dense(128, activation="relu"),
        lamina.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # warm-up (CUDA context, kernels)
    torch.cuda.synchronize()
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0)
    logs = model.evaluate(x[:2048], y[:2048], batch_size=BATCH, verbose=0, return_dict=True)
    torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / EPOCHS
    return model, history.history, logs, seconds


def check():
    import numpy as np
    import torch

    from lamina import distribute
    from lamina.backend import get_device

    assert torch.cuda.is_available(), "no CUDA device"
    strategy = distribute.current()
    assert strategy is not None and "nccl" in strategy.backend, f"expected an NCCL group, got {strategy}"
    device = get_device()
    assert device == torch.device("cuda", distribute.local_rank()), f"model device {device}"
    x, y, source = data()

    model, history, logs, grouped_seconds = train(x, y)
    assert next(model.parameters()).device == device
    assert all(np.isfinite(v) for v in history["loss"]) and history["loss"][-1] < history["loss"][0]

    # The all-reduce of one process must give back the gradients it was given.
    model(torch.as_tensor(x[:BATCH], device=device), training=True).sum().backward()
    before = [p.grad.clone() for p in model.parameters()]
    distribute.sync_gradients(model, BATCH)
    for grad, parameter in zip(before, model.parameters()):
        torch.testing.assert_close(parameter.grad, grad, rtol=1e-6, atol=1e-7)

    strategy.shutdown()
    alone, alone_history, alone_logs, alone_seconds = train(x, y)
    difference = max(
        float(np.abs(a - b).max()) for a, b in zip(model.get_weights(), alone.get_weights())
    )
    assert difference < 1e-3, f"weights differ by {difference} with and without the NCCL group"
    for key in history:
        np.testing.assert_allclose(history[key], alone_history[key], rtol=0, atol=1e-3, err_msg=key)
    steps = -(-len(x) // BATCH)
    print(
        f"{torch.cuda.get_device_name(device)}, {source}, batch {BATCH}, {steps} steps/epoch\n"
        f"  NCCL group of 1: {grouped_seconds:.3f} s/epoch ({grouped_seconds / steps * 1e3:.2f} ms/step), "
        f"loss {history['loss'][-1]:.4f}, eval {logs}\n"
        f"  no group:        {alone_seconds:.3f} s/epoch ({alone_seconds / steps * 1e3:.2f} ms/step), "
        f"loss {alone_history['loss'][-1]:.4f}, eval {alone_logs}\n"
        f"  max weight difference {difference:.2e}\nOK"
    )


if __name__ == "__main__":
    if "RANK" not in os.environ:
        sys.exit(relaunch_under_torchrun())
    check()
