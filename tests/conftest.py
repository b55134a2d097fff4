import os

# Real Keras 3 is the numerical oracle of interop and layer tests; it runs on PyTorch.
os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest
import torch

from lamina.backend import set_random_seed
from lamina.backend.naming import clear_session

FASHION_DIR = os.environ.get("LAMINA_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(autouse=True)
def _fresh_session():
    clear_session()
    set_random_seed(1234)
    yield


@pytest.fixture
def float64_layers():
    """Layers built inside the test make float64 weights (lamina.backend floatx)."""
    from lamina.backend import floatx, set_floatx

    previous = floatx()
    set_floatx("float64")
    yield
    set_floatx(previous)


@pytest.fixture
def fashion_dir():
    if not os.path.isdir(FASHION_DIR):
        pytest.skip(f"Fashion-MNIST not installed at {FASHION_DIR} (apt-get install dataset-fashion-mnist)")
    return FASHION_DIR
