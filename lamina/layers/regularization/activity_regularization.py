"""ActivityRegularization: the identity, plus an L1/L2 penalty on its input in training."""

from lamina.layers.core.identity import Identity
from lamina.regularizers import L1L2
from lamina.regularizers.regularizer import check_factor


class ActivityRegularization(Identity):
    """Pass inputs through unchanged; in training add ``l1 * sum|x| + l2 * sum x^2``
    (divided by the batch size, as Keras does for activity penalties) to the loss.

    Args:
        l1: L1 factor (non-negative, default 0.0).
        l2: L2 factor (non-negative, default 0.0).
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)  # the identity, masks passed on
        self.l1 = check_factor(l1, "l1", f"ActivityRegularization '{self.name}'")
        self.l2 = check_factor(l2, "l2", f"ActivityRegularization '{self.name}'")
        self.activity_regularizer = L1L2(l1=self.l1, l2=self.l2)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
