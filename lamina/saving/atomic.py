"""Atomic file writes: a save that fails half way leaves the previous file intact.

Every file lamina writes (models, weights, checkpoints, backups, downloads) goes through
``atomic_write``: the data goes to a temporary file in the same directory, is flushed and
fsync'ed, then renamed over the target in one step (``os.replace``), and the directory
entry is fsync'ed too. On any error the temporary file is removed and the old file stays.
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Context manager yielding a file object; on success it replaces ``path`` atomically.

    Example:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "out.bin")
        >>> with atomic_write(target) as f:
        ...     _ = f.write(b"data")
        >>> open(target, "rb").read()
        b'data'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise


@contextlib.contextmanager
def atomic_path(path):
    """Like ``atomic_write`` for writers that need a file *name* (h5py, zipfile, torch.save).

    Yields a temporary path in the target's directory; on success it is renamed to ``path``.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield temp_path
        with open(temp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise


def _fsync_directory(directory):
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
