"""``CosineDecayRestarts``: cosine decay that restarts, each period ``t_mul`` times longer."""

import math

from lamina.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    check_number,
    check_positive,
)


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR (Loshchilov & Hutter, 2017): cosine decay over ``first_decay_steps``, then
    restarts; period ``i`` lasts ``first_decay_steps * t_mul ** i`` steps and starts at
    ``initial_learning_rate * m_mul ** i``.

    Args:
        initial_learning_rate: The learning rate at step 0.
        first_decay_steps: Length of the first period, > 0.
        t_mul: Growth factor of the period length. Defaults to 2.0.
        m_mul: Factor of each restart's peak. Defaults to 1.0.
        alpha: Final rate of each period as a fraction of its peak. Defaults to 0.0.
        name: Name of the schedule.
    """

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ):
        owner = type(self).__name__
        self.initial_learning_rate = check_number(
            owner, "initial_learning_rate", initial_learning_rate
        )
        self.first_decay_steps = check_positive(owner, "first_decay_steps", first_decay_steps)
        self.t_mul = check_positive(owner, "t_mul", t_mul)
        self.m_mul = check_number(owner, "m_mul", m_mul)
        self.alpha = check_number(owner, "alpha", alpha)
        self.name = name

    def __call__(self, step):
        fraction = as_step(step) / self.first_decay_steps
        restart, fraction = self._period(fraction)
        cosine = 0.5 * self.m_mul**restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def _period(self, fraction):
        """(index of the current period, fraction of it completed)."""
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            return restart, fraction - restart
        # Periods end at (t_mul**i - 1) / (t_mul - 1) in units of first_decay_steps.
        restart = math.floor(math.log(1.0 - fraction * (1.0 - self.t_mul)) / math.log(self.t_mul))
        # At an exact restart the logarithm's rounding may land a hair below the integer:
        # a step that reaches the next period's start (to rounding) belongs to that period.
        if self._start(restart + 1) <= fraction * (1.0 + 1e-12):
            restart += 1
        return restart, max(fraction - self._start(restart), 0.0) / self.t_mul**restart

    def _start(self, restart):
        return (1.0 - self.t_mul**restart) / (1.0 - self.t_mul)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
