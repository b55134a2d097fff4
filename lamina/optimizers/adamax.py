"""Adamax: Adam with the infinity norm of past gradients in the denominator."""

import torch

from lamina.optimizers._checks import check_moments
from lamina.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax (``torch.optim.Adamax``) with Keras's names and defaults.

    Update rule at step ``t`` (from 1), with ``g`` the (clipped) gradient::

        m = beta_1 * m + (1 - beta_1) * g
        u = max(beta_2 * u, |g|)
        w = w - learning_rate / (1 - beta_1**t) * m / (u + epsilon)

    Difference from Keras's implementation: torch puts epsilon inside the maximum,
    ``u = max(beta_2 * u, |g| + epsilon)`` and divides by ``u``. Updates agree to a relative
    ``epsilon / |g|`` (1e-6 for gradients of 0.1 with the default epsilon); with
    ``epsilon=0`` the two are identical. ``weight_decay`` is Keras's decoupled decay.

    Args:
        learning_rate: Float >= 0 or a schedule. Defaults to 0.001.
        beta_1: Decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay of the infinity norm, in [0, 1). Defaults to 0.999.
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
        self.beta_1, self.beta_2, self.epsilon = check_moments("Adamax", beta_1, beta_2, epsilon)

    def _create_torch_optimizer(self, parameters):
        return torch.optim.Adamax(
            parameters, lr=self._learning_rate, betas=(self.beta_1, self.beta_2), eps=self.epsilon
        )

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
