"""Look up regularizers by name or config (``get``) and describe them (``serialize``)."""

from lamina.regularizers.norm_penalties import L1, L1L2, L2, l1_l2
from lamina.regularizers.orthogonal import OrthogonalRegularizer
from lamina.regularizers.regularizer import Regularizer
from lamina.serialization.object_family import ObjectFamily

_FAMILY = ObjectFamily(
    kind="regularizer",
    module="keras.regularizers",
    base=Regularizer,
    classes=(Regularizer, L1, L2, L1L2, OrthogonalRegularizer),
    aliases={"l1_l2": l1_l2},
)


def get(identifier, custom_objects=None):
    """The regularizer ``identifier`` stands for, or ``None``.

    Args:
        identifier: ``None``; a name (``"l1"``, ``"l2"``, ``"l1_l2"``,
            ``"orthogonal_regularizer"`` or a class name, Keras's defaults); a
            ``Regularizer`` instance or class; a config dict; or a function
            ``weight -> scalar``.
        custom_objects: ``{name: class or function}`` for your own, in names and configs.

    Raises:
        ConfigurationError: for an unknown name or an unusable identifier.
    """
    return _FAMILY.get(identifier, custom_objects)


def serialize(regularizer):
    """Keras's config dict ``{"module", "class_name", "config", "registered_name"}``."""
    return _FAMILY.serialize(regularizer)


def deserialize(config, custom_objects=None):
    """Rebuild a regularizer from ``serialize``'s output (or a Keras config)."""
    return _FAMILY.deserialize(config, custom_objects)
