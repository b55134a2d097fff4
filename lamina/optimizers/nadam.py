"""Nadam: Adam with Nesterov momentum."""

from lamina.backend import foreach
from lamina.optimizers._checks import check_moments
from lamina.optimizers.keras_update import KerasUpdate
from lamina.optimizers.optimizer import Optimizer


def momentum_at(beta_1, step):
    """Keras's Nadam momentum schedule ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)``."""
    return beta_1 * (1.0 - 0.5 * 0.96**step)


class NadamUpdate(KerasUpdate):
    """Keras's Nadam step on multi-tensor kernels. State: ``exp_avg`` and ``exp_avg_sq``
    per parameter; the momentum product ``mu_1 * ... * mu_t`` is shared by all parameters,
    as Keras's ``u_product``, and follows from ``iterations``.

    Args:
        params: Parameters (or parameter groups).
        lr: Learning rate (a float).
        beta_1: Decay of the first moment.
        beta_2: Decay of the second moment.
        epsilon: Added to the denominator.
    """

    slots = {"exp_avg": 0.0, "exp_avg_sq": 0.0}

    def __init__(self, params, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(params, {"lr": lr, "betas": (beta_1, beta_2), "eps": epsilon})
        self._products = [1.0]  # _products[t] = mu_1 * ... * mu_t

    def momentum_product(self, step, beta_1):
        """``mu_1 * ... * mu_step`` (Keras's ``u_product`` after ``step`` updates)."""
        products = self._products
        while len(products) <= step:
            products.append(products[-1] * momentum_at(beta_1, len(products)))
        return products[step]

    def _update(self, group, params, grads, states):
        beta_1, beta_2 = group["betas"]
        step = self.iterations + 1
        mu, mu_next = momentum_at(beta_1, step), momentum_at(beta_1, step + 1)
        product = self.momentum_product(step, beta_1)
        moments, squares = states["exp_avg"], states["exp_avg_sq"]
        foreach.mul_(moments, beta_1)
        foreach.add_(moments, grads, alpha=1 - beta_1)
        foreach.mul_(squares, beta_2)
        foreach.addcmul_(squares, grads, grads, value=1 - beta_2)
        denominators = foreach.sqrt(squares)
        foreach.div_(denominators, (1 - beta_2**step) ** 0.5)
        denominators = foreach.add(denominators, group["eps"])
        lr = group["lr"]
        foreach.addcdiv_(params, moments, denominators, value=-lr * mu_next / (1 - product * mu_next))
        foreach.addcdiv_(params, grads, denominators, value=-lr * (1 - mu) / (1 - product))


class Nadam(Optimizer):
    """Nadam with Keras's names, defaults, momentum schedule and update rule.

    Update rule at step ``t`` (from 1), with ``g`` the (clipped) gradient,
    ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``P_t = mu_1 * ... * mu_t``::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
        w = w - learning_rate * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

    As in Keras, ``t`` counts the optimizer's updates and ``P_t`` is one product shared by
    all weights (torch's ``NAdam`` keeps one per tensor, and a schedule 250 times slower).
    ``weight_decay`` is Keras's decoupled decay.

    Args:
        learning_rate: Float >= 0 or a schedule. Defaults to 0.001.
        beta_1: Decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay of the second moment, in [0, 1). Defaults to 0.999.
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
        self.beta_1, self.beta_2, self.epsilon = check_moments("Nadam", beta_1, beta_2, epsilon)

    def _create_torch_optimizer(self, parameters):
        return NadamUpdate(parameters, self._learning_rate, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
