"""Lambda: wrap a Python function of tensors as a layer."""

import inspect

import torch

from lamina.errors import ConfigurationError
from lamina.layers.core.function_config import (
    deserialize_function,
    deserialize_value,
    serialize_function,
    serialize_value,
)
from lamina.layers.layer import Layer
from lamina.serialization.layer_config import clean_config
from lamina.serialization.safe_mode import in_safe_mode
from lamina.tree.nested import flatten_shapes, is_shape, map_shapes


class Lambda(Layer):
    """Runs ``function(inputs, **arguments)`` as a layer (no weights).

    Saving: a named function is saved by name (register it with
    ``@lamina.saving.register_keras_serializable()`` so it loads again); a Python
    ``lambda`` is saved as bytecode, which only loads in the same Python version and only
    with ``safe_mode=False``, because loading it runs code from the file. For anything
    beyond quick experiments, subclass ``Layer`` instead.

    Args:
        function: callable taking the input tensor(s) first; it also receives ``mask=``
            and ``training=`` when its signature names them.
        output_shape: the output shape without the batch axis (a tuple, nested for
            several outputs), or a function of the full input shape. By default the
            shape is found by running ``function`` on zeros.
        mask: ``None`` (the layer drops masks), a function ``(inputs, mask) -> mask``,
            or a fixed mask tensor.
        arguments: dict of extra keyword arguments for ``function``.

    Example:
        >>> import lamina
        >>> x = lamina.Input((4,))
        >>> lamina.layers.Lambda(lambda t: t ** 2)(x).shape
        (None, 4)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ConfigurationError(
                f"Lambda '{self.name}': function must be callable, e.g. Lambda(lambda x: x ** 2). "
                f"Received: function={function!r:.80}."
            )
        if output_shape is not None and not callable(output_shape):
            shape, output_shape = output_shape, _as_shape(output_shape)
            if output_shape is None:
                raise ConfigurationError(
                    f"Lambda '{self.name}': output_shape must be a tuple without the batch axis, "
                    f"e.g. output_shape=(4,), or a function of the input shape. "
                    f"Received: output_shape={shape!r}."
                )
        if arguments is not None and not isinstance(arguments, dict):
            raise ConfigurationError(
                f"Lambda '{self.name}': arguments must be a dict of keyword arguments for the "
                f"function. Received: arguments={arguments!r:.80}."
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self.produces_mask = mask is not None
        self._output_shape = output_shape
        parameters = _parameter_names(function)
        self._function_takes_training = "training" in parameters
        self._function_takes_mask = "mask" in parameters

    def call(self, inputs, training=None, mask=None):
        kwargs = dict(self.arguments)
        if self._function_takes_mask:
            kwargs["mask"] = mask
        if self._function_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = flatten_shapes(input_shape)[0][0]
        return map_shapes(lambda shape: (batch,) + shape, self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        config = {**super().get_config(), "function": serialize_function(self.function, self._where())}
        if self._output_shape is not None:
            config["output_shape"] = (
                serialize_function(self._output_shape, self._where())
                if callable(self._output_shape)
                else serialize_value(self._output_shape)
            )
        if self.mask is not None:
            config["mask"] = (
                serialize_function(self.mask, self._where()) if callable(self.mask) else serialize_value(self.mask)
            )
        config["arguments"] = serialize_value(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild a Lambda from ``get_config()`` output (lamina's or Keras's).

        Args:
            config: the config dict.
            custom_objects: dict of name -> function for functions saved by name.
            safe_mode: refuse lambda bytecode (which runs code from the file). ``None``
                follows the loader (``load_model(..., safe_mode=...)`` or
                ``lamina.saving.safe_mode_scope``), which is safe unless told otherwise.

        Raises:
            SavingError: for bytecode in safe mode, or a function name it cannot find.
        """
        if safe_mode is None:
            safe_mode = in_safe_mode()
        config = clean_config(cls, config)
        where = f"Lambda '{config.get('name', 'lambda')}'"
        load = lambda value: deserialize_function(value, custom_objects, safe_mode, where)  # noqa: E731
        config["function"] = load(config["function"])
        output_shape = config.get("output_shape")
        if _is_function_config(output_shape):
            config["output_shape"] = load(output_shape)
        mask = config.get("mask")
        if _is_function_config(mask):
            config["mask"] = load(mask)
        elif mask is not None:
            config["mask"] = deserialize_value(mask)
        if config.get("arguments") is not None:
            config["arguments"] = deserialize_value(config["arguments"])
        return cls(**config)

    def _where(self):
        return f"Lambda '{self.name}'"


def _is_function_config(value):
    return isinstance(value, dict) and value.get("class_name") in ("__lambda__", "function")


def _as_shape(value):
    """A shape tuple (or nested tuple of them) from lists/tuples of ints and None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, torch.Size):
        value = tuple(value)
    if not isinstance(value, (list, tuple)):
        return None
    if all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value):
        return tuple(value)
    nested = [_as_shape(v) for v in value]
    if any(s is None or not is_shape(s) for s in nested):
        return None
    return type(value)(nested) if isinstance(value, tuple) else nested


def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()
