"""Look up optimizers by name or config (``get``) and describe them (``serialize``)."""

import torch

from lamina.errors import ConfigurationError, describe
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.lion import Lion
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD
from lamina.optimizers.torch_optimizer import TorchOptimizer

_BY_NAME = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adamax": Adamax,
    "nadam": Nadam,
    "lion": Lion,
}
ALL_NAMES = tuple(_BY_NAME)

# Classes a config may name; TorchOptimizer needs its config, so it has no short name.
_BY_CLASS_KEY = {**_BY_NAME, "torchoptimizer": TorchOptimizer}


def _loss_scale_optimizer():
    # load order: loss_scale_optimizer imports this module
    from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

    return LossScaleOptimizer


def _key(name):
    """Names match ignoring case and underscores: "RMSprop" == "rmsprop" == "RMS_prop"."""
    return name.replace("_", "").lower()


def _class_named(name, table):
    cls = table.get(_key(name))
    if cls is None:
        raise ConfigurationError(
            f"Unknown optimizer. Received: optimizer={name!r}. Valid names (any case): "
            f"{', '.join(ALL_NAMES)}. Or pass an Optimizer instance, a torch.optim.Optimizer "
            "instance, or a config dict {'class_name': 'Adam', 'config': {...}}."
        )
    return cls


def serialize(optimizer):
    """Keras's serialized form: ``{"module", "class_name", "config"}``."""
    if not isinstance(optimizer, (Optimizer, _loss_scale_optimizer())):
        raise ConfigurationError(
            f"serialize: expected a lamina Optimizer. Received: {describe(optimizer)}."
        )
    return {
        "module": "lamina.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
    }


def deserialize(config):
    """Create an optimizer from ``serialize``'s dict (or Keras 3's, for its optimizers).

    Raises:
        ConfigurationError: if the class is unknown or the config does not fit it.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ConfigurationError(
            "An optimizer config must be a dict with a 'class_name' string. Received: "
            f"{describe(config)}. Example: {{'class_name': 'Adam', 'config': "
            "{'learning_rate': 0.001}}."
        )
    if _key(config["class_name"]) == "lossscaleoptimizer":
        return _loss_scale_optimizer().from_config(config.get("config") or {})
    cls = _class_named(config["class_name"], _BY_CLASS_KEY)
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """Return the optimizer ``identifier`` stands for.

    Args:
        identifier: ``None`` (returned as is), a name (``"adam"``, ``"SGD"``, ``"RMSprop"``,
            ``"adamw"``, ``"adagrad"``, ``"adadelta"``, ``"adamax"``, ``"nadam"``, ``"lion"``,
            in any case) giving Keras's defaults, a lamina
            ``Optimizer`` (returned as is), a ``torch.optim.Optimizer`` instance (wrapped in
            ``TorchOptimizer``), or a config dict ``{"class_name": ..., "config": {...}}``.

    Raises:
        ConfigurationError: if the identifier is unknown or unusable.
    """
    if identifier is None or isinstance(identifier, (Optimizer, _loss_scale_optimizer())):
        return identifier
    if isinstance(identifier, str):
        return _class_named(identifier, _BY_NAME)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, torch.optim.Optimizer):
        return TorchOptimizer(identifier)
    hint = ""
    if isinstance(identifier, type) and issubclass(identifier, (Optimizer, torch.optim.Optimizer)):
        hint = f" Pass an instance, e.g. {identifier.__name__}(...)."
        if issubclass(identifier, torch.optim.Optimizer):
            hint = f" Pass TorchOptimizer({identifier.__name__}, lr=...) to build it lazily."
    raise ConfigurationError(
        f"Could not interpret the optimizer. Received: optimizer={describe(identifier)}.{hint} "
        f"Valid names: {', '.join(ALL_NAMES)}; or an Optimizer, a torch.optim.Optimizer "
        "instance, or a config dict."
    )
