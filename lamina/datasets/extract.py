"""Safe, all-or-nothing extraction of downloaded .zip and .tar(.gz/.bz2/.xz) archives."""

import os
import posixpath
import shutil
import tarfile
import tempfile
import zipfile

from lamina.errors import ConfigurationError, DownloadError

_UNSAFE_MEMBER = (
    "Refusing to extract {archive}: member {member!r} {why}. "
    "An archive may only create files inside its extraction folder; "
    "check where the archive came from."
)


def extract_archive(archive_path, target_dir):
    """Extract a zip or tar archive into ``target_dir``.

    The archive is unpacked into a temporary folder next to ``target_dir`` that is
    renamed into place only once every member is out, so a failure leaves nothing
    behind; an existing ``target_dir`` is replaced.

    Raises:
        DownloadError: a member has an absolute path, a ``..`` component, a link that
            points outside the folder, or is a device/FIFO; or the archive is corrupt.
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
    staging = tempfile.mkdtemp(dir=parent, prefix=".extracting-")
    try:
        extract_into(archive_path, staging)
        if os.path.isdir(target_dir):
            shutil.rmtree(target_dir)
        os.replace(staging, target_dir)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise DownloadError(f"Could not extract {archive_path}: {error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _check_name(name, archive_path):
    """Reject names that would land outside the extraction folder."""
    path = name.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise DownloadError(
            _UNSAFE_MEMBER.format(archive=archive_path, member=name, why="is absolute")
        )
    if ".." in path.split("/"):
        raise DownloadError(
            _UNSAFE_MEMBER.format(archive=archive_path, member=name, why="contains '..'")
        )


def _extract_zip(archive_path, destination):
    with zipfile.ZipFile(archive_path) as archive:
        for name in archive.namelist():
            _check_name(name, archive_path)
        archive.extractall(destination)


def _extract_tar(archive_path, destination):
    with tarfile.open(archive_path) as archive:
        members = archive.getmembers()
        for member in members:
            _check_tar_member(member, archive_path)
        # Python's own "data" filter (3.12, backported to 3.10.12/3.11.4) double-checks ours.
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(destination, members=members, **extra)


def _check_tar_member(member, archive_path):
    _check_name(member.name, archive_path)
    if member.issym() or member.islnk():
        # A symlink resolves from its own folder, a hard link from the archive root.
        start = posixpath.dirname(member.name) if member.issym() else ""
        target = posixpath.normpath(posixpath.join(start, member.linkname.replace("\\", "/")))
        if member.linkname.startswith("/") or target == ".." or target.startswith("../"):
            raise DownloadError(
                _UNSAFE_MEMBER.format(
                    archive=archive_path,
                    member=member.name,
                    why=f"links to {member.linkname!r}, outside the folder",
                )
            )
    elif not (member.isfile() or member.isdir()):
        raise DownloadError(
            _UNSAFE_MEMBER.format(
                archive=archive_path,
                member=member.name,
                why="is a device, FIFO or other special file",
            )
        )
