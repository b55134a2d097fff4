"""Safe, all-or-nothing extraction of downloaded .zip and .tar(.gz/.bz2/.xz) archives.

lamina writes every member itself instead of calling ``extractall``, so its safety does not
depend on the interpreter's tar filter (absent on Python 3.10.0-3.10.11 and 3.11.0-3.11.3,
and bypassed by CVE-2025-4517 on some later releases). Links are resolved one component at
a time against what is already on disk, as the kernel would follow them: a link whose
target leaves the folder is refused when it is created, each member's parent folder is
resolved before anything is written there, files are created with ``O_EXCL | O_NOFOLLOW``
(never through a link), and once every member is out all links are resolved again, so a
link that later members turned into an escape is caught too.
"""

import contextlib
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile

from lamina.errors import ConfigurationError, DownloadError
from lamina.saving.atomic import hold_temporary, remove_stale_temporaries

STAGING_PREFIX = ".extracting-"
_MAX_LINK_HOPS = 40  # Linux's own limit on links followed while resolving one path
_COPY_BYTES = 1 << 20

_UNSAFE_MEMBER = (
    "Refusing to extract {archive}: member {member!r} {why}. "
    "An archive may only create files inside its extraction folder; "
    "check where the archive came from."
)


class _Unsafe(Exception):
    """A member would reach outside the folder (``why`` completes the sentence)."""

    def __init__(self, why):
        super().__init__(why)
        self.why = why


def extract_archive(archive_path, target_dir):
    """Extract a zip or tar archive into ``target_dir``.

    The archive is unpacked into a fresh temporary folder next to ``target_dir`` that is
    renamed into place only once every member is out and checked, so a failure leaves
    nothing behind; an existing ``target_dir`` is replaced. Callers that may run at the
    same time as another process extracting to the same place hold a lock around this
    (``get_file`` does).

    Raises:
        DownloadError: a member has an absolute path or a ``..`` component, goes through
            or is a link that leads outside the folder, is a device/FIFO, or the archive
            is corrupt.
        ConfigurationError: the file is neither a zip nor a tar archive.
    """
    archive_path = os.fspath(archive_path)
    if zipfile.is_zipfile(archive_path):
        extract_into = _extract_zip
    elif tarfile.is_tarfile(archive_path):
        extract_into = _extract_tar
    else:
        raise ConfigurationError(
            f"get_file: extract=True, but {archive_path} is neither a zip nor a tar archive. "
            "Pass extract=False to keep the downloaded file as it is."
        )
    parent = os.path.dirname(os.path.abspath(target_dir))
    os.makedirs(parent, exist_ok=True)
    remove_stale_temporaries(parent)
    staging = tempfile.mkdtemp(dir=parent, prefix=STAGING_PREFIX)
    try:
        with _held_directory(staging):
            writer = _Writer(staging, archive_path)
            extract_into(archive_path, writer)
            writer.check_links()
            os.chmod(staging, _new_folder_mode(staging))  # mkdtemp's 0700, until complete
            if os.path.lexists(target_dir):
                _remove(target_dir)
            os.replace(staging, target_dir)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise DownloadError(f"Could not extract {archive_path}: {error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


class _Writer:
    """Creates members under ``root`` (a fresh private folder), refusing any escape."""

    def __init__(self, root, archive_path):
        self.root = root
        self.archive_path = archive_path
        self.links = []

    def refuse(self, member, why):
        return DownloadError(_UNSAFE_MEMBER.format(archive=self.archive_path, member=member, why=why))

    def directory(self, name):
        self._make_folder(name, self.parts_of(name))

    def file(self, name, source, executable=False):
        parts = self.parts_of(name)
        if not parts:
            raise self.refuse(name, "names the extraction folder itself")
        path = self._free_entry(name, parts)
        mode = 0o777 if executable else 0o666
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        with os.fdopen(os.open(path, flags, mode), "wb") as out:
            shutil.copyfileobj(source, out, _COPY_BYTES)

    def symlink(self, name, target):
        parts = self.parts_of(name)
        target = target.replace("\\", "/")
        if not parts:
            raise self.refuse(name, "names the extraction folder itself")
        if target.startswith("/") or (len(target) > 1 and target[1] == ":"):
            raise self.refuse(name, f"links to {target!r}, an absolute path")
        path = self._free_entry(name, parts)
        try:
            self._resolve(parts[:-1] + _split(target))
        except _Unsafe as unsafe:
            raise self.refuse(name, f"links to {target!r}, which {unsafe.why}") from None
        os.symlink(target, path)
        self.links.append((name, parts))

    def hardlink(self, name, target):
        """A copy of an earlier regular-file member (no hard link, so nothing is shared)."""
        try:
            resolved = self._resolve(_split(target.replace("\\", "/")))
        except _Unsafe as unsafe:
            raise self.refuse(name, f"is a hard link to {target!r}, which {unsafe.why}") from None
        source = os.path.join(self.root, *resolved)
        if not resolved or not os.path.isfile(source):
            raise self.refuse(name, f"is a hard link to {target!r}, which is not a file extracted before it")
        with open(source, "rb") as data:
            self.file(name, data, executable=bool(os.stat(source).st_mode & 0o111))

    def check_links(self):
        """Every link, resolved once all members exist, must still stay inside."""
        for name, parts in self.links:
            try:
                self._resolve(parts)
            except _Unsafe as unsafe:
                raise self.refuse(name, f"is a link that, with the members after it, {unsafe.why}") from None

    # ----------------------------------------------------------------- helpers
    def parts_of(self, name):
        """The name's components, refused when absolute or with a '..'."""
        path = name.replace("\\", "/")
        if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
            raise self.refuse(name, "is absolute")
        parts = _split(path)
        if ".." in parts:
            raise self.refuse(name, "contains '..'")
        return parts

    def _free_entry(self, name, parts):
        """The path a new entry ``parts`` is created at: its parent resolved and made,
        whatever stood at that name before (a file or link; not a folder) removed."""
        path = os.path.join(self._make_folder(name, parts[:-1]), parts[-1])
        if os.path.lexists(path):
            if stat.S_ISDIR(os.lstat(path).st_mode):
                raise self.refuse(name, "replaces a folder of the archive with a file or link")
            os.unlink(path)
        return path

    def _make_folder(self, name, parts):
        """Resolve the folder ``parts`` leads to (it must stay inside), creating the
        folders that do not exist yet; return its path."""
        try:
            resolved = self._resolve(parts)
        except _Unsafe as unsafe:
            raise self.refuse(name, f"would be written to a folder that {unsafe.why}") from None
        path = self.root
        for part in resolved:
            path = os.path.join(path, part)
            if not os.path.lexists(path):
                os.mkdir(path)
            elif not stat.S_ISDIR(os.lstat(path).st_mode):
                raise self.refuse(name, f"would be written under {part!r}, which is a file")
        return path

    def _resolve(self, parts):
        """Components (under ``root``, no links left) of where ``parts`` leads when links
        on disk are followed as the kernel follows them. Components that do not exist yet
        are taken as they are. Raises ``_Unsafe`` when the path leaves ``root``."""
        pending = list(reversed(parts))
        done = []
        hops = 0
        while pending:
            part = pending.pop()
            if part == "..":
                if not done:
                    raise _Unsafe("leads outside the extraction folder")
                done.pop()
                continue
            path = os.path.join(self.root, *done, part)
            try:
                info = os.lstat(path)
            except (FileNotFoundError, NotADirectoryError):
                done.append(part)
                continue
            except OSError as error:
                raise _Unsafe(f"cannot be resolved ({error.strerror})") from None
            if not stat.S_ISLNK(info.st_mode):
                done.append(part)
                continue
            hops += 1
            if hops > _MAX_LINK_HOPS:
                raise _Unsafe(f"goes through more than {_MAX_LINK_HOPS} links (a loop?)")
            target = os.readlink(path).replace("\\", "/")
            if target.startswith("/"):
                raise _Unsafe(f"goes through a link to the absolute path {target!r}")
            pending.extend(reversed(_split(target)))
        return done


def _split(path):
    return [part for part in path.split("/") if part not in ("", ".")]


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _new_folder_mode(parent):
    """The mode the umask gives a new folder (read from one, as os.umask cannot be read
    without changing it for every thread)."""
    probe = tempfile.mkdtemp(dir=parent)
    os.rmdir(probe)
    os.mkdir(probe)
    try:
        return stat.S_IMODE(os.stat(probe).st_mode)
    finally:
        os.rmdir(probe)


@contextlib.contextmanager
def _held_directory(path):
    """Keep ``path`` locked while extracting, so a cleaner never takes it for a leftover."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a folder: no lock, and no cleaning either
        yield
        return
    try:
        hold_temporary(fd)
        yield
    finally:
        os.close(fd)


def _extract_zip(archive_path, writer):
    with zipfile.ZipFile(archive_path) as archive:
        infos = archive.infolist()
        for info in infos:
            writer.parts_of(info.filename)
        for info in infos:
            mode = info.external_attr >> 16
            if info.is_dir():
                writer.directory(info.filename)
            elif stat.S_ISLNK(mode):
                target = archive.read(info).decode("utf-8", "replace")
                writer.symlink(info.filename, target)
            else:
                with archive.open(info) as source:
                    writer.file(info.filename, source, executable=bool(mode & 0o111))


def _extract_tar(archive_path, writer):
    with tarfile.open(archive_path) as archive:
        members = archive.getmembers()
        for member in members:
            writer.parts_of(member.name)
            if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
                raise writer.refuse(member.name, "is a device, FIFO or other special file")
        for member in members:
            if member.isdir():
                writer.directory(member.name)
            elif member.issym():
                writer.symlink(member.name, member.linkname)
            elif member.islnk():
                writer.hardlink(member.name, member.linkname)
            else:
                with archive.extractfile(member) as source:
                    writer.file(member.name, source, executable=bool(member.mode & 0o111))
