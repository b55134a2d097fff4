"""Nadam: Adam with Nesterov momentum."""

import torch

from lamina.optimizers._checks import check_moments
from lamina.optimizers.optimizer import Optimizer

# Keras's momentum schedule is mu_t = beta_1 * (1 - 0.5 * 0.96 ** t); torch's is
# beta_1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)), so momentum_decay=1 gives Keras's.
_KERAS_MOMENTUM_DECAY = 1.0


class Nadam(Optimizer):
    """Nadam (``torch.optim.NAdam``) with Keras's names, defaults and momentum schedule.

    Update rule at step ``t`` (from 1), with ``g`` the (clipped) gradient,
    ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``P_t = mu_1 * ... * mu_t``::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
        w = w - learning_rate * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

    This is Keras's rule exactly: torch's NAdam runs with ``momentum_decay=1`` (torch's
    default 0.004 would make the momentum schedule 250 times slower than Keras's).
    ``weight_decay`` is Keras's decoupled decay.

    Args:
        learning_rate: Float >= 0 or a schedule. Defaults to 0.001.
        beta_1: Decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay of the second moment, in [0, 1). Defaults to 0.999.
        epsilon: Float >= 0. Defaults to 1e-7.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name
            and gradient_accumulation_steps.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        gradient_accumulation_steps=None,
    ):
        super().__init__(
            learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            gradient_accumulation_steps=gradient_accumulation_steps,
        )
        self.beta_1, self.beta_2, self.epsilon = check_moments("Nadam", beta_1, beta_2, epsilon)

    def _create_torch_optimizer(self, parameters):
        return torch.optim.NAdam(
            parameters,
            lr=self._learning_rate,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            momentum_decay=_KERAS_MOMENTUM_DECAY,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
