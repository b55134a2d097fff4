"""``load_model`` and ``load_model_weights``: pick the reader by file name (``.keras``
archive, ``.weights.h5`` or legacy ``.h5``)."""

from typing import TYPE_CHECKING, Any

from lamina._typing import PathLike
from lamina.errors import SavingError
from lamina.saving import keras_archive, legacy_h5, weights_file

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
        compile: restore the compile settings and the optimizer state (a tf.keras 2
            ``.h5`` file's optimizer starts fresh).
        safe_mode: refuse Python code (``Lambda`` bytecode) in the config. Set False only
            for files you trust: loading then runs code from the file.

    Raises:
        SavingError: the file is damaged, unsafe, or does not match its own config.
    """
    if legacy_h5.is_legacy_h5(filepath):
        return legacy_h5.load_legacy_model(filepath, custom_objects, compile, safe_mode)
    return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)


def load_model_weights(model: "Model", filepath: PathLike, skip_mismatch: bool = False, by_name: bool = False) -> Any:
    """``model.load_weights``: a ``.weights.h5`` file (lamina's or Keras's), a ``.keras``
    archive's weights, or a legacy Keras ``.h5`` file (``by_name`` applies to that only)."""
    if legacy_h5.is_legacy_h5(filepath):
        return legacy_h5.load_legacy_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch)
    if by_name:
        raise SavingError(
            f"by_name=True only applies to legacy '.h5' / '.hdf5' files (as in Keras). Received: "
            f"filepath={str(filepath)!r}. Keras 3 files match weights by their place in the model."
        )
    if str(filepath).endswith(".keras"):
        return keras_archive.load_archive_weights(model, filepath, skip_mismatch)
    return weights_file.load_weights(model, filepath, skip_mismatch=skip_mismatch)
