"""Open HDF5 weight files without following anything outside them.

HDF5 can point outside the file: external links (another file), external storage (raw
data in other files) and virtual datasets (data assembled from other files). A weights
file needs none of these, and each could read files the user never meant to load, so
lamina refuses a file that uses any of them. A damaged file raises ``SavingError``, never
one of h5py's own exceptions.
"""

import contextlib

from lamina.errors import LaminaError, SavingError

# What h5py raises when a file's structure is damaged: a bad object header or heap
# signature (RuntimeError, KeyError), a short read (OSError), an undecodable value
# (ValueError, TypeError), an absurd size or offset (OverflowError).
CORRUPT_H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError, OverflowError)


@contextlib.contextmanager
def open_h5_safely(source):
    """Yield an h5py File for a path or file-like object, after checking its contents."""
    import h5py

    try:
        handle = h5py.File(source, "r")
    except CORRUPT_H5_ERRORS as err:
        raise SavingError(
            f"Cannot read {_describe(source)} as an HDF5 weights file: {err}. It is missing, "
            "truncated (an interrupted copy?), corrupt, or not a weights file."
        ) from err
    try:
        check_h5(handle, _describe(source))
        yield handle
    except LaminaError:
        raise
    except CORRUPT_H5_ERRORS as err:
        raise SavingError(
            f"Cannot read {_describe(source)}: its HDF5 data is damaged ({type(err).__name__}: {err}). "
            "The file may be truncated or corrupt; save it again from the model."
        ) from err
    finally:
        handle.close()


def check_h5(handle, where):
    import h5py

    problems = []

    def visit(name):
        link = handle.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            problems.append(f"'{name}' is an external link to {link.filename}:{link.path}")
            return
        if isinstance(link, h5py.SoftLink):
            problems.append(f"'{name}' is a soft link to {link.path}")
            return
        obj = handle.get(name)
        if isinstance(obj, h5py.Dataset):
            if obj.is_virtual:
                problems.append(f"'{name}' is a virtual dataset")
            elif obj.external:
                problems.append(f"'{name}' keeps its data in external files {obj.external}")

    _visit_links(handle, "", visit)
    if problems:
        raise SavingError(
            f"Refusing to load {where}: it points outside itself ({'; '.join(problems[:5])}). "
            f"Weights files hold plain datasets only; re-save the model to get a self-contained file."
        )


def _visit_links(group, prefix, visit):
    import h5py

    for key in group.keys():
        name = f"{prefix}/{key}" if prefix else key
        visit(name)
        link = group.get(key, getlink=True)
        if isinstance(link, h5py.HardLink):
            child = group.get(key)
            if isinstance(child, h5py.Group):
                _visit_links(child, name, visit)


def _describe(source):
    return repr(str(source)) if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__") else "the weights data"
