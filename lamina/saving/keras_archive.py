"""``.keras`` archives: a zip of ``config.json``, ``metadata.json`` and ``model.weights.h5``,
laid out as Keras 3 lays them out, so either library reads the other's files.

Reading is defensive: no pickle anywhere; member names must be the expected plain names
(no absolute paths, no ``..``); a member that inflates more than 100x past a 16 MiB
floor is refused; classes come only from lamina or the user's registrations; Python code
in a ``Lambda`` loads only with ``safe_mode=False``.
"""

import datetime
import io
import json
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

from lamina._typing import PathLike
from lamina._version import __version__
from lamina.errors import ConfigurationError, LaminaError, SavingError
from lamina.layers import deferred_init
from lamina.saving import compile_config as compile_configs
from lamina.saving.atomic import atomic_path
from lamina.saving.h5_safety import open_h5_safely
from lamina.saving.h5_writing import LIBVER, naming_the_target
from lamina.saving.layer_assets import load_assets, read_assets, write_assets
from lamina.saving.optimizer_state import read_optimizer, write_optimizer
from lamina.saving.weights_file import read_weights, weight_slots, write_weights
from lamina.serialization import deserialize_layer, serialize_layer
from lamina.serialization.layer_config import jsonable
from lamina.serialization.safe_mode import archive_scope, safe_mode_scope

if TYPE_CHECKING:
    from lamina.models.model import Model

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
INFLATION_LIMIT = 100
# What following a malformed config raises (a value of the wrong type where a dict, list
# or number belongs) before lamina's own checks can name the problem.
REBUILD_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, RuntimeError)
# What zipfile raises on a damaged archive: bad headers and CRCs (BadZipFile), short reads
# (OSError, EOFError), bad deflate data (zlib.error), flags it does not support
# (NotImplementedError, RuntimeError for encryption), undecodable names (ValueError).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error)
SIZE_FLOOR = 16 * 1024 * 1024
TOO_DEEP = (
    "{path!r}: its " + CONFIG + " nests too deeply for Python to follow (models within models, "
    "lists within lists, past Python's recursion limit). A real model is never this deep: the file "
    "is damaged or hostile. Refused."
)
# Keras reads this field to warn about version skew; lamina writes the Keras 3 format it follows.
KERAS_FORMAT_VERSION = "3.5.0"


class ConfigLoadingError(SavingError, ConfigurationError):
    """A saved config names something lamina cannot build (an unknown class, dtype or
    argument): a ``SavingError``, as every loading failure, and the ``ConfigurationError``
    the same setting would raise in code."""


def save_model(model: "Model", filepath: PathLike, include_optimizer: bool = True) -> None:
    """Write ``model`` (config, weights, compile settings, optimizer state) to ``filepath``."""
    import h5py

    if not str(filepath).endswith(".keras"):
        raise SavingError(
            f"model.save writes the Keras 3 '.keras' format; the file name must end in '.keras'. "
            f"Received: filepath={str(filepath)!r}. For weights only, use save_weights('name.weights.h5')."
        )
    entry = serialize_layer(model)
    entry.pop("build_config", None)
    if model.built and model._build_shapes is not None:
        entry["build_config"] = {"input_shape": jsonable(model._build_shapes)}
    compile_config = compile_configs.compile_config(model)
    if compile_config is not None:
        entry["compile_config"] = compile_config
    metadata = {
        "keras_version": KERAS_FORMAT_VERSION,
        "lamina_version": __version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", libver=LIBVER) as handle:
        write_weights(handle, model)
        if include_optimizer:
            write_optimizer(handle, model)
    with naming_the_target(filepath), atomic_path(filepath) as temp, zipfile.ZipFile(temp, "w") as archive:
        archive.writestr(METADATA, json.dumps(metadata))
        archive.writestr(CONFIG, json.dumps(entry))
        archive.writestr(WEIGHTS, buffer.getvalue(), compress_type=zipfile.ZIP_STORED)
        write_assets(archive, model)


def load_model(
    filepath: PathLike,
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> "Model":
    """Load a ``.keras`` file written by lamina or by Keras 3.

    Args:
        filepath: path of the ``.keras`` archive.
        custom_objects: ``{name: class}`` for your own layers/losses/metrics.
        compile: restore the compile settings and optimizer state.
        safe_mode: refuse Python code (``Lambda`` bytecode) in the config. Set False only
            for files you trust: loading then runs code from the file.
    """
    contents = read_members(filepath, CONFIG, WEIGHTS)
    entry, weights = _parse_config(contents[CONFIG], filepath), contents[WEIGHTS]
    assets = read_assets(filepath)  # vocabularies; a config may name a file among them
    if weights is None:
        with archive_scope(assets):
            model = _rebuild(entry, filepath, custom_objects, compile, safe_mode)
        load_assets(model, assets)
        return model
    # The file overwrites every weight: build them without running their initializers.
    with deferred_init.skip_initializers() as skipped, archive_scope(assets):
        model = _rebuild(entry, filepath, custom_objects, compile, safe_mode)
    with open_h5_safely(io.BytesIO(weights)) as handle:
        read_weights(handle, model, source=f"{str(filepath)!r}")
        written = {id(entry[0]) for entries in weight_slots(model).values() for entry in entries}
        deferred_init.initialize_left_out(skipped, written)
        if compile and model.compiled:
            read_optimizer(handle, model, source=f"{str(filepath)!r}")
    load_assets(model, assets)
    return model


def _rebuild(entry, filepath, custom_objects, compile, safe_mode):
    """The (built, compiled) model a config describes; a config that cannot be followed
    (a damaged or hand-edited file) raises ``SavingError``."""
    try:
        with safe_mode_scope(safe_mode):
            model = deserialize_layer(entry, custom_objects)
        build = (entry.get("build_config") or {}).get("input_shape")
        if build is not None and not model.built:
            model.build_from_shapes(_shape(build))
        if compile and entry.get("compile_config"):
            model.compile(**compile_configs.compile_arguments(entry["compile_config"], custom_objects))
    except SavingError:
        raise
    except LaminaError as err:  # an unknown activation, a bad argument...: the file's fault here
        error = ConfigLoadingError if isinstance(err, ConfigurationError) else SavingError
        raise error(f"{str(filepath)!r}: its {CONFIG} cannot be loaded: {err}") from err
    except RecursionError:
        raise SavingError(TOO_DEEP.format(path=str(filepath))) from None
    except REBUILD_ERRORS as err:
        raise SavingError(
            f"{str(filepath)!r}: its {CONFIG} describes a model lamina cannot rebuild "
            f"({type(err).__name__}: {err}). The file is damaged or was edited by hand; save the "
            "model again."
        ) from err
    return model


def load_archive_weights(model, filepath, skip_mismatch=False):
    """Load the weights member of the ``.keras`` archive at ``filepath`` into ``model``."""
    weights = read_members(filepath, WEIGHTS)[WEIGHTS]
    if weights is None:
        raise SavingError(f"{str(filepath)!r} holds no {WEIGHTS}: there are no weights to load.")
    with open_h5_safely(io.BytesIO(weights)) as handle:
        return read_weights(handle, model, skip_mismatch, source=str(filepath))


def read_members(filepath, *names):
    """``{name: bytes or None}`` for the named members of the ``.keras`` archive at ``filepath``.

    A missing member gives None. A damaged archive raises ``SavingError``, never one of
    zipfile's or zlib's own exceptions.
    """
    try:
        archive = zipfile.ZipFile(filepath)
    except FileNotFoundError as err:
        raise SavingError(f"No such file: {str(filepath)!r}. Check the path.") from err
    except ZIP_ERRORS as err:
        raise SavingError(
            f"Cannot open {str(filepath)!r} as a .keras archive (a zip file): {err}. It is truncated "
            "(an interrupted copy or download?) or not a .keras file."
        ) from err
    with archive:
        members = _checked_members(archive, filepath)
        try:
            return {name: archive.read(members[name]) if name in members else None for name in names}
        except ZIP_ERRORS as err:
            raise SavingError(f"{str(filepath)!r} is damaged (truncated or corrupt zip): {err}") from err


def _parse_config(data, filepath):
    try:
        entry = json.loads(data)
    except ValueError as err:
        raise SavingError(f"{str(filepath)!r} is damaged: its {CONFIG} is not valid JSON ({err}).") from err
    except RecursionError:
        raise SavingError(TOO_DEEP.format(path=str(filepath))) from None
    if not isinstance(entry, dict):
        raise SavingError(
            f"{str(filepath)!r} is damaged: its {CONFIG} holds a {type(entry).__name__}, not a model config."
        )
    return entry


def _checked_members(archive, filepath):
    members = {}
    for info in archive.infolist():
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
            raise SavingError(f"Refusing {str(filepath)!r}: member {name!r} has an unsafe path.")
        if info.file_size > SIZE_FLOOR and info.file_size > INFLATION_LIMIT * max(info.compress_size, 1):
            raise SavingError(
                f"Refusing {str(filepath)!r}: member {name!r} would inflate from {info.compress_size} to "
                f"{info.file_size} bytes (over {INFLATION_LIMIT}x), which looks like a zip bomb."
            )
        members[name] = info
    if CONFIG not in members:
        raise SavingError(f"{str(filepath)!r} is not a .keras archive: it has no {CONFIG}. Members: {sorted(members)}.")
    return members


def _shape(value):
    if isinstance(value, list) and all(v is None or isinstance(v, int) for v in value):
        return tuple(value)
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return value
