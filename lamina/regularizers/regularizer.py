"""The ``Regularizer`` base class and the check of penalty factors."""

import math

from lamina.errors import ConfigurationError


class Regularizer:
    """A penalty on a weight (or a layer's output), added to the training loss.

    A regularizer is called on a tensor and returns a scalar tensor. lamina calls weight
    regularizers on the weight in Keras's layout (a Dense kernel as ``(input_dim, units)``),
    so a regularizer written for Keras sees the shape it expects. Any function
    ``weight -> scalar`` works as a regularizer too.

    Subclasses implement ``__call__(x)`` and ``get_config()`` (the constructor arguments),
    so that models using them can be saved.

    Example:
        ```python
        class L2Regularizer(lamina.regularizers.Regularizer):
            def __init__(self, l2=0.0):
                self.l2 = l2

            def __call__(self, x):
                return self.l2 * x.square().sum()

            def get_config(self):
                return {"l2": self.l2}
        ```
    """

    def __call__(self, x):
        return x.new_zeros(())

    def get_config(self):
        """The constructor arguments that rebuild this object with ``from_config``."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement get_config(), so it cannot be saved. "
            f"Return its constructor arguments: `def get_config(self): return {{'l2': self.l2}}`."
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


def check_factor(value, name, owner):
    """``value`` as a float if it is a finite number >= 0, else a ConfigurationError."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigurationError(
            f"{owner}: {name} must be a non-negative, finite number. Received: {name}={value!r}."
        )
    return float(value)
