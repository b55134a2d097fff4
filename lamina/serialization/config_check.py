"""Before saving: would ``type(layer).from_config(layer.get_config())`` rebuild the layer?

The default ``from_config`` calls ``cls(**config)``. A custom layer whose ``get_config``
leaves out a required constructor argument (or returns keys its ``__init__`` does not
take) would save without complaint and fail only when loaded; this check makes saving
fail instead, naming the arguments and showing the fix.
"""

import inspect

from lamina.errors import SavingError

# from_config methods that simply call cls(**config).
_PLAIN_FROM_CONFIG = ("Layer.from_config", "Model.from_config")

MISSING_ARGUMENTS = (
    "{cls} '{name}' cannot be saved: its get_config() does not return the constructor "
    "argument(s) {missing}, so loading could not rebuild it ({cls}.from_config(config) calls "
    "{cls}(**config)). Add them to get_config:\n\n"
    "    def get_config(self):\n"
    "        config = super().get_config()\n"
    "        config.update({{{example}}})\n"
    "        return config\n\n"
    "(or override from_config to rebuild them yourself)."
)

UNEXPECTED_KEYS = (
    "{cls} '{name}' cannot be saved: get_config() returns {unexpected}, which {cls}.__init__ "
    "does not accept, so {cls}(**config) would fail when loading. Let __init__ take **kwargs "
    "and pass them on: `def __init__(self, ..., **kwargs): super().__init__(**kwargs)`."
)


def check_config_rebuilds(layer, config):
    """Raise SavingError if ``config`` cannot rebuild ``layer`` through ``cls(**config)``."""
    cls = type(layer)
    if getattr(cls.from_config, "__qualname__", None) not in _PLAIN_FROM_CONFIG:
        return
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    required = [p.name for p in parameters if p.kind in named and p.default is inspect.Parameter.empty]
    missing = [name for name in required if name not in config]
    if missing:
        example = ", ".join(f"{name!r}: self.{name}" for name in missing)
        raise SavingError(
            MISSING_ARGUMENTS.format(cls=cls.__name__, name=layer.name, missing=missing, example=example)
        )
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    accepted = {p.name for p in parameters if p.kind in named}
    unexpected = sorted(set(config) - accepted)
    if unexpected:
        raise SavingError(UNEXPECTED_KEYS.format(cls=cls.__name__, name=layer.name, unexpected=unexpected))
