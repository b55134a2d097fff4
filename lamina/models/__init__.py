"""Models: ``Sequential``, functional ``Model(inputs, outputs)`` and subclassed ``Model``."""

from typing import Any

from lamina._typing import PathLike
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.saving import model_files
from lamina.serialization import deserialize_layer, register_builtin, serialize_layer

register_builtin(Model, Functional, Sequential)



def load_model(
    filepath: PathLike,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Model:
    """Load a ``.keras`` model file (lamina's or Keras 3's); see ``lamina.saving.load_model``."""
    return model_files.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Model:
    """The model ``model.to_json()`` described (lamina's or Keras's JSON), with new weights."""
    import json

    return deserialize_layer(json.loads(json_string), custom_objects)


def clone_model(model: Model, custom_objects: dict[str, Any] | None = None) -> Model:
    """A new model of ``model``'s architecture (from its config), with new weights, as
    Keras's ``clone_model`` (without its ``clone_function`` / ``input_tensors``)."""
    return deserialize_layer(serialize_layer(model), custom_objects)


def save_model(
    model: Model, filepath: PathLike, overwrite: bool = True, include_optimizer: bool = True
) -> None:
    """Save ``model`` to a ``.keras`` archive: same as ``model.save(filepath, ...)``."""
    model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
