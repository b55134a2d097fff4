"""Global numeric settings with Keras's names and defaults."""

import torch

from lamina.errors import ConfigurationError

_DATA_FORMATS = ("channels_last", "channels_first")
_FLOATX = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64}

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def floatx():
    """Name of the default float dtype of weights and inputs ("float32")."""
    return _settings["floatx"]


def set_floatx(name):
    """Set the default float dtype of new weights and inputs.

    Args:
        name: ``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``.

    Raises:
        ConfigurationError: ``name`` is not one of those.
    """
    if name not in _FLOATX:
        raise ConfigurationError(f"set_floatx: unknown dtype. Received: {name!r}. Expected one of {sorted(_FLOATX)}.")
    _settings["floatx"] = name


def float_dtype():
    """The torch dtype matching ``floatx()``."""
    return _FLOATX[_settings["floatx"]]


def epsilon():
    """Fuzz factor used by losses and optimizers (Keras default 1e-7)."""
    return _settings["epsilon"]


def set_epsilon(value):
    """Set the fuzz factor that losses and optimizers read from ``epsilon()``."""
    _settings["epsilon"] = float(value)


def image_data_format():
    """"channels_last" (Keras default) or "channels_first"."""
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    """Set the default ``data_format`` of image layers.

    Args:
        data_format: ``"channels_last"`` (Keras's default) or ``"channels_first"``.

    Raises:
        ConfigurationError: any other value.
    """
    _settings["image_data_format"] = standardize_data_format(data_format, "set_image_data_format")


def standardize_data_format(data_format, where="data_format"):
    """Return a valid data format, filling ``None`` with the global default."""
    if data_format is None:
        return image_data_format()
    value = str(data_format).lower()
    if value not in _DATA_FORMATS:
        raise ConfigurationError(
            f"{where}: unknown data_format. Received: data_format={data_format!r}. "
            f"Use 'channels_last' (batch, ..., channels) or 'channels_first' (batch, channels, ...)."
        )
    return value
