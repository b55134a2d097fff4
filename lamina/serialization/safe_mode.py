"""Safe mode: while loading, refuse configs that would run Python code from the file."""

import contextlib
import threading

_state = threading.local()


def in_safe_mode():
    """True unless a loader was asked for ``safe_mode=False``."""
    return getattr(_state, "safe_mode", True)


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Context manager: inside it, ``in_safe_mode()`` returns ``safe_mode``.

    Safe mode refuses to deserialize arbitrary Python code (lambdas) from saved files.
    """
    previous = in_safe_mode()
    _state.safe_mode = bool(safe_mode)
    try:
        yield
    finally:
        _state.safe_mode = previous


def archive_file(name):
    """The bytes of member ``name`` of the ``.keras`` archive being loaded, or None.

    Lets a config that names a file (a ``StringLookup`` vocabulary path) read it from the
    archive itself, never from the machine, while safe mode is on.
    """
    members = getattr(_state, "archive_members", None)
    if not members or not isinstance(name, str):
        return None
    return members.get(name.replace("\\", "/").lstrip("./"))


@contextlib.contextmanager
def archive_scope(members):
    """Context manager: ``archive_file`` reads from ``members`` (``{name: bytes}``)."""
    previous = getattr(_state, "archive_members", None)
    _state.archive_members = members
    try:
        yield
    finally:
        _state.archive_members = previous
