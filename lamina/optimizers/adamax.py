"""Adamax: Adam with the infinity norm of past gradients in the denominator."""

from lamina.backend import foreach
from lamina.optimizers._checks import check_moments
from lamina.optimizers.keras_update import KerasUpdate
from lamina.optimizers.optimizer import Optimizer


class AdamaxUpdate(KerasUpdate):
    """Keras's Adamax step on multi-tensor kernels. State: ``exp_avg`` (Keras's ``m``) and
    ``exp_inf`` (Keras's ``u``).

    Args:
        params: Parameters (or parameter groups).
        lr: Learning rate (a float).
        beta_1: Decay of the first moment.
        beta_2: Decay of the infinity norm.
        epsilon: Added to the infinity norm.
    """

    slots = {"exp_avg": 0.0, "exp_inf": 0.0}

    def __init__(self, params, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(params, {"lr": lr, "betas": (beta_1, beta_2), "eps": epsilon})

    def _update(self, group, params, grads, states):
        beta_1, beta_2 = group["betas"]
        moments, norms = states["exp_avg"], states["exp_inf"]
        foreach.mul_(moments, beta_1)
        foreach.add_(moments, grads, alpha=1 - beta_1)
        foreach.mul_(norms, beta_2)
        foreach.maximum_(norms, foreach.abs(grads))
        denominators = foreach.add(norms, group["eps"])
        foreach.mul_(denominators, 1 - beta_1 ** (self.iterations + 1))
        foreach.addcdiv_(params, moments, denominators, value=-group["lr"])


class Adamax(Optimizer):
    """Adamax with Keras's names, defaults and update rule.

    Update rule at step ``t`` (from 1), with ``g`` the (clipped) gradient::

        m = beta_1 * m + (1 - beta_1) * g
        u = max(beta_2 * u, |g|)
        w = w - learning_rate * m / ((1 - beta_1**t) * (u + epsilon))

    Keras adds epsilon to ``u`` (torch's ``Adamax`` puts it inside the maximum).
    ``weight_decay`` is Keras's decoupled decay.

    Args:
        learning_rate: Float >= 0 or a schedule. Defaults to 0.001.
        beta_1: Decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay of the infinity norm, in [0, 1). Defaults to 0.999.
        epsilon: Float >= 0. Defaults to 1e-7.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
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
        self.beta_1, self.beta_2, self.epsilon = check_moments("Adamax", beta_1, beta_2, epsilon)

    def _create_torch_optimizer(self, parameters):
        return AdamaxUpdate(
            parameters, self._learning_rate, self.beta_1, self.beta_2, self.epsilon
        )

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
