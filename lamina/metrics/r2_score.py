"""``R2Score``: the coefficient of determination, per output and aggregated (Keras 3)."""

import torch

from lamina.errors import ConfigurationError, InputError, describe
from lamina.losses.loss import squeeze_or_expand_to_same_rank
from lamina.metrics.metric import Metric

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric, builtin=True):
    """``1 - sum((y - y_pred)**2) / sum((y - mean(y))**2)`` for each output column.

    Sums accumulate on the device over all batches, so the result is the score of all
    data seen, not a mean of per-batch scores.

    Args:
        class_aggregation: How the per-output scores combine: ``"uniform_average"``
            (default, their mean), ``"variance_weighted_average"`` (weighted by each
            output's variance), or ``None`` (one score per output).
        num_regressors: Number of independent variables, for the adjusted R2
            ``1 - (1 - R2) * (n - 1) / (n - p - 1)``; 0 (default) for plain R2.
            When ``n - p - 1 <= 0`` the plain score is returned, as Keras does.
        name: Name in logs. Defaults to ``"r2_score"``.
        dtype: Float dtype of the state.

    Inputs are 2-D: ``(batch, outputs)``.
    """

    _direction = "up"

    def __init__(
        self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ConfigurationError(
                f"R2Score: class_aggregation must be one of {_AGGREGATIONS}. Received: "
                f"class_aggregation={class_aggregation!r}."
            )
        if (
            isinstance(num_regressors, bool)
            or not isinstance(num_regressors, int)
            or num_regressors < 0
        ):
            raise ConfigurationError(
                f"R2Score: num_regressors must be an integer >= 0. Received: "
                f"num_regressors={num_regressors!r}."
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        # Entries seen so far: a host-side count (shapes are known without a sync).
        self.num_samples = 0
        self._built = False

    def _build(self, outputs):
        shape = (outputs,)
        self.squared_sum = self.add_variable(shape, name="squared_sum")
        self.sum = self.add_variable(shape, name="sum")
        self.total_mse = self.add_variable(shape, name="residual")
        self.count = self.add_variable(shape, name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = self._to_device(y_pred, self._torch_dtype)
        y_true = self._to_device(y_true, self._torch_dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_true.dim() != 2 or y_pred.dim() != 2 or y_true.shape != y_pred.shape:
            raise InputError(
                "R2Score expects 2-D inputs of one shape (batch, outputs). Received: "
                f"y_true={describe(y_true)}, y_pred={describe(y_pred)}."
            )
        if not self._built:
            self._build(y_pred.shape[-1])
        if sample_weight is None:
            weights = torch.ones_like(y_true)
        else:
            weights = self._to_device(sample_weight, self._torch_dtype)
            if weights.dim() == 1:
                weights = weights.unsqueeze(1)
            weights = weights.expand_as(y_true)
        weighted = y_true * weights
        self.sum.add_(weighted.sum(dim=0))
        self.squared_sum.add_((y_true * weighted).sum(dim=0))
        self.total_mse.add_(((y_true - y_pred).square() * weights).sum(dim=0))
        self.count.add_(weights.sum(dim=0))
        self.num_samples += y_true.numel()

    def reset_state(self):
        self.num_samples = 0
        if self._built:
            super().reset_state()

    def result(self):
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1.0 - self.total_mse / total
        raw = torch.where(torch.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw).sum() / total.sum()
        else:
            score = raw
        n, p = self.num_samples, self.num_regressors
        if p and n - p - 1 > 0:
            score = 1.0 - (1.0 - score) * (n - 1) / (n - p - 1)
        return score

    def state_dict(self):
        return {**super().state_dict(), "num_samples": torch.tensor(self.num_samples)}

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        if not self._built and "sum" in state:
            self._build(len(state["sum"]))
        super().load_state_dict({k: v for k, v in state.items() if k != "num_samples"})
        self.num_samples = int(state.get("num_samples", 0))

    def get_config(self):
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
