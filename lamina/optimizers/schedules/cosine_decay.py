"""``CosineDecay``: optional linear warmup, then a half cosine down to ``alpha`` times the peak."""

import math

from lamina.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    as_step,
    check_number,
    check_positive,
)


class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter, 2017, SGDR) with an optional linear warmup.

    Without ``warmup_target``: ``initial * ((1 - alpha) * 0.5 * (1 + cos(pi * t)) + alpha)``
    with ``t = min(step, decay_steps) / decay_steps``. With it, the rate first rises
    linearly from ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``,
    then decays from ``warmup_target`` as above over ``decay_steps``.

    Args:
        initial_learning_rate: The learning rate at step 0.
        decay_steps: Length of the decay, > 0.
        alpha: Final rate as a fraction of the peak. Defaults to 0.0.
        name: Name of the schedule.
        warmup_target: Peak learning rate after the warmup, or ``None`` for no warmup.
        warmup_steps: Length of the warmup. Defaults to 0.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        owner = type(self).__name__
        self.initial_learning_rate = check_number(
            owner, "initial_learning_rate", initial_learning_rate
        )
        self.decay_steps = check_positive(owner, "decay_steps", decay_steps)
        self.alpha = check_number(owner, "alpha", alpha)
        self.name = name
        self.warmup_target = (
            None if warmup_target is None else check_number(owner, "warmup_target", warmup_target)
        )
        self.warmup_steps = check_number(owner, "warmup_steps", warmup_steps)

    def __call__(self, step):
        step = as_step(step)
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return self.initial_learning_rate + rise * step / self.warmup_steps
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def _decay(self, step, peak):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return peak * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }
