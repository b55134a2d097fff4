"""AdamW: Adam with decoupled weight decay, Keras's names and defaults."""

from lamina.errors import ConfigurationError, describe
from lamina.optimizers.adam import Adam


class AdamW(Adam):
    """AdamW with Keras's names, defaults (weight_decay 0.004) and update rule.

    Each step first decays every parameter, ``w -= learning_rate * weight_decay * w``, then
    applies Adam's update (see ``Adam``), as Keras does. The decay runs inside torch's
    (fused) AdamW kernel; ``exclude_from_weight_decay`` moves weights to a group without it.

    Args:
        learning_rate: Float >= 0. Defaults to 0.001.
        weight_decay: Float >= 0. Defaults to 0.004 (torch's default is 0.01).
        beta_1, beta_2, epsilon, amsgrad: as ``Adam`` (defaults 0.9, 0.999, 1e-7, False).
        clipnorm: see ``Optimizer``, as for clipvalue, global_clipnorm, name,
            gradient_accumulation_steps, use_ema, ema_momentum, ema_overwrite_frequency and
            loss_scale_factor.
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        if weight_decay is None:
            raise ConfigurationError(
                f"AdamW: argument `weight_decay` must be a number >= 0. Received: "
                f"weight_decay={describe(weight_decay)}. Use Adam for no weight decay."
            )
        super().__init__(
            learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
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
