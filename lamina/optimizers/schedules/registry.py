"""(De)serialize learning-rate schedules in Keras 3's form ``{"class_name", "config"}``."""

from lamina.errors import ConfigurationError, describe
from lamina.optimizers.schedules.cosine_decay import CosineDecay
from lamina.optimizers.schedules.cosine_decay_restarts import CosineDecayRestarts
from lamina.optimizers.schedules.exponential_decay import ExponentialDecay
from lamina.optimizers.schedules.inverse_time_decay import InverseTimeDecay
from lamina.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from lamina.optimizers.schedules.piecewise_constant_decay import PiecewiseConstantDecay
from lamina.optimizers.schedules.polynomial_decay import PolynomialDecay

_CLASSES = {
    cls.__name__: cls
    for cls in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(schedule):
    """``{"module", "class_name", "config"}`` of a schedule (Keras 3's layout)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise ConfigurationError(
            f"serialize: not a LearningRateSchedule. Received: {describe(schedule)}."
        )
    builtin = _CLASSES.get(type(schedule).__name__) is type(schedule)
    return {
        # Keras's own module for the schedules both libraries have, so Keras reads them.
        "module": "keras.optimizers.schedules" if builtin else type(schedule).__module__,
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": None if builtin else type(schedule).__name__,
    }


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from ``serialize``'s dict (Keras 3's works too)."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ConfigurationError(
            "A learning rate schedule config must be a dict with a 'class_name' string. "
            f"Received: {describe(config)}."
        )
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ConfigurationError(
            f"Unknown learning rate schedule. Received: class_name={name!r}. Known: "
            f"{', '.join(sorted(_CLASSES))}. Pass custom_objects={{{name!r}: YourSchedule}} for "
            "your own."
        )
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """A schedule from a schedule (returned as is) or a config dict."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    return deserialize(identifier)
