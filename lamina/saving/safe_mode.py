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
