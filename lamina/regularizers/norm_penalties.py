"""L1, L2 and L1L2 weight penalties (Keras 3 names, defaults and formulas)."""

from lamina.regularizers.regularizer import Regularizer, check_factor


class L1(Regularizer):
    """``l1 * sum(abs(x))``.

    Args:
        l1: non-negative factor (default 0.01, as ``"l1"`` gives in Keras).
    """

    def __init__(self, l1=0.01):
        self.l1 = check_factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x):
        return self.l1 * x.abs().sum()

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(square(x))``.

    Note the absence of Keras 2's ``0.5``: this is exactly Keras 3's formula.

    Args:
        l2: non-negative factor (default 0.01, as ``"l2"`` gives in Keras).
    """

    def __init__(self, l2=0.01):
        self.l2 = check_factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x):
        return self.l2 * x.square().sum()

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(square(x))``.

    Args:
        l1, l2: non-negative factors (default 0.0 each, as Keras 3's class). The name
            ``"l1_l2"`` gives ``L1L2(l1=0.01, l2=0.01)``, the defaults Keras documents for it.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = check_factor(l1, "l1", "L1L2")
        self.l2 = check_factor(l2, "l2", "L1L2")

    def __call__(self, x):
        penalty = x.new_zeros(())
        if self.l1:
            penalty = penalty + self.l1 * x.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * x.square().sum()
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    """``L1L2`` with the defaults Keras documents for the name ``"l1_l2"``."""
    return L1L2(l1=l1, l2=l2)
