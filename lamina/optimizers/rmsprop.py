"""RMSprop: gradients divided by a running root-mean-square, Keras's names and defaults."""

import torch

from lamina.optimizers._checks import check_bool, check_number
from lamina.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``) with Keras's names and defaults.

    Update rule, with ``g`` the (clipped) gradient::

        v = rho * v + (1 - rho) * g**2
        centered: a = rho * a + (1 - rho) * g;  denominator = sqrt(v - a**2) + epsilon
        otherwise:                               denominator = sqrt(v) + epsilon
        momentum == 0:  w = w - learning_rate * g / denominator
        momentum > 0:   buf = momentum * buf + g / denominator;  w = w - learning_rate * buf

    Differences from Keras's implementation (torch's defaults differ too: rho 0.99, epsilon
    1e-8, learning rate 0.01; lamina uses Keras's 0.9, 1e-7, 0.001):

    - Epsilon placement: Keras divides by ``sqrt(v + epsilon)``, torch by
      ``sqrt(v) + epsilon``; updates differ by a relative ``epsilon / (2 v)`` or so, e.g.
      1e-5 for gradients around 0.2 with the defaults, negligible for large gradients.
    - Momentum: torch's buffer leaves the learning rate out (``w -= learning_rate * buf``),
      Keras's buffer includes it; lamina rescales the buffer when the learning rate
      changes, so the steps match Keras's.
    - ``centered=True``: when a gradient stays almost constant, rounding can make
      ``v - a**2`` slightly negative; torch's square root then gives NaN, whereas Keras's
      epsilon inside the root absorbs such tiny negatives.
    - ``weight_decay`` is Keras's decoupled decay (``w -= learning_rate * weight_decay * w``
      before the update), not torch's L2 term added to the gradient.

    Args:
        learning_rate: Float >= 0. Defaults to 0.001.
        rho: Decay of the squared-gradient average, in [0, 1). Defaults to 0.9.
        momentum: Float in [0, 1). Defaults to 0.0.
        epsilon: Float >= 0. Defaults to 1e-7.
        centered: Whether to normalise by the estimated variance instead of the second
            moment. Defaults to False.
        weight_decay: see ``Optimizer``, as for clipnorm, clipvalue, global_clipnorm, name
            and gradient_accumulation_steps.
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
    ):
        super().__init__(
            learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            gradient_accumulation_steps=gradient_accumulation_steps,
        )
        self.rho = check_number("RMSprop", "rho", rho, low=0.0, high=1.0, high_open=True)
        self.momentum = check_number(
            "RMSprop", "momentum", momentum, low=0.0, high=1.0, high_open=True
        )
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, low=0.0)
        self.centered = check_bool("RMSprop", "centered", centered)

    def _create_torch_optimizer(self, parameters):
        # No fused kernel; torch's default (foreach on CUDA, for-loop on CPU) was as fast as
        # foreach on CPU.
        return torch.optim.RMSprop(
            parameters,
            lr=self._learning_rate,
            alpha=self.rho,
            eps=self.epsilon,
            momentum=self.momentum,
            centered=self.centered,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
