"""Write HDF5 files atomically, and survive a disk that fills up while writing.

HDF5 writing straight to disk can crash the process (a segmentation fault) when a write
fails and the file is then closed: the library keeps an object it can neither flush nor
release (h5py issues #914 and #2160). lamina therefore builds each HDF5 file in memory
and writes the finished bytes with ``atomic_write``: a full disk is then a plain
``OSError``, the temporary file is removed and the previous file stays intact.
"""

import io

from lamina.saving.atomic import atomic_write


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
    with h5py.File(buffer, "w") as handle:
        fill(handle)
    with atomic_write(path) as stream:
        stream.write(buffer.getbuffer())
        if before_rename is not None:
            stream.flush()
            before_rename()
