"""``PolynomialDecay``: from the initial to the end learning rate along ``(1 - t) ** power``."""

import math

from lamina.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    check_number,
    check_positive,
)


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``.

    Args:
        initial_learning_rate: The learning rate at step 0.
        decay_steps: Steps to reach ``end_learning_rate``, > 0.
        end_learning_rate: The final learning rate. Defaults to 1e-4.
        power: The polynomial's exponent. Defaults to 1.0 (linear).
        cycle: Start over after ``decay_steps`` (each cycle ``decay_steps`` times longer
            as ``ceil(step / decay_steps)``) instead of staying at the end rate.
        name: Name of the schedule.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        owner = type(self).__name__
        self.initial_learning_rate = check_number(
            owner, "initial_learning_rate", initial_learning_rate
        )
        self.decay_steps = check_positive(owner, "decay_steps", decay_steps)
        self.end_learning_rate = check_number(owner, "end_learning_rate", end_learning_rate)
        self.power = check_number(owner, "power", power)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step):
        step = as_step(step)
        decay_steps = self.decay_steps
        if self.cycle:
            decay_steps = decay_steps * (1.0 if step == 0 else math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        remaining = 1.0 - step / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * remaining**self.power + self.end_learning_rate

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }
