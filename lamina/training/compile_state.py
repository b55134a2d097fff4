"""What ``compile`` resolved: the optimizer, the losses and the metrics, ready to run.

A model with one output gets one loss and its metrics. A model with several outputs (a
list or dict of outputs) takes a loss per output (a list in output order, a dict keyed by
output name, or one loss used for every output), optional ``loss_weights``, and metrics
per output; logs then read ``loss`` (the weighted total), ``<output>_loss`` and
``<output>_<metric>`` as in Keras.

As in Keras, ``metrics`` ignore ``sample_weight`` (and ``class_weight``) and
``weighted_metrics`` use it; both honour an output's Keras mask (masked timesteps do not
count), through the metric's own ``update_state``.
"""

import torch

from lamina import losses as losses_module
from lamina import metrics as metrics_module
from lamina import optimizers
from lamina.errors import ConfigurationError, InputError, describe
from lamina.metrics.registry import resolve_accuracy
from lamina.tree.nested import flatten

_ACCURACY_NAMES = ("accuracy", "acc")


NO_LOSS = (
    "Model '{model}': there is no loss to minimise. compile() was given no loss and no layer "
    "added one with add_loss. Pass one, e.g. compile(optimizer='adam', "
    "loss='sparse_categorical_crossentropy'), or override train_step/compute_loss."
)


class OutputHead:
    """The loss, weight and metrics (unweighted, then weighted by ``sample_weight``) of one model output."""

    def __init__(self, name, loss, weight, metrics, tracker, weighted_metrics=()):
        self.name, self.loss, self.weight, self.metrics, self.tracker = name, loss, weight, metrics, tracker
        self.weighted_metrics = list(weighted_metrics)


class CompileState:
    """Holds compile's arguments; per-output pieces resolve in ``build`` once outputs are known."""

    def __init__(self, optimizer, loss, metrics=None, loss_weights=None, weighted_metrics=None):
        self.optimizer = optimizers.get(optimizer)
        # loss=None is allowed (a custom train_step, or losses from add_loss); the default
        # compute_loss raises NO_LOSS when it finds nothing to minimise.
        self.loss_spec = loss
        self.loss = _map_spec(loss, losses_module.get)
        self.loss_weights = loss_weights
        self.metric_specs = _checked_metric_specs(metrics)
        self.weighted_metric_specs = _checked_metric_specs(weighted_metrics)
        self.loss_tracker = metrics_module.Mean(name="loss")
        self._metrics_checked = False  # see update_metrics
        self.heads = None
        self.multi_output = False
        self.structured = False
        self.output_names = None

    @property
    def built(self):
        return self.heads is not None

    # ------------------------------------------------------------------- build
    def build(self, outputs, output_names, device, targets=None):
        """Resolve losses and metrics against the model's outputs (a tensor, list or dict)
        and, when known, a batch of targets (their shapes pick what "accuracy" means)."""
        flat = flatten(outputs)
        target_shapes = _target_shapes(targets, outputs, len(flat))
        names = list(output_names) if output_names else [f"output_{i}" for i in range(len(flat))]
        self.multi_output = len(flat) > 1
        self.structured = not isinstance(outputs, torch.Tensor)
        self.output_names = names
        loss_list = _per_output(self.loss, names, "loss", broadcast=True)
        weights = _per_output(self.loss_weights, names, "loss_weights", broadcast=False) if (
            self.loss_weights is not None
        ) else [1.0] * len(names)
        metric_lists = self._metric_lists(self.metric_specs, names)
        weighted_lists = self._metric_lists(self.weighted_metric_specs, names)
        heads = []
        # As Keras: a loss per output is logged when more than one output has a loss.
        tracked = sum(loss is not None for loss in loss_list) > 1
        for index, name in enumerate(names):
            prefix = f"{name}_" if self.multi_output else ""
            metrics, weighted = (
                [
                    self._resolve_metric(spec, loss_list[index], tuple(flat[index].shape), target_shapes[index], prefix)
                    for spec in specs[index]
                ]
                for specs in (metric_lists, weighted_lists)
            )
            tracker = metrics_module.Mean(name=f"{name}_loss") if tracked and loss_list[index] is not None else None
            heads.append(OutputHead(name, loss_list[index], float(weights[index] or 0.0), metrics, tracker, weighted))
        _name_apart(heads, self.all_metrics(heads))
        self.heads = heads
        for metric in self.all_metrics():
            metric.to(device)

    @staticmethod
    def _metric_lists(specs, names):
        if specs is None:
            return [[] for _ in names]
        if isinstance(specs, dict):
            unknown = sorted(set(specs) - set(names))
            if unknown:
                raise ConfigurationError(
                    f"compile: metrics given for outputs {unknown}, but the model's outputs are {names}."
                )
            return [list(_as_list(specs.get(name, []))) for name in names]
        if len(names) > 1 and specs and all(isinstance(s, (list, tuple)) for s in specs):
            if len(specs) != len(names):
                raise ConfigurationError(
                    f"compile: {len(specs)} metric lists for {len(names)} outputs {names}."
                )
            return [list(s) for s in specs]
        return [list(specs) for _ in names]

    @staticmethod
    def _resolve_metric(spec, loss, output_shape, target_shape, prefix):
        if isinstance(spec, str) and spec.lower() in _ACCURACY_NAMES:
            metric = resolve_accuracy(spec, loss, output_shape, target_shape)
        else:
            metric = metrics_module.get(spec)
        if prefix:
            metric.name = prefix + metric.name
        return metric

    # -------------------------------------------------------------------- run
    def all_metrics(self, heads=None):
        heads = (self.heads or []) if heads is None else heads
        trackers = [h.tracker for h in heads if h.tracker is not None]
        return [self.loss_tracker, *trackers, *self._compiled_metrics(heads)]

    @property
    def metrics(self):
        return self._compiled_metrics(self.heads or [])

    @staticmethod
    def _compiled_metrics(heads):
        """Keras's order: every output's ``metrics``, then every output's ``weighted_metrics``."""
        return [m for h in heads for m in h.metrics] + [m for h in heads for m in h.weighted_metrics]

    def compute_loss(self, y_true, y_pred, sample_weight):
        if not self.structured:
            head = self.heads[0]
            return head.loss(y_true, y_pred, sample_weight)
        targets, predictions = self.align(y_true, y_pred)
        total = 0.0
        for head, target, prediction in zip(self.heads, targets, predictions):
            if target is None or head.loss is None:
                continue
            value = head.loss(target, prediction, sample_weight)
            if head.tracker is not None:
                head.tracker.update_state(value.detach(), sample_weight=prediction.shape[0])
            total = total + head.weight * value
        return total

    def update_metrics(self, y_true, y_pred, sample_weight):
        """Update every output's metrics (without ``sample_weight``) and weighted metrics (with
        it); additive built-in metrics a few batches at a time (``Metric.defer_update``)."""
        if not self.structured:
            head = self.heads[0]
            for metric in head.metrics:
                metric.defer_update(y_true, y_pred)
            for metric in head.weighted_metrics:
                metric.defer_update(y_true, y_pred, sample_weight)
            return
        targets, predictions = self.align(y_true, y_pred)
        for head, target, prediction in zip(self.heads, targets, predictions):
            if target is None:
                continue
            for metric, weight in [(m, None) for m in head.metrics] + [(m, sample_weight) for m in head.weighted_metrics]:
                try:
                    # The first batch updates at once, so a metric that does not fit its
                    # output fails here, where the error can name both.
                    update = metric.defer_update if self._metrics_checked else metric.update_state
                    update(target, prediction, weight)
                except (InputError, RuntimeError) as error:
                    raise InputError(
                        f"Metric '{metric.name}' of output '{head.name}': {error} A flat list of "
                        f"metrics in compile applies to every output; give outputs their own with "
                        f"a list per output or a dict {{output name: [metrics]}}."
                    ) from error
        self._metrics_checked = True

    def align(self, y_true, y_pred):
        """Targets and predictions as lists in output order."""
        predictions = list(y_pred.values()) if isinstance(y_pred, dict) else flatten(y_pred)
        if isinstance(y_pred, dict):
            predictions = [y_pred[name] for name in self.output_names]
        if isinstance(y_true, dict):
            unknown = sorted(set(y_true) - set(self.output_names))
            if unknown:
                raise InputError(
                    f"Targets given for {unknown}, but the model's outputs are {self.output_names}."
                )
            return [y_true.get(name) for name in self.output_names], predictions
        targets = list(y_true) if isinstance(y_true, (list, tuple)) else [y_true]
        if len(targets) != len(predictions):
            raise InputError(
                f"The model has {len(predictions)} outputs {self.output_names} but received "
                f"{len(targets)} target arrays. Pass one target per output (a list in output "
                f"order or a dict keyed by output name)."
            )
        return targets, predictions

    def sparse_heads(self):
        """(index, head) of outputs trained with sparse categorical crossentropy."""
        return [
            (i, h) for i, h in enumerate(self.heads or []) if _is_sparse_crossentropy(h.loss)
        ]


def _is_sparse_crossentropy(loss):
    return type(loss).__name__ == "SparseCategoricalCrossentropy" or getattr(
        loss, "name", ""
    ) == "sparse_categorical_crossentropy"


def _checked_metric_specs(specs):
    """``metrics`` / ``weighted_metrics`` as a list or dict, every name checked now."""
    if specs is not None and not isinstance(specs, (list, tuple, dict)):
        specs = [specs]
    for spec in flatten(specs or []):
        if not (isinstance(spec, str) and spec.lower() in _ACCURACY_NAMES):
            metrics_module.get(spec)
    return specs


def _as_list(value):
    return value if isinstance(value, (list, tuple)) else [value]


def _map_spec(spec, fn):
    if isinstance(spec, dict):
        return {key: None if value is None else fn(value) for key, value in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [None if value is None else fn(value) for value in spec]
    return fn(spec)


def _per_output(spec, names, argument, broadcast):
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ConfigurationError(
                f"compile: {argument} names outputs {unknown}, but the model's outputs are {names}. "
                f"Received: {argument}={describe(spec)}."
            )
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != len(names):
            raise ConfigurationError(
                f"compile: {argument} has {len(spec)} entries for {len(names)} outputs {names}. "
                f"Give one per output, or a dict keyed by output name."
            )
        return list(spec)
    if broadcast or len(names) == 1:
        return [spec] * len(names)
    raise ConfigurationError(f"compile: {argument} must be a list or dict for a model with outputs {names}.")


def _target_shapes(targets, outputs, count):
    """Per output, the shape of its targets in ``targets`` (a batch), or None."""
    if targets is None:
        return [None] * count
    if isinstance(outputs, dict) and isinstance(targets, dict):
        flat = [targets.get(name) for name in outputs]
    else:
        flat = flatten(targets)
    if len(flat) != count:
        return [None] * count
    return [tuple(t.shape) if isinstance(t, torch.Tensor) else None for t in flat]


def _name_apart(heads, tracked):
    """Give repeated metric names Keras's forms: a weighted metric named as an unweighted
    one becomes ``weighted_<name>``; other repeats get ``_1``, ``_2``... ("loss" is taken)."""
    unweighted = {m.name for h in heads for m in h.metrics}
    for head in heads:
        prefix = f"{head.name}_" if len(heads) > 1 else ""
        for metric in head.weighted_metrics:
            if metric.name in unweighted:
                metric.name = prefix + "weighted_" + metric.name[len(prefix):]
    compiled = CompileState._compiled_metrics(heads)
    compiled_ids = {id(m) for m in compiled}
    taken = {"loss"} | {m.name for m in tracked if id(m) not in compiled_ids}
    for metric in compiled:
        name, count = metric.name, 0
        while metric.name in taken:
            count += 1
            metric.name = f"{name}_{count}"
        taken.add(metric.name)
