"""RMSprop: gradients divided by a running root-mean-square, Keras's names and defaults."""

from lamina.backend import foreach
from lamina.optimizers._checks import check_bool, check_number
from lamina.optimizers.keras_update import KerasUpdate
from lamina.optimizers.optimizer import Optimizer


class RMSpropUpdate(KerasUpdate):
    """Keras's RMSprop step on multi-tensor kernels. State: ``square_avg`` (Keras's
    velocity), ``momentum_buffer`` (Keras's momentum, the learning rate inside) and
    ``grad_avg`` (Keras's average gradient, when centered).

    Args:
        params: Parameters (or parameter groups).
        lr: Learning rate (a float).
        rho: Decay of the averages.
        momentum: Float in [0, 1).
        epsilon: Added to the mean square inside the square root.
        centered: Whether to subtract the squared mean gradient.
    """

    def __init__(self, params, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        defaults = {"lr": lr, "rho": rho, "momentum": momentum, "eps": epsilon}
        super().__init__(params, {**defaults, "centered": centered})
        self.slots = {"square_avg": 0.0}
        if momentum > 0:
            self.slots["momentum_buffer"] = 0.0
        if centered:
            self.slots["grad_avg"] = 0.0

    def _update(self, group, params, grads, states):
        lr, rho, momentum = group["lr"], group["rho"], group["momentum"]
        velocities = states["square_avg"]
        foreach.mul_(velocities, rho)
        foreach.addcmul_(velocities, grads, grads, value=1 - rho)
        denominators = foreach.add(velocities, group["eps"])
        if group["centered"]:
            averages = states["grad_avg"]
            foreach.mul_(averages, rho)
            foreach.add_(averages, grads, alpha=1 - rho)
            foreach.addcmul_(denominators, averages, averages, value=-1)
        foreach.sqrt_(denominators)
        if momentum > 0:
            buffers = states["momentum_buffer"]
            foreach.mul_(buffers, momentum)
            foreach.addcdiv_(buffers, grads, denominators, value=lr)
            foreach.add_(params, buffers, alpha=-1)
        else:
            foreach.addcdiv_(params, grads, denominators, value=-lr)


class RMSprop(Optimizer):
    """RMSprop with Keras's names, defaults and update rule.

    Update rule, with ``g`` the (clipped) gradient::

        v = rho * v + (1 - rho) * g**2
        centered: a = rho * a + (1 - rho) * g;  denominator = sqrt(v - a**2 + epsilon)
        otherwise:                               denominator = sqrt(v + epsilon)
        momentum == 0:  w = w - learning_rate * g / denominator
        momentum > 0:   m = momentum * m + learning_rate * g / denominator;  w = w - m

    Keras's epsilon sits inside the square root (torch's ``RMSprop`` adds it outside), which
    damps the steps of weights whose gradients are below ``sqrt(epsilon)``. The defaults
    are Keras's (rho 0.9, epsilon 1e-7, learning rate 0.001; torch's are 0.99, 1e-8, 0.01).
    ``weight_decay`` is Keras's decoupled decay (``w -= learning_rate * weight_decay * w``
    before the update), not torch's L2 term added to the gradient.

    Args:
        learning_rate: Float >= 0. Defaults to 0.001.
        rho: Decay of the squared-gradient average, in [0, 1). Defaults to 0.9.
        momentum: Float in [0, 1). Defaults to 0.0.
        epsilon: Float >= 0. Defaults to 1e-7.
        centered: Whether to normalise by the estimated variance instead of the second
            moment. Defaults to False.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        self.rho = check_number("RMSprop", "rho", rho, low=0.0, high=1.0, high_open=True)
        self.momentum = check_number(
            "RMSprop", "momentum", momentum, low=0.0, high=1.0, high_open=True
        )
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, low=0.0)
        self.centered = check_bool("RMSprop", "centered", centered)

    def _create_torch_optimizer(self, parameters):
        return RMSpropUpdate(
            parameters, self._learning_rate, self.rho, self.momentum, self.epsilon, self.centered
        )

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
