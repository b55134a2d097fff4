"""TorchOptimizer: bring any torch.optim optimizer to compile/fit."""

import inspect

import torch

from lamina.errors import ConfigurationError, describe
from lamina.optimizers.optimizer import Optimizer, unique_parameters

_USAGE = (
    "Pass a constructed optimizer, TorchOptimizer(torch.optim.NAdam(model.parameters(), "
    "lr=1e-3)), or a class and its keyword arguments, TorchOptimizer(torch.optim.NAdam, "
    "lr=1e-3), which is built on the model's parameters when training starts."
)


class TorchOptimizer(Optimizer):
    """Adapter that lets a ``torch.optim.Optimizer`` act as a lamina optimizer.

    The torch optimizer's maths, defaults and ``weight_decay`` are its own; the adapter adds
    lamina's ``learning_rate`` property, ``iterations``, gradient clipping, ``state_dict`` and
    config. Optimizers whose ``step`` needs a closure (LBFGS) are not supported.

    Args:
        optimizer: A constructed ``torch.optim.Optimizer`` (already built over the
            parameters it was given; ``build`` leaves it as it is), or a subclass of
            ``torch.optim.Optimizer``, constructed by ``build(parameters)`` with
            ``optimizer_kwargs``.
        clipnorm: see ``Optimizer``, as for clipvalue, global_clipnorm, name and
            gradient_accumulation_steps.
        **optimizer_kwargs: Keyword arguments for the class (only with a class).

    Raises:
        ConfigurationError: if ``optimizer`` is neither, or keyword arguments accompany an
            instance.
    """

    def __init__(
        self,
        optimizer,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        gradient_accumulation_steps=None,
        **optimizer_kwargs,
    ):
        if isinstance(optimizer, torch.optim.Optimizer):
            if optimizer_kwargs:
                raise ConfigurationError(
                    "TorchOptimizer: keyword arguments are only used with an optimizer class; "
                    f"this optimizer is already constructed. Received: {sorted(optimizer_kwargs)}."
                )
            optimizer_class = type(optimizer)
            learning_rate = _as_float(optimizer.param_groups[0].get("lr", 0.0))
        elif inspect.isclass(optimizer) and issubclass(optimizer, torch.optim.Optimizer):
            optimizer_class = optimizer
            learning_rate = optimizer_kwargs.get("lr", _default_learning_rate(optimizer))
        else:
            raise ConfigurationError(
                f"TorchOptimizer: expected a torch.optim.Optimizer or a subclass of it. "
                f"Received: optimizer={describe(optimizer)}. {_USAGE}"
            )
        super().__init__(
            learning_rate,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name or optimizer_class.__name__.lower(),
            gradient_accumulation_steps=gradient_accumulation_steps,
        )
        self.optimizer_class = optimizer_class
        self.optimizer_kwargs = dict(optimizer_kwargs)
        self._wraps_instance = isinstance(optimizer, torch.optim.Optimizer)
        if self._wraps_instance:
            self.torch_optimizer = optimizer
            parameters = [p for group in optimizer.param_groups for p in group["params"]]
            self._parameters = unique_parameters(parameters, "TorchOptimizer")
            self._parameter_ids = frozenset(id(p) for p in self._parameters)
            self._before_step = self._choose_before_step()

    def build(self, parameters):
        """Construct the optimizer class over ``parameters``; an instance keeps its own."""
        if not self._wraps_instance:
            super().build(parameters)

    def _create_torch_optimizer(self, parameters):
        arguments = {**self.optimizer_kwargs, "lr": self._learning_rate}
        try:
            return self.optimizer_class(parameters, **arguments)
        except (TypeError, ValueError) as err:
            raise ConfigurationError(
                f"TorchOptimizer: {self.optimizer_class.__name__} rejected its arguments "
                f"({err}). Received: {arguments!r}."
            ) from err

    def get_config(self):
        if self._wraps_instance:
            arguments = {k: v for k, v in self.torch_optimizer.defaults.items() if k != "params"}
        else:
            arguments = dict(self.optimizer_kwargs)
        arguments["lr"] = self.learning_rate
        return {
            "name": self.name,
            "optimizer": _class_path(self.optimizer_class),
            "optimizer_kwargs": {key: _plain(value) for key, value in arguments.items()},
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config):
        """Recreate from ``get_config()``; the optimizer is constructed by ``build``.

        Only classes of ``torch.optim`` can be found by name.
        """
        arguments = dict(config)
        optimizer_class = _torch_optim_class(arguments.pop("optimizer", None))
        optimizer_kwargs = arguments.pop("optimizer_kwargs", None) or {}
        return cls(optimizer_class, **arguments, **optimizer_kwargs)


def _as_float(value):
    return value.item() if isinstance(value, torch.Tensor) else value


def _plain(value):
    """A JSON-friendly copy of a torch default (tuples become lists, tensors numbers)."""
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _default_learning_rate(optimizer_class):
    parameter = inspect.signature(optimizer_class).parameters.get("lr")
    default = None if parameter is None else parameter.default
    if not isinstance(default, (int, float)) or isinstance(default, bool):
        raise ConfigurationError(
            f"TorchOptimizer: {optimizer_class.__name__} has no default learning rate; pass "
            f"lr=..., e.g. TorchOptimizer({optimizer_class.__name__}, lr=1e-3)."
        )
    return default


def _class_path(optimizer_class):
    if getattr(torch.optim, optimizer_class.__name__, None) is optimizer_class:
        return f"torch.optim.{optimizer_class.__name__}"
    return f"{optimizer_class.__module__}.{optimizer_class.__qualname__}"


def _torch_optim_class(path):
    prefix = "torch.optim."
    name = path[len(prefix) :] if isinstance(path, str) and path.startswith(prefix) else None
    found = getattr(torch.optim, name, None) if name else None
    if not (inspect.isclass(found) and issubclass(found, torch.optim.Optimizer)):
        raise ConfigurationError(
            "TorchOptimizer.from_config: only torch.optim classes can be restored by name. "
            f"Received: optimizer={describe(path)}. For another class, pass it again: "
            "TorchOptimizer(MyOptimizer, **config['optimizer_kwargs'])."
        )
    return found
