"""OrthogonalRegularizer: push the rows (or columns) of a 2-D weight towards orthogonality."""

import torch

from lamina.backend.config import epsilon
from lamina.errors import ConfigurationError, InputError
from lamina.regularizers.regularizer import Regularizer, check_factor

_MODES = ("rows", "columns")


class OrthogonalRegularizer(Regularizer):
    """``factor * 0.5 * mean |cos|`` over pairs of distinct rows (or columns).

    The rows (``mode="rows"``) or columns are L2-normalised; the penalty is ``factor``
    times half the sum of the absolute off-diagonal entries of their Gram matrix, divided
    by the number of pairs -- Keras 3's formula. It sees weights in Keras's layout: for a
    Dense kernel ``(input_dim, units)`` rows mode decorrelates the rows (one per input
    feature), columns mode the units.

    Args:
        factor: non-negative factor (default 0.01).
        mode: ``"rows"`` (default) or ``"columns"``.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = check_factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in _MODES:
            raise ConfigurationError(
                f"OrthogonalRegularizer: mode must be 'rows' or 'columns'. Received: mode={mode!r}."
            )
        self.mode = mode

    def __call__(self, inputs):
        if inputs.dim() != 2:
            raise InputError(
                "OrthogonalRegularizer works on 2-D weights (a Dense kernel). Received a tensor of "
                f"shape {tuple(inputs.shape)}. Use it on a Dense kernel, or reshape the weight."
            )
        vectors = inputs if self.mode == "rows" else inputs.t()
        inverse_norm = torch.rsqrt(vectors.square().sum(dim=1, keepdim=True)).clamp_max(1.0 / epsilon())
        unit = vectors * inverse_norm
        product = unit @ unit.t()
        size = product.shape[0]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=product.dtype, device=product.device))
        pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * off_diagonal.abs().sum() / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}
