"""Models: ``Sequential``, functional ``Model(inputs, outputs)`` and subclassed ``Model``."""

from typing import Any

from lamina._typing import PathLike
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.serialization import register_builtin

register_builtin(Model, Functional, Sequential)



def load_model(
    filepath: PathLike,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Model:
    """Load a ``.keras`` model file (lamina's or Keras 3's); see ``lamina.saving.load_model``."""
    from lamina.saving import load_model as load

    return load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(
    model: Model, filepath: PathLike, overwrite: bool = True, include_optimizer: bool = True
) -> None:
    """Save ``model`` to a ``.keras`` archive: same as ``model.save(filepath, ...)``."""
    model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer)


__all__ = ["Functional", "Model", "Sequential", "load_model", "save_model"]
