"""``InverseTimeDecay``: ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``."""

import math

from lamina.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    check_number,
    check_positive,
)


class InverseTimeDecay(LearningRateSchedule):
    """Learning rate falling as the inverse of time.

    Args:
        initial_learning_rate: The learning rate at step 0.
        decay_steps: Steps per unit of time, > 0.
        decay_rate: How fast the rate falls.
        staircase: Use ``floor(step / decay_steps)`` (a step function).
        name: Name of the schedule.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        owner = type(self).__name__
        self.initial_learning_rate = check_number(
            owner, "initial_learning_rate", initial_learning_rate
        )
        self.decay_steps = check_positive(owner, "decay_steps", decay_steps)
        self.decay_rate = check_number(owner, "decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        progress = as_step(step) / self.decay_steps
        if self.staircase:
            progress = math.floor(progress)
        return self.initial_learning_rate / (1.0 + self.decay_rate * progress)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
