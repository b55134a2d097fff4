"""``lamina.keras``: the ``tf.keras`` namespace, so ``import lamina as tf`` runs Keras code.

``tf.keras.layers``, ``tf.keras.models``, ``tf.keras.datasets`` ... are lamina's own
modules; ``from lamina.keras.layers import Dense`` works too.
"""

import sys

from lamina import (
    activations,
    applications,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    saving,
    utils,
)
from lamina.layers import Input
from lamina.models import Model, Sequential

_SUBMODULES = {
    "activations": activations,
    "applications": applications,
    "backend": backend,
    "callbacks": callbacks,
    "constraints": constraints,
    "datasets": datasets,
    "initializers": initializers,
    "layers": layers,
    "losses": losses,
    "metrics": metrics,
    "models": models,
    "optimizers": optimizers,
    "regularizers": regularizers,
    "saving": saving,
    "utils": utils,
}
for _name, _module in _SUBMODULES.items():
    sys.modules[f"{__name__}.{_name}"] = _module

__all__ = ["Input", "Model", "Sequential", *_SUBMODULES]
