"""SGD: gradient descent with optional (Nesterov) momentum, Keras's names and defaults."""

import torch

from lamina.optimizers._checks import check_bool, check_number
from lamina.optimizers._implementation import FUSED_ON_CPU_AND_CUDA, implementation_options
from lamina.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional momentum (``torch.optim.SGD``, Keras's defaults).

    Update rule, with ``g`` the (clipped) gradient::

        momentum == 0:  w = w - learning_rate * g
        momentum > 0:   velocity = momentum * velocity - learning_rate * g
                        w = w + velocity                                  (nesterov=False)
                        w = w + momentum * velocity - learning_rate * g   (nesterov=True)

    Differences from Keras's implementation:

    - torch keeps the momentum buffer in gradient units (``buf = momentum * buf + g``,
      ``w -= learning_rate * buf``), Keras keeps the velocity with the learning rate inside.
      lamina rescales the buffer whenever the learning rate changes (schedules, callbacks),
      so the steps are Keras's exactly.
    - ``weight_decay`` is Keras's decoupled decay (``w -= learning_rate * weight_decay * w``
      before the update), not torch's L2 term that goes through the momentum buffer.

    Args:
        learning_rate: Float >= 0. Defaults to 0.01.
        momentum: Float in [0, 1). Defaults to 0.0 (plain gradient descent).
        nesterov: Whether to use Nesterov momentum. Defaults to False; with momentum 0 it
            changes nothing (torch would refuse it; it is not passed on then).
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name
            and gradient_accumulation_steps.
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
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
        self.momentum = check_number("SGD", "momentum", momentum, low=0.0, high=1.0, high_open=True)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)

    def _create_torch_optimizer(self, parameters):
        return torch.optim.SGD(
            parameters,
            lr=self._learning_rate,
            momentum=self.momentum,
            nesterov=self.nesterov and self.momentum > 0,
            **implementation_options(parameters, FUSED_ON_CPU_AND_CUDA),
        )

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
