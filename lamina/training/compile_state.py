"""What ``compile`` resolved: the optimizer, the loss and the metrics, ready to run."""

from lamina import losses as losses_module
from lamina import metrics as metrics_module
from lamina import optimizers
from lamina.errors import ConfigurationError, describe
from lamina.metrics.registry import resolve_accuracy

_ACCURACY_NAMES = ("accuracy", "acc")


class CompileState:
    """Holds compile's arguments; metrics that depend on the output shape resolve in ``build``."""

    def __init__(self, optimizer, loss, metrics, loss_weights=None, weighted_metrics=None):
        self.optimizer = optimizers.get(optimizer)
        if loss is None:
            raise ConfigurationError(
                "compile: a loss is required to train, e.g. compile(optimizer='adam', "
                "loss='sparse_categorical_crossentropy'). Received: loss=None."
            )
        if isinstance(loss, (list, tuple, dict)):
            raise ConfigurationError(
                "compile: one loss per output (a list or dict of losses) arrives with multi-output "
                f"models (issue 3). Received: loss={describe(loss)}."
            )
        self.loss = losses_module.get(loss)
        if loss_weights is not None:
            raise ConfigurationError("compile: loss_weights needs a multi-output model (issue 3).")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        self.metric_specs = list(metrics or [])
        self.weighted_metric_specs = list(weighted_metrics or [])
        self.metrics = None
        self.loss_tracker = metrics_module.Mean(name="loss")

    @property
    def built(self):
        return self.metrics is not None

    def build(self, output_shape, device):
        """Resolve metric names (``"accuracy"`` depends on the loss and output shape)."""
        resolved = []
        for spec in self.metric_specs:
            if isinstance(spec, str) and spec.lower() in _ACCURACY_NAMES:
                resolved.append(resolve_accuracy(spec, self.loss, output_shape))
            else:
                resolved.append(metrics_module.get(spec))
        names = [m.name for m in resolved]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigurationError(f"compile: metric names must be unique. Repeated: {duplicates}.")
        self.metrics = resolved
        for metric in [self.loss_tracker, *resolved]:
            metric.to(device)

    def all_metrics(self):
        return [self.loss_tracker, *(self.metrics or [])]

    def is_sparse_crossentropy(self):
        return type(self.loss).__name__ == "SparseCategoricalCrossentropy" or getattr(
            self.loss, "name", ""
        ) == "sparse_categorical_crossentropy"
