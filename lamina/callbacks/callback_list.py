"""Dispatch hooks to many callbacks; per-batch hooks cost nothing when no callback uses them."""

from lamina.callbacks.callback import Callback
from lamina.errors import ConfigurationError, describe

_HOOKS = [
    f"on_{phase}_{when}"
    for phase in ("train", "test", "predict", "epoch", "train_batch", "test_batch", "predict_batch")
    for when in ("begin", "end")
]


class CallbackList:
    """Calls each hook on every callback that overrides it, in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise ConfigurationError(
                    f"callbacks must be lamina.callbacks.Callback instances. Received: {describe(callback)}."
                )
            callback.set_model(model)
            callback.set_params(params)
        for hook in _HOOKS:
            users = [getattr(cb, hook) for cb in self.callbacks if _overrides(cb, hook)]
            setattr(self, hook, _dispatcher(users) if users else _nothing)

    def __iter__(self):
        return iter(self.callbacks)


def _overrides(callback, hook):
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def _nothing(*args, **kwargs):
    return None


def _dispatcher(methods):
    def dispatch(*args, **kwargs):
        for method in methods:
            method(*args, **kwargs)

    return dispatch
