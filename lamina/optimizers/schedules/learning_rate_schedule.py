"""``LearningRateSchedule``: a learning rate that is a function of the optimizer step.

Pass one as ``learning_rate=`` to any lamina optimizer: before each update the optimizer
evaluates it at ``optimizer.iterations`` (the number of updates so far; with gradient
accumulation, the number of micro-steps, as in Keras) and writes the value into the
torch optimizer's parameter groups. Schedules are plain Python arithmetic on an int, so
this costs a few hundred nanoseconds per step and never touches the device.
"""

import numbers

from lamina.errors import ConfigurationError, describe


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step) -> float`` and ``get_config``.

    Example:
        ```python
        class Halving(LearningRateSchedule):
            def __init__(self, initial, every):
                self.initial, self.every = initial, every

            def __call__(self, step):
                return self.initial * 0.5 ** (int(step) // self.every)

            def get_config(self):
                return {"initial": self.initial, "every": self.every}
        ```
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must implement __call__(self, step) "
            "and return the learning rate (a float) for that step."
        )

    def get_config(self):
        """The constructor arguments that rebuild this object with ``from_config``."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must implement get_config() to be "
            "serializable."
        )

    @classmethod
    def from_config(cls, config):
        """Rebuild an instance from the dict ``get_config`` returned."""
        return cls(**config)

    def __repr__(self):
        try:
            arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            arguments = ""
        return f"{type(self).__name__}({arguments})"


def as_step(step):
    """``step`` as a Python float (a 0-d tensor is read back to the host, once)."""
    if isinstance(step, numbers.Real):
        return float(step)
    try:
        return float(step)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"A learning rate schedule needs a step number. Received: step={describe(step)}."
        ) from None


def check_positive(owner, name, value):
    """Raise unless ``value`` is a number > 0; return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ConfigurationError(f"{owner}: {name} must be > 0. Received: {name}={value!r}.")
    return value


def check_number(owner, name, value):
    """Raise unless ``value`` is a real number; return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigurationError(f"{owner}: {name} must be a number. Received: {name}={value!r}.")
    return value
