"""Atomic file writes: a save that fails half way leaves the previous file intact.

Every file lamina writes (models, weights, checkpoints, backups, downloads) goes through
``atomic_write``: the data goes to a temporary file in the same directory, is flushed and
fsync'ed, then renamed over the target in one step (``os.replace``), and the directory
entry is fsync'ed too. On any error the temporary file is removed and the old file stays.

A process killed mid-write (``kill -9``, a power cut) cannot remove its temporary file.
Each write into a folder first removes such leftovers: see ``remove_stale_temporaries``.
"""

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so leftovers are never removed there
    fcntl = None

# lamina's temporary names: atomic writes (mkstemp: 8 random characters), downloads
# (12 hex digits) and archive extraction folders (mkdtemp).
_TEMPORARY_NAME = re.compile(
    r"^\..+\.[a-z0-9_]{8}\.tmp$|^\..+\.[0-9a-f]{12}\.part$|^\.extracting-[a-z0-9_]{8}$"
)
STALE_AFTER_S = 60.0


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
    remove_stale_temporaries(directory)
    fd, temp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    hold_temporary(fd)
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
    remove_stale_temporaries(directory)
    fd, temp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    hold_temporary(fd)  # the lock lives as long as ``fd``, open until the file is in place
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
    finally:
        os.close(fd)


def hold_temporary(fd):
    """Mark the temporary file (or folder) open as ``fd`` as in use, for as long as ``fd``
    stays open: an exclusive ``flock``, which the kernel drops when the process ends, however
    it ends. Call it right after creating the file, before writing to it."""
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_stale_temporaries(directory, stale_after_s=STALE_AFTER_S):
    """Remove temporary files and folders that killed lamina processes left in ``directory``.

    Only names lamina itself gives its temporaries are considered (``.<name>.<8
    characters>.tmp`` from atomic writes, ``.<name>.<12 hex digits>.part`` from downloads,
    ``.extracting-<8 characters>`` from archive extraction). One is removed only when both:

    - no process holds its lock: every writer takes an exclusive ``flock`` on its
      temporary right after creating it and keeps it until the file is renamed into place
      (``hold_temporary``); the kernel releases it when the writer exits or is killed, so a
      live writer's file is always locked, whatever its age, and a dead one's never is;
    - it was last modified more than ``stale_after_s`` seconds ago, which covers the
      moment between a writer creating the file and taking the lock.

    Where ``flock`` does not exist (Windows) nothing is removed. Failures (a read-only
    folder, a file removed by someone else meanwhile) are ignored: cleaning is best effort
    and never stops the write that triggered it.

    Returns:
        The names removed.
    """
    if fcntl is None:
        return []
    try:
        names = [name for name in os.listdir(directory) if _TEMPORARY_NAME.match(name)]
    except OSError:
        return []
    removed = []
    now = time.time()
    for name in names:
        path = os.path.join(directory, name)
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            if now - info.st_mtime < stale_after_s:
                continue
            if remove_if_unlocked(path, stat.S_ISDIR(info.st_mode)):
                removed.append(name)
    return removed


def remove_if_unlocked(path, is_directory=False):
    """Remove the temporary ``path`` unless a live writer holds its lock (see
    ``hold_temporary``); returns whether it was removed. Without ``flock`` (Windows) it
    removes nothing."""
    if fcntl is None:
        return False
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer holds it
        # Still ours while locked; remove it before the lock goes with the descriptor.
        if is_directory:
            shutil.rmtree(path)
        else:
            os.unlink(path)
        return True
    finally:
        os.close(fd)


def _fsync_directory(directory):
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
