"""The ``Constraint`` base class and the checks shared by the norm constraints."""

from lamina.errors import ConfigurationError


class Constraint:
    """A projection applied to a weight after each optimizer step.

    A constraint is called on the weight in Keras's layout (a Dense kernel as
    ``(input_dim, units)``, a Conv2D kernel as ``(rows, cols, in, out)``) and returns
    the projected weight; lamina converts it back to its own layout and writes it in
    place. ``axis`` arguments therefore mean what they mean in Keras. Any function
    ``weight -> weight`` works as a constraint too.

    Example:
        ```python
        class NonNegative(lamina.constraints.Constraint):
            def __call__(self, w):
                return w.clamp_min(0.0)
        ```
    """

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments that rebuild this object with ``from_config``."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Rebuild an instance from the dict ``get_config`` returned."""
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def check_number(value, name, owner, low=0.0):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
        raise ConfigurationError(
            f"{owner}: {name} must be a number >= {low}. Received: {name}={value!r}."
        )
    return value


def check_axis(axis, owner):
    """``axis`` (an int or a list of ints, Keras layout) as a tuple of ints for torch."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not axes or any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
        raise ConfigurationError(
            f"{owner}: axis must be an int or a list of ints (axes of the Keras-layout weight, "
            f"e.g. 0 for a Dense kernel's input axis). Received: axis={axis!r}."
        )
    return tuple(axes)
