"""A strict reader for IDX files, the format of (Fashion-)MNIST, plain or gzip-compressed."""

import gzip
import math
import os
import struct
import zlib

import numpy as np

from lamina.errors import InputError

# Type byte of the magic number -> big-endian element type.
_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK_BYTES = 1 << 22


def read_idx(path):
    """Read an IDX file into a NumPy array in native byte order.

    The layout is a 4-byte magic number (two zero bytes, a type code, the number of
    dimensions), one big-endian uint32 per dimension, then the elements. A file that
    starts with gzip's magic bytes is decompressed on the fly. The payload is read in
    chunks, so a corrupt header promising more data than the file holds fails before
    anything of that size is allocated.

    Args:
        path: Path of a ``.idx*-ubyte`` file, optionally gzipped.

    Returns:
        A writable ``np.ndarray`` of the shape and type the header declares.

    Raises:
        InputError: naming the file, when the magic number, type code or dimensions are
            invalid, the payload is shorter or longer than the header says, or the gzip
            stream is corrupt.
        FileNotFoundError: the file does not exist.
    """
    path = os.fspath(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            return _read(stream, path)
        except (OSError, EOFError, zlib.error) as error:
            raise InputError(
                f"Cannot read IDX file {path}: corrupt gzip data ({error})."
            ) from error


def _read(stream, path):
    magic = _read_exact(stream, 4, path, "the magic number")
    if magic[:2] != b"\x00\x00":
        raise InputError(
            f"{path} is not an IDX file: it starts with bytes {magic[:4].hex()} "
            "where an IDX file starts with 0000 followed by a type code and a rank."
        )
    type_code, ndim = magic[2], magic[3]
    if type_code not in _DTYPES:
        raise InputError(
            f"{path} has an unknown IDX type code 0x{type_code:02x}. "
            f"Known codes: {', '.join(f'0x{code:02x}' for code in _DTYPES)}."
        )
    if ndim == 0:
        raise InputError(f"{path} is an IDX file with 0 dimensions; expected at least 1.")
    shape = struct.unpack(f">{ndim}I", _read_exact(stream, 4 * ndim, path, "the dimension sizes"))
    dtype = np.dtype(_DTYPES[type_code])
    payload = _read_payload(stream, math.prod(shape) * dtype.itemsize, shape, path)
    if math.prod(max(size, 1) for size in shape) * dtype.itemsize > np.iinfo(np.intp).max:
        # An empty array (one size is 0) whose other sizes no array can have.
        raise InputError(f"{path} is corrupt: its IDX header declares shape {shape}, too large for any array.")
    array = np.frombuffer(payload, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _read_exact(stream, nbytes, path, what):
    data = stream.read(nbytes)
    if len(data) != nbytes:
        raise InputError(f"{path} is truncated: it ends inside {what} of its IDX header.")
    return data


def _read_payload(stream, nbytes, shape, path):
    """Read exactly ``nbytes``, growing the buffer only as data actually arrives."""
    payload = bytearray()
    while len(payload) < nbytes:
        chunk = stream.read(min(_CHUNK_BYTES, nbytes - len(payload)))
        if not chunk:
            raise InputError(
                f"{path} is truncated: its IDX header declares shape {shape} ({nbytes} bytes "
                f"of data) but the file holds only {len(payload)} bytes of data. "
                "Delete it and download it again."
            )
        payload += chunk
    if stream.read(1):
        raise InputError(
            f"{path} is corrupt: it holds more data than its IDX header's shape {shape} "
            f"({nbytes} bytes) declares."
        )
    return payload
