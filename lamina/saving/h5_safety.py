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
    """Raise ``SavingError`` if the open file ``handle`` links or stores data outside itself."""
    problems = []
    for name, link, obj in walk_h5(handle):
        problems.extend(_outside_problems(name, link, obj))
    if problems:
        raise SavingError(
            f"Refusing to load {where}: it points outside itself ({'; '.join(problems[:5])}). "
            f"Weights files hold plain datasets only; re-save the model to get a self-contained file."
        )


def walk_h5(handle):
    """``(path, link, object)`` for every link of the file, each group entered once.

    A group reached again through another hard link (the file's links may form a DAG, or a
    cycle back to a parent) is not walked again: groups are recognised by their address in
    the file, so the walk's cost is the number of links, not the number of paths through
    them. ``object`` is None for soft and external links, which are not followed.
    """
    import h5py

    seen = {_address(handle)}
    pending = [("", handle)]
    while pending:
        prefix, group = pending.pop()
        for key in group.keys():
            name = f"{prefix}/{key}" if prefix else key
            link = group.get(key, getlink=True)
            if not isinstance(link, h5py.HardLink):
                yield name, link, None
                continue
            child = group.get(key)
            yield name, link, child
            if isinstance(child, h5py.Group):
                address = _address(child)
                if address not in seen:
                    seen.add(address)
                    pending.append((name, child))


def _address(obj):
    import h5py

    info = h5py.h5o.get_info(obj.id)
    return info.fileno, info.addr


def _outside_problems(name, link, obj):
    import h5py

    if isinstance(link, h5py.ExternalLink):
        return [f"'{name}' is an external link to {link.filename}:{link.path}"]
    if isinstance(link, h5py.SoftLink):
        return [f"'{name}' is a soft link to {link.path}"]
    if isinstance(obj, h5py.Dataset):
        if obj.is_virtual:
            return [f"'{name}' is a virtual dataset"]
        if obj.external:
            return [f"'{name}' keeps its data in external files {obj.external}"]
    return []


def _describe(source):
    return repr(str(source)) if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__") else "the weights data"
