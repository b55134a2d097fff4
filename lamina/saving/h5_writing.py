"""Write HDF5 files atomically, and survive a disk that fills up while writing.

HDF5 writing straight to disk can crash the process (a segmentation fault) when a write
fails and the file is then closed: the library keeps an object it can neither flush nor
release (h5py issues #914 and #2160). lamina therefore builds each HDF5 file in memory
and writes the finished bytes with ``atomic_write``: a full disk is then a plain
``OSError``, the temporary file is removed and the previous file stays intact.

Files use HDF5's 1.8 format (``libver=LIBVER``, readable by any HDF5 since 1.8, so by
Keras and h5py everywhere): its metadata carries checksums, so a damaged file fails with
a clear error when read instead of being decoded into nonsense. Text attributes are
fixed-length strings (``fixed_string``): variable-length ones live in the global heap,
which has no checksum, and a damaged heap can make HDF5 1.14 loop forever on reading.
"""

import contextlib
import io
import os

import numpy as np

from lamina.saving.atomic import atomic_write

LIBVER = ("v108", "latest")


def write_h5(path, fill, before_rename=None):
    """Replace ``path`` atomically with an HDF5 file that ``fill(handle)`` writes.

    Args:
        path: Destination file.
        fill: Function given the open, empty ``h5py.File``.
        before_rename: Optional function run once the bytes are written and flushed to the
            temporary file, before it replaces ``path`` (tests use it to crash there).

    Raises:
        OSError: writing failed (e.g. the disk is full); ``path`` is unchanged.
    """
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w", libver=LIBVER) as handle:
        fill(handle)
    with naming_the_target(path), atomic_write(path) as stream:
        stream.write(buffer.getbuffer())
        if before_rename is not None:
            stream.flush()
            before_rename()


@contextlib.contextmanager
def naming_the_target(path):
    """Report an ``OSError`` raised while writing ``path`` under the user's path.

    Files are written to a hidden temporary file next to ``path`` and renamed; a folder the
    user cannot write to would otherwise raise an error naming that temporary file. The
    error keeps its class and errno (``PermissionError``, a full disk's ``ENOSPC``).
    """
    target = os.fspath(path)
    try:
        yield
    except OSError as err:
        if err.errno is None or err.filename in (None, target):
            raise
        folder = os.path.dirname(os.path.abspath(target)) or "."
        raise type(err)(
            err.errno,
            f"Cannot save to {target!r}: {err.strerror} while writing in the folder {folder!r} (lamina "
            f"writes a temporary file there and renames it). Check that the folder exists and is "
            f"writable, and that the disk has space, or save somewhere else",
            target,
        ) from None


def fixed_string(text):
    """``text`` as a fixed-length HDF5 string attribute value (see the module notes)."""
    return np.bytes_(str(text).encode("utf-8"))


def read_text(value):
    """An HDF5 string attribute as ``str``, whether stored fixed-length or variable-length."""
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else str(value)
