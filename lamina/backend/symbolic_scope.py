"""``SymbolicScope``: Keras's marker for code that runs on symbolic tensors only.

Keras enters it while it works out output shapes; programs test it with
``in_symbolic_scope()`` to skip work that needs real values. lamina keeps the same marker.
"""

_active = []


class SymbolicScope:
    """Scope marking the symbolic stage (``in_symbolic_scope()`` is true inside)."""

    def __enter__(self):
        _active.append(self)
        return self

    def __exit__(self, *exc):
        _active.remove(self)


def get_symbolic_scope():
    """The innermost active ``SymbolicScope``, or ``None``."""
    return _active[-1] if _active else None


def in_symbolic_scope():
    """Whether a ``SymbolicScope`` is active."""
    return bool(_active)
