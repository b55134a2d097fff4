"""Exceptions lamina raises, so callers can catch lamina's own errors precisely.

Every lamina error is also a built-in exception of the closest kind (ValueError,
TypeError, ...), so code written for Keras that catches ``ValueError`` keeps working.
"""

__all__ = [
    "ConfigurationError",
    "DownloadError",
    "InputError",
    "LaminaError",
    "NotCompiledError",
    "SavingError",
    "TrainingError",
]


class LaminaError(Exception):
    """Base class of every error lamina raises on purpose."""


class InputError(LaminaError, ValueError):
    """Data handed to fit/evaluate/predict (or a layer) is unusable as given."""


class ConfigurationError(LaminaError, ValueError):
    """An argument, name or setting is invalid (unknown optimizer, bad units...)."""


class NotCompiledError(LaminaError, RuntimeError):
    """A training or evaluation method was called before ``compile``."""


class DownloadError(LaminaError, OSError):
    """A file could not be fetched, or what was fetched fails its check."""


class SavingError(LaminaError, ValueError):
    """A saved file cannot be read or does not match the model it is loaded into."""


class TrainingError(LaminaError, RuntimeError):
    """Training cannot go on (e.g. a non-finite loss under ``TerminateOnNaN(raise_error=True)``)."""


def describe(value):
    """Short description of a received value for error messages."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = getattr(value, "dtype", None)
        return f"{type(value).__name__} of shape {tuple(shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
