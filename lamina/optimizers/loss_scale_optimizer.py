"""``LossScaleOptimizer``: dynamic loss scaling around another optimizer (Keras 3's API).

The scaling is a ``torch.amp.GradScaler`` with Keras's rules (halve and skip the step on
a non-finite gradient, double after ``dynamic_growth_steps`` finite steps). Compiled
(``model.compile(optimizer=LossScaleOptimizer(...))``), ``fit`` scales with this scaler
and no other; it also serves hand-written loops. Its state crosses ``.keras`` files both
ways with Keras.
"""

import torch

from lamina.errors import ConfigurationError, describe
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.registry import deserialize, serialize


class LossScaleOptimizer:
    """Multiply the loss by a dynamic scale so float16 gradients do not underflow.

    ``scale_loss(loss)`` scales the loss before ``backward()``; ``step()`` divides the
    gradients by the scale, skips the update (and halves the scale) when a gradient is
    not finite, and doubles the scale after ``dynamic_growth_steps`` finite steps. Every
    other attribute (``learning_rate``, ``iterations``, ``use_ema``...) is the inner
    optimizer's.

    Args:
        inner_optimizer: The lamina optimizer that applies the updates.
        initial_scale: The first loss scale. Defaults to ``2 ** 15``.
        dynamic_growth_steps: Finite steps before the scale doubles. Defaults to 2000.
        name: Name of the optimizer. Defaults to ``"loss_scale_optimizer"``.

    Example:
        ```python
        optimizer = LossScaleOptimizer(lamina.optimizers.Adam())
        optimizer.build(model.parameters())
        optimizer.zero_grad()
        optimizer.scale_loss(loss_fn(y, model(x))).backward()
        optimizer.step()
        ```
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None):
        if not isinstance(inner_optimizer, Optimizer):
            raise ConfigurationError(
                "LossScaleOptimizer: inner_optimizer must be a lamina optimizer. "
                f"Received: inner_optimizer={describe(inner_optimizer)}. Example: "
                "LossScaleOptimizer(lamina.optimizers.Adam())."
            )
        if isinstance(initial_scale, bool) or not isinstance(initial_scale, (int, float)) or initial_scale <= 0:
            raise ConfigurationError(
                f"LossScaleOptimizer: initial_scale must be a number > 0. Received: initial_scale={initial_scale!r}."
            )
        if isinstance(dynamic_growth_steps, bool) or not isinstance(dynamic_growth_steps, int) or dynamic_growth_steps < 1:
            raise ConfigurationError(
                "LossScaleOptimizer: dynamic_growth_steps must be an int >= 1. "
                f"Received: dynamic_growth_steps={dynamic_growth_steps!r}."
            )
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = dynamic_growth_steps
        self.name = name or "loss_scale_optimizer"
        self._scaler = None
        self._pending_state = None

    def __getattr__(self, name):
        if name.startswith("__") or name in ("inner_optimizer", "_scaler", "_pending_state"):
            raise AttributeError(name)
        return getattr(self.inner_optimizer, name)

    @property
    def dynamic_scale(self):
        """The current loss scale (a float; ``initial_scale`` before the first step)."""
        if self._scaler is None:
            return self.initial_scale if self._pending_state is None else self._pending_state[1]
        return float(self._scaler.get_scale())

    @property
    def built(self):
        """Whether ``build`` has run (the inner optimizer and the scaler exist)."""
        return self._scaler is not None and self.inner_optimizer.built

    def build(self, parameters):
        """Build the inner optimizer (unless built) and the scaler on the parameters' device.

        ``parameters``: tensors, or ``(name, tensor)`` pairs as ``named_parameters()`` gives.
        """
        parameters = list(parameters)
        if not self.inner_optimizer.built:
            self.inner_optimizer.build(parameters)
        if self._scaler is None:
            first = parameters[0] if parameters else None
            first = first[1] if isinstance(first, tuple) else first
            device = first.device.type if first is not None else "cpu"
            self._scaler = torch.amp.GradScaler(
                device,
                init_scale=self.initial_scale,
                growth_factor=2.0,
                backoff_factor=0.5,
                growth_interval=self.dynamic_growth_steps,
            )
            if self._pending_state is not None:
                self.set_scale_state(*self._pending_state)

    @property
    def step_counter(self):
        """Finite steps since the scale last changed (Keras's ``step_counter``)."""
        if self._scaler is None:
            return 0 if self._pending_state is None else self._pending_state[0]
        return self._scaler.state_dict().get("_growth_tracker", 0)

    def set_scale_state(self, step_counter, dynamic_scale):
        """Set the counter and the scale (from a saved file); kept until ``build`` if unbuilt."""
        if self._scaler is None:
            self._pending_state = (int(step_counter), float(dynamic_scale))
            return
        self._pending_state = None
        self._scaler.load_state_dict({
            "scale": float(dynamic_scale), "growth_factor": 2.0, "backoff_factor": 0.5,
            "growth_interval": self.dynamic_growth_steps, "_growth_tracker": int(step_counter),
        })

    def zero_grad(self):
        """Clear the gradients (the inner optimizer's ``zero_grad``)."""
        self.inner_optimizer.zero_grad()

    def scale_loss(self, loss):
        """``loss`` times the inner optimizer's ``loss_scale_factor`` and the dynamic scale."""
        loss = self.inner_optimizer.scale_loss(loss)
        if self._scaler is None:
            return loss * self.initial_scale
        return self._scaler.scale(loss)

    def step(self):
        """Unscale the gradients, update unless one is not finite, and adapt the scale.

        As Keras's: a skipped update does not count as one of the inner optimizer's
        ``iterations``.
        """
        if self._scaler is None:
            raise ConfigurationError(
                "LossScaleOptimizer.step() was called before build(parameters). Call "
                "optimizer.build(model.parameters()) first."
            )
        inner = self.inner_optimizer
        steps, scale = inner._steps, self._scaler.get_scale()
        inner.step(grad_scaler=self._scaler)
        if self._scaler.get_scale() < scale:  # backed off: the gradients were not finite
            inner._steps = steps

    def get_config(self):
        """Keras's config: the inner optimizer serialized, the scale settings and the name."""
        return {
            "name": self.name,
            "inner_optimizer": {**serialize(self.inner_optimizer), "module": "keras.optimizers"},
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild from ``get_config``'s output (or Keras's)."""
        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = deserialize(inner)
        return cls(inner, **config)
