"""Adagrad: per-parameter steps shrinking with the accumulated squared gradients."""

from lamina.backend import foreach
from lamina.optimizers._checks import check_number
from lamina.optimizers.keras_update import KerasUpdate
from lamina.optimizers.optimizer import Optimizer


class AdagradUpdate(KerasUpdate):
    """Keras's Adagrad step on multi-tensor kernels. State: ``sum`` (Keras's accumulator).

    Args:
        params: Parameters (or parameter groups).
        lr: Learning rate (a float).
        initial_accumulator_value: The accumulators' starting value.
        epsilon: Added to the accumulator inside the square root.
    """

    def __init__(self, params, lr, initial_accumulator_value=0.1, epsilon=1e-7):
        super().__init__(params, {"lr": lr, "eps": epsilon})
        self.slots = {"sum": initial_accumulator_value}

    def _update(self, group, params, grads, states):
        accumulators = states["sum"]
        foreach.addcmul_(accumulators, grads, grads, value=1.0)
        denominators = foreach.add(accumulators, group["eps"])
        foreach.sqrt_(denominators)
        foreach.addcdiv_(params, grads, denominators, value=-group["lr"])


class Adagrad(Optimizer):
    """Adagrad with Keras's names, defaults and update rule.

    Update rule, with ``g`` the (clipped) gradient and the accumulator starting at
    ``initial_accumulator_value``::

        accumulator = accumulator + g**2
        w = w - learning_rate * g / sqrt(accumulator + epsilon)

    Keras's epsilon sits inside the square root (torch's ``Adagrad`` adds it outside); the
    defaults are Keras's (learning rate 0.001, initial accumulator 0.1, epsilon 1e-7).
    ``weight_decay`` is Keras's decoupled decay (``w -= learning_rate * weight_decay * w``
    before the update), not torch's L2 term added to the gradient.

    Args:
        learning_rate: Float >= 0. Defaults to 0.001.
        initial_accumulator_value: Float >= 0, the accumulators' starting value. Defaults to 0.1.
        epsilon: Float >= 0. Defaults to 1e-7.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
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
        self.initial_accumulator_value = check_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0.0
        )
        self.epsilon = check_number("Adagrad", "epsilon", epsilon, low=0.0)

    def _create_torch_optimizer(self, parameters):
        return AdagradUpdate(
            parameters, self._learning_rate, self.initial_accumulator_value, self.epsilon
        )

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
