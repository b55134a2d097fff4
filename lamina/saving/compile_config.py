"""A model's compile settings in a ``.keras`` file, as Keras 3 writes them
(``compile_config``), and the ``compile`` arguments such a config gives back.

Losses, metrics and the optimizer are written as Keras's entries (see ``keras_entries``),
so Keras's ``load_model`` compiles lamina's files; names (``"mse"``, ``"accuracy"``) stay
names, and lists or dicts of them (one per output) keep their structure.
"""

import inspect

from lamina import losses, metrics, optimizers
from lamina.losses import registry as loss_registry
from lamina.metrics import registry as metric_registry
from lamina.saving import keras_entries


def compile_config(model):
    """The ``compile_config`` of ``model``'s file, or None if it is not compiled."""
    state = getattr(model, "_compiled", None)
    if state is None:
        return None
    return {
        "optimizer": keras_entries.optimizer_entry(state.optimizer),
        "loss": _encode(state.loss_spec, losses, keras_entries.loss_entry),
        "loss_weights": state.loss_weights,
        "metrics": _encode(state.metric_specs, metrics, keras_entries.metric_entry),
        "weighted_metrics": _encode(state.weighted_metric_specs, metrics, keras_entries.metric_entry),
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def compile_arguments(config, custom_objects=None):
    """``model.compile`` keyword arguments from a ``compile_config`` (lamina's or Keras's)."""
    return {
        "optimizer": optimizers.deserialize(config["optimizer"]) if config.get("optimizer") else "rmsprop",
        "loss": _decode(config.get("loss"), loss_registry, custom_objects),
        "metrics": _decode(config.get("metrics"), metric_registry, custom_objects),
        "weighted_metrics": _decode(config.get("weighted_metrics"), metric_registry, custom_objects),
        "loss_weights": config.get("loss_weights"),
    }


def _encode(spec, family, entry_of):
    """A loss/metric spec (name, object, function, or a list/dict of them) as Keras writes it."""
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, (list, tuple)):
        return [_encode(s, family, entry_of) for s in spec]
    if isinstance(spec, dict):
        return {k: _encode(v, family, entry_of) for k, v in spec.items()}
    # Functions are written as functions (as Keras does); classes and other callables
    # become the objects compile made of them.
    return entry_of(spec if inspect.isfunction(spec) else family.get(spec))


def _decode(spec, family, custom_objects):
    """Inverse of ``_encode``: entries become losses/metrics or functions, names stay."""
    if keras_entries.is_function_entry(spec):
        return family.get_function(spec["config"], custom_objects)
    if isinstance(spec, dict) and "class_name" in spec:
        return family.deserialize({**spec, "config": keras_entries.decoded_fn(spec.get("config"))}, custom_objects)
    if isinstance(spec, dict):
        return {k: _decode(v, family, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_decode(s, family, custom_objects) for s in spec]
    return spec
