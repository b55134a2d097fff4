"""``get_file``: Keras's downloader, with atomic writes and errors that say what to do."""

import contextlib
import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

from lamina._typing import PathLike
from lamina.datasets.cache import cache_directory
from lamina.datasets.extract import extract_archive
from lamina.datasets.hashing import hash_file, normalize_hash, resolve_hash_algorithm
from lamina.datasets.progress import DownloadProgress
from lamina.errors import ConfigurationError, DownloadError
from lamina.saving.atomic import hold_temporary, remove_stale_temporaries

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock; concurrent calls may both download
    fcntl = None  # type: ignore[assignment]

_CHUNK_BYTES = 1 << 20
_TIMEOUT_S = 60
_SCHEMES = ("http", "https", "ftp", "file")

FETCH_FAILED = """\
Could not download {url}
Reason: {reason}
If this machine is offline or cannot reach that server, fetch the file on another machine \
and copy it to:
    {path}
{hash_note}lamina uses a file found there without downloading it."""

HASH_MISMATCH = """\
The file downloaded from {url} failed its {algorithm} check.
    expected: {expected}
    actual:   {actual}
Nothing was saved to {path}. The transfer may have been corrupted, or the file at that \
address has changed: try again, and if the mismatch persists check file_hash."""


def get_file(
    fname: str | None = None,
    origin: str | None = None,
    file_hash: str | None = None,
    cache_dir: PathLike | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    force_download: bool = False,
    progress: bool = True,
) -> str:
    """Download a file from a URL unless it is already cached, and return its path.

    Same arguments and cache layout as ``keras.utils.get_file``, with lamina's cache
    root: ``~/.lamina`` (or ``$LAMINA_HOME``), so ``origin=".../mnist.npz"`` is stored at
    ``~/.lamina/datasets/mnist.npz``. The download goes to a temporary file in the same
    folder, is checked against ``file_hash``, and only then renamed into place: an
    interrupted or corrupt download never leaves a file behind (the temporary files of
processes killed mid-download are removed by the next download into that folder).
Processes that ask for the same file at once take turns through a lock file next to
it (``.<name>.lock``, removed afterwards): one downloads and extracts, the others wait
and reuse its result.

    Args:
        fname: Local file name; ``None`` takes the last part of ``origin``'s path. With
            ``extract=True``, a name without extension names the extraction folder.
        origin: URL of the file (http, https, ftp or file).
        file_hash: Expected sha256 (or md5) hex digest. A cached file that does not match
            is downloaded again; a download that does not match raises.
        cache_dir: Cache root; ``None`` means ``$LAMINA_HOME`` or ``~/.lamina``.
        cache_subdir: Folder under the root (an absolute path is used as is).
        hash_algorithm: "auto" (by digest length, as Keras), "sha256" or "md5".
        extract: Unpack a .zip/.tar(.gz) archive and return the folder it went to.
            Members with absolute paths, ``..``, or links whose target (followed through
            the links already extracted) leaves the folder are refused; the archive is
            unpacked into a temporary folder and moved into place only when complete.
        force_download: Download even when a valid cached file exists.
        progress: Show progress on stderr (a live bar on a terminal, a start and an end
            line otherwise).

    Returns:
        Path (str) of the file, or of the extraction folder when ``extract=True``.

    Raises:
        DownloadError: the file cannot be fetched (the message names the URL, the reason
            and the path to copy the file to by hand), or fails its hash check.
        ConfigurationError: a missing origin, a path in ``fname``, a malformed hash.
    """
    origin = _check_origin(origin)
    name_given = fname is not None and fname != ""
    fname = _check_fname(fname, origin)
    algorithm = resolve_hash_algorithm(file_hash, hash_algorithm)
    expected = None if file_hash is None else normalize_hash(file_hash)
    directory = cache_directory(cache_dir, cache_subdir)
    target, extraction_dir = _targets(directory, fname, name_given, extract)

    with _cache_entry_lock(target):
        fetched = force_download or not _is_cached(target, expected, algorithm, progress)
        if fetched:
            _download(origin, target, expected, algorithm, progress)
        if not extract:
            return target
        if fetched or not os.path.isdir(extraction_dir):
            extract_archive(target, extraction_dir)
        return extraction_dir


@contextlib.contextmanager
def _cache_entry_lock(target):
    """Hold ``.<name>.lock`` next to ``target`` so that processes fetching or extracting
    the same file take turns: the first does the work, the others wait and find it done.

    The holder removes the lock file before letting go, so none is left behind. A waiter
    that then gets the lock on the removed file sees that the name now leads elsewhere
    (or nowhere) and starts over on the current file.
    """
    if fcntl is None:
        yield
        return
    path = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.lock")
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:  # a read-only cache: whatever is there is used as is
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        held = os.fstat(fd)
        if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _check_origin(origin):
    if origin is None:
        raise ConfigurationError(
            "get_file: `origin` is required: the URL of the file to download. Received: origin=None."
        )
    origin = str(origin)
    scheme = urllib.parse.urlsplit(origin).scheme
    if scheme not in _SCHEMES:
        raise ConfigurationError(
            f"get_file: `origin` must be a URL starting with http://, https://, ftp:// or file://. "
            f"Received: origin={origin!r}."
        )
    return origin


def _name_from_origin(origin):
    return os.path.basename(urllib.parse.urlsplit(origin).path)


def _check_fname(fname, origin):
    if fname is None or fname == "":
        fname = _name_from_origin(origin)
        if not fname:
            raise ConfigurationError(
                f"get_file: cannot take a file name from origin={origin!r}. Pass `fname`."
            )
        return fname
    fname = os.fspath(fname)
    if fname in (".", ".."):
        raise ConfigurationError(
            f"get_file: `fname` must be a file name, and {fname!r} names a folder. Pass a name "
            f"such as 'data.npz', or fname=None to take it from origin. Received: fname={fname!r}."
        )
    if os.sep in fname or "/" in fname:
        raise ConfigurationError(
            "get_file: `fname` must be a bare file name; choose the folder with `cache_dir` "
            f"(and `cache_subdir`). Received: fname={fname!r}."
        )
    return fname


def _targets(directory, fname, name_given, extract):
    """Keras's layout: (archive path, extraction folder or None)."""
    if not extract:
        return os.path.join(directory, fname), None
    if name_given and "." in fname:
        stem = fname[: fname.find(".")]
        return os.path.join(directory, fname), os.path.join(directory, f"{stem}_extracted")
    return os.path.join(directory, f"{fname}_archive"), os.path.join(directory, fname)


def _is_cached(path, expected, algorithm, progress):
    if not os.path.isfile(path):
        return False
    if expected is None or hash_file(path, algorithm) == expected:
        return True
    if progress:
        print(
            f"The cached file {path} does not match its expected {algorithm}; downloading it again.",
            file=sys.stderr,
        )
    return False


def _download(origin, target, expected, algorithm, progress):
    """Fetch ``origin`` into ``target`` atomically, checking ``expected`` first."""
    directory, name = os.path.split(target)
    remove_stale_temporaries(directory)
    partial = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.part")
    # os.open (unlike mkstemp's 0600) lets the umask set the mode the cached file keeps.
    handle = os.open(
        partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
    )
    hold_temporary(handle)
    try:
        with os.fdopen(handle, "wb") as out:
            actual = _fetch(origin, out, algorithm, progress, target, expected)
        if expected is not None and actual != expected:
            raise DownloadError(
                HASH_MISMATCH.format(
                    url=origin, algorithm=algorithm, expected=expected, actual=actual, path=target
                )
            )
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)
        raise


def _fetch(origin, out, algorithm, progress, target, expected):
    """Stream ``origin`` into ``out``; return the hex digest of what was received."""

    def failure(reason):
        hash_note = "" if expected is None else f"It must have {algorithm} {expected}.\n"
        return DownloadError(
            FETCH_FAILED.format(url=origin, reason=reason, path=target, hash_note=hash_note)
        )

    hasher = hashlib.new(algorithm)
    try:
        response = urllib.request.urlopen(origin, timeout=_TIMEOUT_S)
    except urllib.error.HTTPError as error:
        raise failure(f"HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise failure(error.reason) from error
    except (OSError, http.client.HTTPException) as error:
        raise failure(repr(error)) from error
    with response:
        total = _content_length(response)
        bar = DownloadProgress(origin, total, enabled=progress)
        received = 0
        while True:
            try:
                chunk = response.read(_CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as error:
                bar.abort()
                raise failure(f"connection lost after {received} bytes ({error!r})") from error
            if not chunk:
                break
            out.write(chunk)
            hasher.update(chunk)
            received += len(chunk)
            bar.update(received)
        if total is not None and received != total:
            bar.abort()
            raise failure(f"the server announced {total} bytes but sent {received}")
        bar.close(received)
    return hasher.hexdigest()


def _content_length(response):
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
