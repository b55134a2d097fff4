"""``name_scope``: Keras's naming context for variable paths.

Variables and layer weights created inside ``with lamina.name_scope("block"):`` get
``"block/"`` in front of their ``path`` (``"block/dense/kernel"``), as Keras gives them;
layer names themselves are unchanged (Keras on torch leaves them too).
"""

from lamina.errors import ConfigurationError

_stack = []


class name_scope:  # noqa: N801 - Keras's name
    """Open a sub-namespace for the paths of variables created inside.

    Args:
        name: The scope's name (a string without ``/``).
        caller: Optional object opening the scope (a layer); with ``deduplicate``, the same
            caller re-entering the same name adds no second level.
        deduplicate: Skip a repeated ``(caller, name)`` level. Defaults to True.
        override_parent: Optional absolute path replacing the enclosing scopes.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ConfigurationError(
                f"name_scope: `name` must be a string without '/'. Received: name={name!r}. "
                "Nest scopes instead of writing paths."
            )
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        if self.deduplicate and _stack and self.caller is not None:
            top = _stack[-1]
            if top.caller is self.caller and top.name == self.name:
                return self
        _stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            _stack.remove(self)
            self._pushed = False


def current_path():
    """The path the active name scopes spell (``"outer/inner"``), ``""`` outside any."""
    parts = []
    for entry in _stack:
        if entry.override_parent is not None:
            parts = [p for p in entry.override_parent.split("/") if p]
        parts.append(entry.name)
    return "/".join(parts)


def scoped(path):
    """``path`` under the current name scope (unchanged outside any)."""
    prefix = current_path()
    return f"{prefix}/{path}" if prefix else path
