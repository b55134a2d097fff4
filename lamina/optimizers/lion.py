"""Lion: sign of an interpolated momentum (Chen et al., 2023, "Symbolic Discovery of
Optimization Algorithms"). torch.optim has no Lion; ``LionUpdate`` does Keras's update with
a handful of multi-tensor kernels."""

from lamina.backend import foreach
from lamina.errors import ConfigurationError
from lamina.optimizers._checks import check_number
from lamina.optimizers.keras_update import KerasUpdate
from lamina.optimizers.optimizer import Optimizer


class LionUpdate(KerasUpdate):
    """The bare Lion update (no weight decay; lamina's ``Lion`` applies Keras's decoupled
    decay before it)::

        w = w - lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Args:
        params: Parameters (or parameter groups).
        lr: Learning rate (a float).
        betas: ``(beta_1, beta_2)``.
    """

    slots = {"exp_avg": 0.0}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99)):
        super().__init__(params, {"lr": lr, "betas": tuple(betas)})

    def _update(self, group, params, grads, states):
        beta_1, beta_2 = group["betas"]
        momenta = states["exp_avg"]
        updates = foreach.mul(momenta, beta_1)
        foreach.add_(updates, grads, alpha=1 - beta_1)
        foreach.sign_(updates)
        foreach.add_(params, updates, alpha=-group["lr"])
        foreach.mul_(momenta, beta_2)
        foreach.add_(momenta, grads, alpha=1 - beta_2)


class Lion(Optimizer):
    """Lion with Keras's names and defaults.

    Update rule, with ``g`` the (clipped) gradient::

        w = w - learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Every step moves each weight by exactly ``learning_rate`` (up or down), so Lion wants a
    learning rate 3-10x smaller than Adam's, and (if used) a larger ``weight_decay``.

    Args:
        learning_rate: Float >= 0 or a schedule. Defaults to 0.001.
        beta_1: Interpolation weight of the momentum in the update, in (0, 1]. Defaults to
            0.9.
        beta_2: Decay of the momentum, in [0, 1]. Defaults to 0.99.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.99,
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
        if not isinstance(beta_1, (int, float)) or isinstance(beta_1, bool) or not 0 < beta_1 <= 1:
            raise ConfigurationError(
                "Lion: argument `beta_1` must be in (0, 1]; with 0 Lion degenerates to signSGD. "
                f"Received: beta_1={beta_1!r}."
            )
        self.beta_1 = float(beta_1)
        self.beta_2 = check_number("Lion", "beta_2", beta_2, low=0.0, high=1.0)

    def _create_torch_optimizer(self, parameters):
        return LionUpdate(parameters, lr=self._learning_rate, betas=(self.beta_1, self.beta_2))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
