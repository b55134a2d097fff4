"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""

from lamina.backend import foreach
from lamina.optimizers._checks import check_number
from lamina.optimizers.keras_update import KerasUpdate
from lamina.optimizers.optimizer import Optimizer


class AdadeltaUpdate(KerasUpdate):
    """Keras's Adadelta step on multi-tensor kernels. State: ``square_avg`` (Keras's
    accumulated gradient) and ``acc_delta`` (Keras's accumulated delta).

    Args:
        params: Parameters (or parameter groups).
        lr: Learning rate (a float).
        rho: Decay of the running averages.
        epsilon: Added inside the square roots.
    """

    def __init__(self, params, lr, rho=0.95, epsilon=1e-7):
        super().__init__(params, {"lr": lr, "rho": rho, "eps": epsilon})
        self.slots = {"square_avg": 0.0, "acc_delta": 0.0}

    def _update(self, group, params, grads, states):
        rho, epsilon = group["rho"], group["eps"]
        squares, deltas = states["square_avg"], states["acc_delta"]
        foreach.mul_(squares, rho)
        foreach.addcmul_(squares, grads, grads, value=1 - rho)
        steps = foreach.sqrt(foreach.add(deltas, epsilon))
        foreach.mul_(steps, grads)
        foreach.div_(steps, foreach.sqrt(foreach.add(squares, epsilon)))
        foreach.mul_(deltas, rho)
        foreach.addcmul_(deltas, steps, steps, value=1 - rho)
        foreach.add_(params, steps, alpha=-group["lr"])


class Adadelta(Optimizer):
    """Adadelta with Keras's names, defaults and update rule.

    Update rule, with ``g`` the (clipped) gradient and ``rms(x) = sqrt(x + epsilon)``::

        accumulated_grad = rho * accumulated_grad + (1 - rho) * g**2
        delta = rms(accumulated_delta) / rms(accumulated_grad) * g
        accumulated_delta = rho * accumulated_delta + (1 - rho) * delta**2
        w = w - learning_rate * delta

    The defaults are Keras's (torch's: learning rate 1.0, rho 0.9, epsilon 1e-6; Keras's and
    lamina's: 0.001, 0.95, 1e-7). ``weight_decay`` is
    Keras's decoupled decay, not torch's L2 term.

    Args:
        learning_rate: Float >= 0 or a schedule. Defaults to 0.001 (Keras); the original
            paper uses 1.0.
        rho: Decay of the running averages, in [0, 1). Defaults to 0.95.
        epsilon: Float >= 0. Defaults to 1e-7.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
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
        self.rho = check_number("Adadelta", "rho", rho, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number("Adadelta", "epsilon", epsilon, low=0.0)

    def _create_torch_optimizer(self, parameters):
        return AdadeltaUpdate(parameters, self._learning_rate, self.rho, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
