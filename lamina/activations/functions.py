"""Activation functions with Keras 3 names, arguments and defaults, computed by torch.

Each function takes a torch tensor and returns a new one. They run in every training
step, so each maps to the fastest fused torch primitive that has the Keras semantics;
only unusual argument combinations fall back to a few elementwise ops.
"""

import warnings

import torch
import torch.nn.functional as F

# The constants behind ``selu`` (also needed by AlphaDropout).
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

SOFTMAX_OVER_ONE_UNIT = (
    "{name} is applied over an axis of size 1 (axis={axis}, input shape {shape}), so every "
    "output is {value}. For a single-unit binary classifier use activation='sigmoid' with "
    "binary_crossentropy; for N classes use N units with activation='softmax'."
)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    Returns ``x`` where ``x > threshold`` (capped at ``max_value`` when given, and then
    also floored at 0), and ``negative_slope * (x - threshold)`` elsewhere. With the
    defaults this is ``max(x, 0)``.

    Args:
        x: Input tensor.
        negative_slope: Slope for values at or below ``threshold``.
        max_value: Largest value returned, or ``None`` for no cap.
        threshold: Values at or below it are damped (or zeroed).
    """
    if negative_slope == 0.0 and threshold == 0.0:
        if max_value is None:
            return torch.relu(x)
        if max_value == 6:
            return F.relu6(x)
        return torch.relu(x).clamp(max=max_value)  # gradient 0 at x == 0, as Keras's
    if max_value is None and threshold == 0.0:
        return F.leaky_relu(x, negative_slope)
    return _general_relu(x, negative_slope, max_value, threshold)


def _general_relu(x, negative_slope, max_value, threshold):
    kept = torch.where(x > threshold, x, torch.zeros_like(x))
    if max_value is not None:
        kept = torch.clamp(kept, min=0.0, max=max_value)
    if negative_slope != 0.0:
        kept = kept - negative_slope * torch.relu(threshold - x)
    return kept


def leaky_relu(x, negative_slope=0.2):
    """``x`` for positive values, ``negative_slope * x`` otherwise (Keras default 0.2)."""
    return F.leaky_relu(x, negative_slope)


def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return F.relu6(x)


def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``."""
    return torch.sigmoid(x)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple of ints).

    Warns when ``axis`` has size 1, where softmax is 1 everywhere: a classic mistake
    with ``Dense(1, activation="softmax")``. The output remembers its logits
    (``output._keras_logits``), so a crossentropy loss on it computes from the logits with
    one fused kernel, as Keras does.
    """
    if isinstance(axis, int):
        if x.shape[axis] == 1:
            _warn_single_unit("softmax", axis, x.shape, "1")
        probabilities = torch.softmax(x, dim=axis)
        if axis == -1 or axis == x.dim() - 1:
            # As Keras does: crossentropy losses read the logits back (fused, stable kernel).
            probabilities._keras_logits = x
        return probabilities
    return torch.exp(x - torch.logsumexp(x, dim=axis, keepdim=True))


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis`` (an int or a tuple of ints)."""
    if isinstance(axis, int):
        if x.shape[axis] == 1:
            _warn_single_unit("log_softmax", axis, x.shape, "0")
        return torch.log_softmax(x, dim=axis)
    return x - torch.logsumexp(x, dim=axis, keepdim=True)


def _warn_single_unit(name, axis, shape, value):
    message = SOFTMAX_OVER_ONE_UNIT.format(name=name, axis=axis, shape=tuple(shape), value=value)
    warnings.warn(message, UserWarning, stacklevel=3)


def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate=True`` uses the tanh form."""
    return F.gelu(x, approximate="tanh" if approximate else "none")


def elu(x, alpha=1.0):
    """``x`` for positive values, ``alpha * (exp(x) - 1)`` otherwise."""
    return F.elu(x, alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants (alpha 1.67326, scale 1.05070)."""
    return torch.selu(x)


def celu(x, alpha=1.0):
    """``max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)``."""
    return F.celu(x, alpha)


def softplus(x):
    """``log(exp(x) + 1)``."""
    return F.softplus(x)


def softsign(x):
    """``x / (abs(x) + 1)``."""
    return F.softsign(x)


def silu(x):
    """Swish / SiLU: ``x * sigmoid(x)``."""
    return F.silu(x)


swish = silu


def hard_sigmoid(x):
    """Piecewise-linear sigmoid (Keras 3): 0 below -3, 1 above 3, ``x / 6 + 0.5`` between."""
    return F.hardsigmoid(x)


def hard_silu(x):
    """Hard swish / hard SiLU: ``x * hard_sigmoid(x)``."""
    return F.hardswish(x)


hard_swish = hard_silu


def mish(x):
    """``x * tanh(softplus(x))``."""
    return F.mish(x)


def exponential(x):
    """``exp(x)``."""
    return torch.exp(x)


def linear(x):
    """Identity: returns ``x`` unchanged."""
    return x


def crelu(x, axis=-1):
    """Concatenated ReLU: ``concat([relu(x), relu(-x)], axis)`` (doubles that axis)."""
    return torch.cat([torch.relu(x), torch.relu(-x)], dim=axis)


def glu(x, axis=-1):
    """Gated linear unit: splits ``axis`` in halves ``a, b`` and returns ``a * sigmoid(b)``."""
    return F.glu(x, dim=axis)


def hard_tanh(x):
    """``x`` clipped to [-1, 1]."""
    return F.hardtanh(x)


def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return F.logsigmoid(x)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``abs(x) > threshold``, else 0."""
    return F.hardshrink(x, threshold)


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above it, ``x + threshold`` below ``-threshold``, else 0."""
    return F.softshrink(x, threshold)


def tanh_shrink(x):
    """``x - tanh(x)``."""
    return F.tanhshrink(x)


def squareplus(x, b=4):
    """Smooth ReLU ``(x + sqrt(x**2 + b)) / 2``."""
    return (x + torch.sqrt(x * x + b)) * 0.5


def sparse_plus(x):
    """0 below -1, ``x`` above 1, ``(x + 1)**2 / 4`` between."""
    middle = 0.25 * (x + 1.0) ** 2
    return torch.where(x <= -1.0, torch.zeros_like(x), torch.where(x >= 1.0, x, middle))
