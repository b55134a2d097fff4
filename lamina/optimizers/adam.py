"""Adam: adaptive moment estimation, Keras's names and defaults."""

import torch

from lamina.optimizers._checks import check_bool, check_moments
from lamina.optimizers._implementation import FUSED_ON_CPU_AND_CUDA, implementation_options
from lamina.optimizers.optimizer import Optimizer


def check_adam_arguments(owner, beta_1, beta_2, epsilon, amsgrad):
    """Validated ``(beta_1, beta_2, epsilon, amsgrad)`` shared by Adam and AdamW."""
    return (*check_moments(owner, beta_1, beta_2, epsilon), check_bool(owner, "amsgrad", amsgrad))


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``) with Keras's names and defaults (epsilon 1e-7, not 1e-8).

    Update rule at step ``t`` (from 1), with ``g`` the (clipped) gradient::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2        (amsgrad: v_max = max(v_max, v), used for v)
        w = w - learning_rate * (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)

    Differences from Keras's implementation:

    - Epsilon placement: torch adds ``epsilon`` to the bias-corrected ``sqrt(v_hat)`` (above),
      Keras adds it to ``sqrt(v)`` before the bias correction, so Keras's epsilon acts like
      ``epsilon / sqrt(1 - beta_2**t)`` here: about 32x larger on the first step, 1.3x at step
      1,000, then converging to ``epsilon``. An update's relative difference is about that
      extra epsilon divided by ``|g|``: 1.5e-5 on the first step for a gradient of 0.2 with the
      default epsilon, below 1e-6 for gradients above ~5; for tiny gradients (near epsilon)
      the two differ outright. Keras's maths equal torch's with ``epsilon=0``.
    - ``weight_decay`` is Keras's decoupled decay (``w -= learning_rate * weight_decay * w``
      before the update, as AdamW does), not torch's L2 term added to the gradient.

    Args:
        learning_rate: Float >= 0. Defaults to 0.001.
        beta_1: Decay of the first-moment average, in [0, 1). Defaults to 0.9.
        beta_2: Decay of the second-moment average, in [0, 1). Defaults to 0.999.
        epsilon: Float >= 0 added to the denominator. Defaults to 1e-7 (Keras).
        amsgrad: Whether to use the AMSGrad variant. Defaults to False.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name
            and gradient_accumulation_steps.
    """

    _torch_class = torch.optim.Adam

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = check_adam_arguments(
            type(self).__name__, beta_1, beta_2, epsilon, amsgrad
        )

    def _torch_weight_decay(self):
        return 0.0

    def _create_torch_optimizer(self, parameters):
        return self._torch_class(
            parameters,
            lr=self._learning_rate,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            weight_decay=self._torch_weight_decay(),
            amsgrad=self.amsgrad,
            **implementation_options(parameters, FUSED_ON_CPU_AND_CUDA),
        )

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
