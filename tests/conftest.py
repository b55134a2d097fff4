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


@pytest.fixture
def float64_everywhere():
    """float64 in lamina and in Keras (the oracle), on one thread: separates maths from rounding."""
    keras = pytest.importorskip("keras")
    from lamina.backend import floatx, set_floatx

    previous, previous_keras = floatx(), keras.config.floatx()
    # Keras keeps the global dtype policy it made at its first layer: floatx alone would not
    # reach layers built after any other test built one.
    previous_policy = keras.config.dtype_policy()
    threads = torch.get_num_threads()
    set_floatx("float64")
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    torch.set_num_threads(1)
    yield
    set_floatx(previous)
    keras.config.set_floatx(previous_keras)
    keras.config.set_dtype_policy(previous_policy)
    torch.set_num_threads(threads)


@pytest.fixture
def cheap_initializers():
    """Weights left undrawn (lamina's own load-time scope): architecture tests build large
    models fast, and only their structure counts."""
    from lamina.layers.deferred_init import skip_initializers

    with skip_initializers():
        yield
