"""Support for overridden ``train_step`` / ``test_step`` / ``predict_step`` and own metrics.

A model that overrides a step gets its batches packed as Keras packs them (``x``,
``(x, y)`` or ``(x, y, sample_weight)``), may train without targets (``fit(x)``: VAEs,
GANs), and must return a dict of logs, which is checked at the first step. Metric objects
held in the model's attributes are tracked as Keras tracks them, so ``reset_metrics`` at
each epoch resets them.
"""

from collections.abc import Mapping

from lamina.errors import ConfigurationError
from lamina.metrics.metric import Metric
from lamina.training.data.packing import pack_x_y_sample_weight

NO_LOGS = (
    "Model '{model}': {step}() must return a dict of logs (name -> value), which fit shows "
    "and records in History. Received: {received}. End it with, for example:\n\n"
    "    return {{m.name: m.result() for m in self.metrics}}\n"
)


def overrides(model, step):
    """Whether ``model``'s class replaces the Trainer's ``step`` method (e.g. "train_step")."""
    from lamina.training.trainer import Trainer  # load order: trainer.py imports this module

    return getattr(type(model), step) is not getattr(Trainer, step)


def keras_pack(batch):
    """A ``(x, y, sample_weight)`` batch as Keras hands it to a step."""
    if isinstance(batch, tuple) and len(batch) == 3:
        return pack_x_y_sample_weight(*batch)
    return batch


def check_step_logs(logs, model_name, step):
    """Raise a clear error unless ``logs`` is a mapping of logs."""
    if not isinstance(logs, Mapping):
        received = "None (nothing was returned)" if logs is None else type(logs).__name__
        raise ConfigurationError(NO_LOGS.format(model=model_name, step=step, received=received))


def tracked_metrics(model):
    """Metrics held in attributes of ``model`` and of its sublayers (not of nested models).

    Keras collects ``Metric`` objects assigned to a model's attributes (directly or in a
    list); so does lamina, so a custom ``train_step``'s trackers are reset each epoch.
    """
    from lamina.training.trainer import Trainer  # load order: trainer.py imports this module

    found, seen = [], set()
    for module in model.modules():
        if module is not model and isinstance(module, Trainer):
            continue
        for value in vars(module).values():
            candidates = value if isinstance(value, (list, tuple)) else (value,)
            for candidate in candidates:
                if isinstance(candidate, Metric) and id(candidate) not in seen:
                    seen.add(id(candidate))
                    found.append(candidate)
    return found
