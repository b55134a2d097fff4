"""The ``Initializer`` base class and the shape/dtype checks every initializer shares."""

import torch

from lamina.backend import floatx
from lamina.errors import ConfigurationError, describe


class Initializer:
    """Base class of weight initializers.

    Subclasses implement ``__call__(shape, dtype=None)`` returning a new CPU tensor and,
    if they take arguments, ``get_config`` returning them as a dict of plain values so
    that ``cls.from_config(init.get_config())`` rebuilds an equal initializer.
    """

    def __call__(self, shape, dtype=None):
        """Return a new tensor of ``shape`` and ``dtype`` (default ``floatx()``)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __call__(self, shape, dtype=None)."
        )

    def get_config(self):
        """Constructor arguments as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Build an initializer from the output of ``get_config``."""
        return cls(**config)

    def clone(self):
        """A new initializer with the same config."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def standardize_shape(shape, where):
    """``shape`` as a tuple of non-negative ints (an int means a 1-D shape)."""
    if isinstance(shape, int):
        shape = (shape,)
    try:
        dims = tuple(int(dim) for dim in shape)
    except (TypeError, ValueError) as err:
        raise ConfigurationError(
            f"{where}: shape must be a tuple of ints. Received: shape={describe(shape)}."
        ) from err
    if any(dim < 0 for dim in dims):
        raise ConfigurationError(
            f"{where}: shape must contain non-negative ints. Received: shape={shape!r}."
        )
    return dims


def standardize_dtype(dtype, where, floating=False):
    """``dtype`` (None, a name like "float32" or a torch.dtype) as a torch.dtype.

    ``None`` means the global ``floatx()``. With ``floating=True`` integer and bool
    dtypes are refused, as random initializers only make floats.
    """
    if dtype is None:
        dtype = floatx()
    resolved = dtype
    if isinstance(dtype, str):
        resolved = getattr(torch, dtype, None)
    if not isinstance(resolved, torch.dtype):
        raise ConfigurationError(
            f"{where}: unknown dtype. Received: dtype={dtype!r}. "
            "Use a torch.dtype or a name such as 'float32'."
        )
    if floating and not resolved.is_floating_point:
        raise ConfigurationError(
            f"{where}: only floating point dtypes are supported. Received: dtype={dtype!r}. "
            "Use e.g. 'float32'."
        )
    return resolved
