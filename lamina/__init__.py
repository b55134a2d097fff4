"""lamina: Keras's five friendly lines, on PyTorch.

``import lamina as tf`` lets Keras tutorial code run unchanged (``tf.keras.layers.Dense``,
``tf.keras.models.Sequential``, ``tf.keras.datasets.mnist``...).
"""

__version__ = "0.1.0"

from lamina import (  # noqa: E402  # noqa: E402
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    distribute,
    errors,
    initializers,
    keras,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    optimizers,
    regularizers,
    saving,
    utils,
)
from lamina.layers import Input  # noqa: E402
from lamina.models import Model, Sequential  # noqa: E402

__all__ = [
    "Input",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "constraints",
    "datasets",
    "distribute",
    "errors",
    "initializers",
    "keras",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
    "__version__",
]
