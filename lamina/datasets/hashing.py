"""File hashes for download checks: sha256, or md5 for old Keras-era hashes."""

import hashlib

from lamina.errors import ConfigurationError

_HEX_LENGTHS = {"sha256": 64, "md5": 32}


def resolve_hash_algorithm(file_hash, hash_algorithm="auto"):
    """Return "sha256" or "md5" for ``file_hash``.

    ``"auto"`` picks by length, as Keras does: 64 hex digits is sha256, 32 is md5.

    Raises:
        ConfigurationError: unknown algorithm, or a hash whose length does not fit it.
    """
    if hash_algorithm not in ("auto", *_HEX_LENGTHS):
        raise ConfigurationError(
            "get_file: unknown hash_algorithm. "
            f"Received: hash_algorithm={hash_algorithm!r}. Expected 'auto', 'sha256' or 'md5'."
        )
    if file_hash is None:
        return "sha256" if hash_algorithm == "auto" else hash_algorithm
    digest = str(file_hash).strip().lower()
    candidates = list(_HEX_LENGTHS) if hash_algorithm == "auto" else [hash_algorithm]
    for algorithm in candidates:
        if len(digest) == _HEX_LENGTHS[algorithm] and all(c in "0123456789abcdef" for c in digest):
            return algorithm
    raise ConfigurationError(
        f"get_file: file_hash is not a hex {' or '.join(candidates)} digest. "
        f"Received: file_hash={file_hash!r} ({len(digest)} characters). "
        "Pass the 64-digit output of `sha256sum FILE` (or a 32-digit md5)."
    )


def normalize_hash(file_hash):
    """The hash as compared: stripped, lower-case hex."""
    return str(file_hash).strip().lower()


def hash_file(path, algorithm="sha256", chunk_size=1 << 20):
    """Hex digest of the file at ``path`` ("sha256" or "md5"), read in chunks."""
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_size):
            hasher.update(chunk)
    return hasher.hexdigest()
