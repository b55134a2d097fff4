"""``get``, ``serialize`` and ``deserialize`` for dtype policies, with Keras's dict format."""

from lamina.dtype_policies.float_dtype_policy import FloatDTypePolicy
from lamina.errors import ConfigurationError, describe
from lamina.mixed_precision import DTypePolicy

_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy, "Policy": DTypePolicy}


def serialize(dtype_policy):
    """Keras's config dict for ``dtype_policy`` (a ``DTypePolicy``).

    Args:
        dtype_policy: The policy to serialize.

    Returns:
        ``{"module": "keras", "class_name": ..., "config": {"name": ...}, "registered_name": None}``.
    """
    if not isinstance(dtype_policy, DTypePolicy):
        raise ConfigurationError(
            f"serialize: `dtype_policy` must be a DTypePolicy. Received: {describe(dtype_policy)}. "
            "Pass lamina.DTypePolicy(name)."
        )
    return {
        "module": "keras",
        "class_name": type(dtype_policy).__name__,
        "config": dtype_policy.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """The policy a ``serialize`` dict (or Keras's saved dict) describes.

    Args:
        config: A dict with ``class_name`` and ``config``.
        custom_objects: Optional ``{name: class}`` for policy subclasses.

    Returns:
        A ``DTypePolicy``.
    """
    classes = {**_CLASSES, **(custom_objects or {})}
    if not isinstance(config, dict) or config.get("class_name") not in classes:
        raise ConfigurationError(
            f"deserialize: `config` must be a dtype policy dict with class_name one of "
            f"{sorted(classes)}. Received: {describe(config)}. Pass the output of serialize()."
        )
    return classes[config["class_name"]].from_config(config.get("config", {}))


def get(identifier):
    """A policy from a name (``"mixed_float16"``), a ``serialize`` dict or a policy.

    Args:
        identifier: A policy name, a dict, a ``DTypePolicy`` or ``None``.

    Returns:
        A ``DTypePolicy`` (``None`` for ``None``).
    """
    if identifier is None or isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise ConfigurationError(
        f"get: cannot interpret a dtype policy from `identifier`. Received: {describe(identifier)}. "
        "Pass a policy name such as 'mixed_float16', a dict or a DTypePolicy."
    )
