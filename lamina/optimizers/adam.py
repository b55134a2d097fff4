"""Adam: adaptive moment estimation, Keras's names, defaults and update rule."""

import math

import torch

from lamina.optimizers._checks import check_bool, check_moments
from lamina.optimizers._implementation import FUSED_ON_CPU_AND_CUDA, implementation_options
from lamina.optimizers.optimizer import Optimizer


def check_adam_arguments(owner, beta_1, beta_2, epsilon, amsgrad):
    """Validated ``(beta_1, beta_2, epsilon, amsgrad)`` shared by Adam and AdamW."""
    return (*check_moments(owner, beta_1, beta_2, epsilon), check_bool(owner, "amsgrad", amsgrad))


class Adam(Optimizer):
    """Adam with Keras's names, defaults (epsilon 1e-7) and update rule.

    Update rule at step ``t`` (from 1, Keras's ``iterations + 1``), with ``g`` the (clipped)
    gradient::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2        (amsgrad: v_max = max(v_max, v), used for v)
        w = w - learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)

    Keras adds ``epsilon`` to ``sqrt(v)`` before the bias correction (torch adds it after).
    The update runs on torch's fused (or multi-tensor) Adam kernel with its epsilon set to
    ``epsilon / sqrt(1 - beta_2**t)`` at every step, which is Keras's rule exactly.
    ``weight_decay`` is Keras's decoupled decay (``w -= learning_rate * weight_decay * w``
    before the update), not torch's L2 term added to the gradient.

    Args:
        learning_rate: Float >= 0. Defaults to 0.001.
        beta_1: Decay of the first-moment average, in [0, 1). Defaults to 0.9.
        beta_2: Decay of the second-moment average, in [0, 1). Defaults to 0.999.
        epsilon: Float >= 0 added to the denominator. Defaults to 1e-7 (Keras).
        amsgrad: Whether to use the AMSGrad variant. Defaults to False.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
    """

    _torch_applies_weight_decay = True

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
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
    ):
        super().__init__(
            learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            gradient_accumulation_steps=gradient_accumulation_steps,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
        )
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = check_adam_arguments(
            type(self).__name__, beta_1, beta_2, epsilon, amsgrad
        )

    def _create_torch_optimizer(self, parameters):
        # torch's AdamW decays as Keras does (w *= 1 - lr * weight_decay, then the update);
        # excluded weights sit in a group without decay.
        return torch.optim.AdamW(
            self._weight_decay_groups(parameters),
            lr=self._learning_rate,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            amsgrad=self.amsgrad,
            **implementation_options(parameters, FUSED_ON_CPU_AND_CUDA),
        )

    def _prepare_update(self, step):
        epsilon = self.epsilon / math.sqrt(1.0 - self.beta_2**step)
        for group in self.torch_optimizer.param_groups:
            group["eps"] = epsilon

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
