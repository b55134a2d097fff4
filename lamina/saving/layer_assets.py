"""Layer assets in ``.keras`` archives, laid out as Keras 3 lays them out.

Keras saves what is not a weight (a ``StringLookup`` / ``TextVectorization`` vocabulary)
as files under ``assets/<layer path>/`` in the archive (``assets/layers/text_vectorization/
vocabulary.txt``), the layer path being the one its weights use. A layer takes part by
defining ``save_asset_files() -> {file name: bytes}`` and ``load_asset_files(files)``.
"""

import zipfile

from lamina.saving.weights_file import layer_paths

ASSETS = "assets"


def write_assets(archive: zipfile.ZipFile, model) -> None:
    """Write every layer's asset files into the open (writable) ``archive``."""
    for path, layer in layer_paths(model).items():
        save = getattr(layer, "save_asset_files", None)
        if save is None:
            continue
        for name, data in save().items():
            archive.writestr("/".join(p for p in (ASSETS, path, name) if p), data)


def read_assets(filepath) -> dict:
    """``{member name: bytes}`` for the archive's ``assets/`` members (names already
    checked by the loader: no absolute paths, no ``..``)."""
    with zipfile.ZipFile(filepath) as archive:
        return {
            info.filename: archive.read(info)
            for info in archive.infolist()
            if info.filename.startswith(ASSETS + "/") and not info.is_dir()
        }


def load_assets(model, members: dict) -> None:
    """Hand each layer the asset files under its path."""
    if not members:
        return
    for path, layer in layer_paths(model).items():
        load = getattr(layer, "load_asset_files", None)
        if load is None:
            continue
        prefix = "/".join(p for p in (ASSETS, path) if p) + "/"
        files = {name[len(prefix):]: data for name, data in members.items()
                 if name.startswith(prefix) and "/" not in name[len(prefix):]}
        if files:
            load(files)
