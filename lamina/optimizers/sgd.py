"""SGD: gradient descent with optional (Nesterov) momentum, Keras's names and defaults."""

from lamina.backend import foreach
from lamina.optimizers._checks import check_bool, check_number
from lamina.optimizers.keras_update import KerasUpdate
from lamina.optimizers.optimizer import Optimizer


class SGDUpdate(KerasUpdate):
    """Keras's SGD step on multi-tensor kernels; ``momentum_buffer`` is Keras's velocity
    (the learning rate inside), so the weights keep moving at a learning rate of 0.

    Args:
        params: Parameters (or parameter groups).
        lr: Learning rate (a float).
        momentum: Float in [0, 1).
        nesterov: Whether to use Nesterov momentum.
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov})
        self.slots = {"momentum_buffer": 0.0} if momentum > 0 else {}

    def _update(self, group, params, grads, states):
        lr, momentum = group["lr"], group["momentum"]
        if momentum == 0:
            foreach.add_(params, grads, alpha=-lr)
            return
        velocities = states["momentum_buffer"]
        foreach.mul_(velocities, momentum)
        foreach.add_(velocities, grads, alpha=-lr)
        if group["nesterov"]:
            foreach.add_(params, grads, alpha=-lr)
            foreach.add_(params, velocities, alpha=momentum)
        else:
            foreach.add_(params, velocities)


class SGD(Optimizer):
    """Gradient descent with optional momentum, Keras's defaults and update rule.

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
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
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
        self.momentum = check_number("SGD", "momentum", momentum, low=0.0, high=1.0, high_open=True)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)

    def _create_torch_optimizer(self, parameters):
        return SGDUpdate(parameters, self._learning_rate, self.momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
