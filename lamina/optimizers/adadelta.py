"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""

import torch

from lamina.optimizers._checks import check_number
from lamina.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta (``torch.optim.Adadelta``) with Keras's names and defaults.

    Update rule, with ``g`` the (clipped) gradient and ``rms(x) = sqrt(x + epsilon)``::

        accumulated_grad = rho * accumulated_grad + (1 - rho) * g**2
        delta = rms(accumulated_delta) / rms(accumulated_grad) * g
        accumulated_delta = rho * accumulated_delta + (1 - rho) * delta**2
        w = w - learning_rate * delta

    torch's and Keras's maths are the same; the defaults differ (torch: learning rate 1.0,
    rho 0.9, epsilon 1e-6; lamina uses Keras's 0.001, 0.95, 1e-7). ``weight_decay`` is
    Keras's decoupled decay, not torch's L2 term.

    Args:
        learning_rate: Float >= 0 or a schedule. Defaults to 0.001 (Keras); the original
            paper uses 1.0.
        rho: Decay of the running averages, in [0, 1). Defaults to 0.95.
        epsilon: Float >= 0. Defaults to 1e-7.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name
            and gradient_accumulation_steps.
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.95,
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
        self.rho = check_number("Adadelta", "rho", rho, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number("Adadelta", "epsilon", epsilon, low=0.0)

    def _create_torch_optimizer(self, parameters):
        return torch.optim.Adadelta(
            parameters, lr=self._learning_rate, rho=self.rho, eps=self.epsilon
        )

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
