"""Look up constraints by name or config (``get``) and describe them (``serialize``)."""

from lamina.constraints.constraint import Constraint
from lamina.constraints.norm_constraints import MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from lamina.serialization.object_family import ObjectFamily

_FAMILY = ObjectFamily(
    kind="constraint",
    module="keras.constraints",
    base=Constraint,
    classes=(Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm),
)


def get(identifier, custom_objects=None):
    """The constraint ``identifier`` stands for, or ``None``.

    Args:
        identifier: ``None``; a name (``"max_norm"``, ``"non_neg"``, ``"unit_norm"``,
            ``"min_max_norm"`` or a class name, with Keras's defaults); a ``Constraint``
            instance or class; a config dict; or a function ``weight -> weight``.
        custom_objects: ``{name: class or function}`` for your own.

    Raises:
        ConfigurationError: for an unknown name or an unusable identifier.
    """
    return _FAMILY.get(identifier, custom_objects)


def serialize(constraint):
    """Keras's config dict ``{"module", "class_name", "config", "registered_name"}``."""
    return _FAMILY.serialize(constraint)


def deserialize(config, custom_objects=None):
    """Rebuild a constraint from ``serialize``'s output (or a Keras config)."""
    return _FAMILY.deserialize(config, custom_objects)
