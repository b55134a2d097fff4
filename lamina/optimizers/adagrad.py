"""Adagrad: per-parameter steps shrinking with the accumulated squared gradients."""

import torch

from lamina.optimizers._checks import check_number
from lamina.optimizers._implementation import FUSED_ON_CPU, implementation_options
from lamina.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (``torch.optim.Adagrad``) with Keras's names and defaults.

    Update rule, with ``g`` the (clipped) gradient and the accumulator starting at
    ``initial_accumulator_value``::

        accumulator = accumulator + g**2
        w = w - learning_rate * g / (sqrt(accumulator) + epsilon)

    Differences from Keras's implementation (torch's defaults differ too: learning rate 0.01,
    initial accumulator 0, epsilon 1e-10; lamina uses Keras's 0.001, 0.1, 1e-7):

    - Epsilon placement: Keras divides by ``sqrt(accumulator + epsilon)``, torch by
      ``sqrt(accumulator) + epsilon``. With the default accumulator (>= 0.1) the updates
      agree to ~1e-6.
    - ``weight_decay`` is Keras's decoupled decay (``w -= learning_rate * weight_decay * w``
      before the update), not torch's L2 term added to the gradient.

    Args:
        learning_rate: Float >= 0. Defaults to 0.001.
        initial_accumulator_value: Float >= 0, the accumulators' starting value. Defaults to 0.1.
        epsilon: Float >= 0. Defaults to 1e-7.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name
            and gradient_accumulation_steps.
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
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
        self.initial_accumulator_value = check_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0.0
        )
        self.epsilon = check_number("Adagrad", "epsilon", epsilon, low=0.0)

    def _create_torch_optimizer(self, parameters):
        return torch.optim.Adagrad(
            parameters,
            lr=self._learning_rate,
            initial_accumulator_value=self.initial_accumulator_value,
            eps=self.epsilon,
            **implementation_options(parameters, FUSED_ON_CPU),
        )

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
