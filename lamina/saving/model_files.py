"""``load_model``: picks the reader by file name (``.keras`` archive or legacy ``.h5``)."""

from typing import TYPE_CHECKING, Any

from lamina._typing import PathLike
from lamina.saving import keras_archive, legacy_h5

if TYPE_CHECKING:
    from lamina.models.model import Model


def load_model(
    filepath: PathLike,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> "Model":
    """Load a model file: a ``.keras`` archive (lamina's or Keras 3's), or a legacy Keras
    ``.h5`` / ``.hdf5`` full-model file (tf.keras 2's or Keras 3's legacy writer).

    Args:
        filepath: path of the file.
        custom_objects: ``{name: class}`` for your own layers/losses/metrics.
        compile: restore the compile settings (and, for ``.keras``, the optimizer state;
            a legacy ``.h5`` file's optimizer starts fresh).
        safe_mode: refuse Python code (``Lambda`` bytecode) in the config. Set False only
            for files you trust: loading then runs code from the file.

    Raises:
        SavingError: the file is damaged, unsafe, or does not match its own config.
    """
    if legacy_h5.is_legacy_h5(filepath):
        return legacy_h5.load_legacy_model(filepath, custom_objects, compile, safe_mode)
    return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)
