"""``PiecewiseConstantDecay``: a constant learning rate on each interval of steps."""

import bisect

from lamina.errors import ConfigurationError
from lamina.optimizers.schedules.learning_rate_schedule import LearningRateSchedule, as_step


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to and including ``boundaries[0]``, ``values[1]`` up to
    ``boundaries[1]``, ..., ``values[-1]`` after the last boundary.

    Args:
        boundaries: Increasing step numbers.
        values: One more value than boundaries.
        name: Name of the schedule.

    Example:
        ``PiecewiseConstantDecay([1000, 2000], [1e-3, 5e-4, 1e-4])`` uses 1e-3 for steps
        0-1000, 5e-4 for 1001-2000 and 1e-4 afterwards.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ConfigurationError(
                "PiecewiseConstantDecay: values must have one more entry than boundaries. "
                f"Received: boundaries={boundaries} ({len(boundaries)}), values={values} "
                f"({len(values)})."
            )
        if any(later <= earlier for earlier, later in zip(boundaries, boundaries[1:])):
            raise ConfigurationError(
                f"PiecewiseConstantDecay: boundaries must increase. Received: boundaries={boundaries}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        return self.values[bisect.bisect_left(self.boundaries, as_step(step))]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}
