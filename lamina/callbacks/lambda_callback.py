"""``LambdaCallback``: a callback made of plain functions."""

from lamina.callbacks.callback import Callback
from lamina.callbacks.callback_list import HOOKS
from lamina.errors import ConfigurationError

# Keras 2 names of the training batch hooks.
_ALIASES = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class LambdaCallback(Callback):
    """Build a callback from functions, e.g. ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``.

    Args:
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``.
        on_train_begin, on_train_end: ``f(logs)``.
        on_train_batch_begin, on_train_batch_end: ``f(batch, logs)``.
        **kwargs: Any other hook by name (``on_test_end=...``, ``on_predict_batch_end=...``).

    Only the hooks given are called, so an epoch-level LambdaCallback adds nothing per batch.
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name, function in hooks.items():
            name = _ALIASES.get(name, name)
            if function is None:
                continue
            if name not in HOOKS:
                raise ConfigurationError(
                    f"LambdaCallback: unknown hook {name!r}. Hooks: {', '.join(sorted(HOOKS))}."
                )
            if not callable(function):
                raise ConfigurationError(
                    f"LambdaCallback: {name} must be a function. Received: {function!r}."
                )
            setattr(self, name, function)
