"""MaxNorm, NonNeg, UnitNorm and MinMaxNorm (Keras 3 names, defaults and formulas)."""

from lamina.backend.config import epsilon
from lamina.constraints.constraint import Constraint, check_axis, check_number


def _norms(w, axes):
    return w.square().sum(dim=axes, keepdim=True).sqrt()


class MaxNorm(Constraint):
    """Rescale each weight vector along ``axis`` whose L2 norm exceeds ``max_value``.

    Args:
        max_value: largest allowed norm (default 2).
        axis: axis (or list of axes) of the Keras-layout weight over which norms are
            taken: 0 (default) for a Dense kernel ``(input_dim, units)`` constrains the
            vector of weights into each unit; ``[0, 1, 2]`` for a Conv2D kernel each filter.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = check_number(max_value, "max_value", "MaxNorm")
        self.axis = axis
        self._axes = check_axis(axis, "MaxNorm")

    def __call__(self, w):
        norms = _norms(w, self._axes)
        desired = norms.clamp(0, self.max_value)
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w):
        return w.clamp_min(0)


class UnitNorm(Constraint):
    """Rescale each weight vector along ``axis`` to unit L2 norm.

    Args:
        axis: as for ``MaxNorm`` (default 0).
    """

    def __init__(self, axis=0):
        self.axis = axis
        self._axes = check_axis(axis, "UnitNorm")

    def __call__(self, w):
        return w / (epsilon() + _norms(w, self._axes))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each weight vector's norm into ``[min_value, max_value]`` at ``rate``.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``:
    ``rate=1`` enforces the bounds strictly, smaller rates approach them gradually.

    Args:
        min_value, max_value: bounds of the norm (defaults 0.0 and 1.0).
        rate: enforcement rate in [0, 1] (default 1.0).
        axis: as for ``MaxNorm`` (default 0).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = check_number(min_value, "min_value", "MinMaxNorm")
        self.max_value = check_number(max_value, "max_value", "MinMaxNorm", low=min_value)
        self.rate = check_number(rate, "rate", "MinMaxNorm")
        self.axis = axis
        self._axes = check_axis(axis, "MinMaxNorm")

    def __call__(self, w):
        norms = _norms(w, self._axes)
        desired = self.rate * norms.clamp(self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }
