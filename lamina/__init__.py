"""lamina: Keras's five friendly lines, on PyTorch.

``import lamina as tf`` lets Keras tutorial code run unchanged (``tf.keras.layers.Dense``,
``tf.keras.models.Sequential``, ``tf.keras.datasets.mnist``...).
"""

import importlib

from lamina import (
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribute,
    dtype_policies,
    errors,
    initializers,
    keras,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from lamina._version import __version__  # noqa: E402
from lamina.backend.device import device  # noqa: E402
from lamina.backend.name_scope import name_scope  # noqa: E402
from lamina.backend.remat import RematScope, remat  # noqa: E402
from lamina.backend.symbolic_scope import SymbolicScope  # noqa: E402
from lamina.dtype_policies import DTypePolicy, FloatDTypePolicy  # noqa: E402
from lamina.initializers import Initializer  # noqa: E402
from lamina.layers import Input, Layer  # noqa: E402
from lamina.layers.input_spec import InputSpec  # noqa: E402
from lamina.layers.symbolic import KerasTensor  # noqa: E402
from lamina.losses import Loss  # noqa: E402
from lamina.metrics import Metric  # noqa: E402
from lamina.models import Model, Sequential  # noqa: E402
from lamina.ops import Operation  # noqa: E402
from lamina.optimizers import Optimizer  # noqa: E402
from lamina.regularizers import Regularizer  # noqa: E402
from lamina.variables import StatelessScope, Variable  # noqa: E402

# Loaded on first use, so ``import lamina`` stays as fast as before they existed.
_LAZY_MODULES = ("distillation", "quantizers", "visualization")
_LAZY_NAMES = {"Function": "models.function", "Quantizer": "quantizers"}


def __getattr__(name):
    if name in _LAZY_MODULES:
        return importlib.import_module(f"lamina.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f"lamina.{_LAZY_NAMES[name]}"), name)
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY_MODULES, *_LAZY_NAMES])


def version():
    """lamina's version string, as ``keras.version()`` gives Keras's."""
    return __version__


__all__ = [
    "DTypePolicy",
    "FloatDTypePolicy",
    "Function",
    "Initializer",
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Model",
    "Operation",
    "Optimizer",
    "Quantizer",
    "Regularizer",
    "RematScope",
    "Sequential",
    "StatelessScope",
    "SymbolicScope",
    "Variable",
    "activations",
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "device",
    "datasets",
    "distillation",
    "distribute",
    "dtype_policies",
    "errors",
    "initializers",
    "keras",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "name_scope",
    "ops",
    "optimizers",
    "preprocessing",
    "quantizers",
    "random",
    "regularizers",
    "remat",
    "saving",
    "tree",
    "utils",
    "version",
    "visualization",
    "__version__",
]
