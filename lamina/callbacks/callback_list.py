"""Dispatch hooks to many callbacks; per-batch hooks cost nothing when no callback uses them."""

from lamina.callbacks.callback import Callback
from lamina.distribute.process_group import is_chief
from lamina.errors import ConfigurationError, describe

HOOKS = [
    f"on_{phase}_{when}"
    for phase in ("train", "test", "predict", "epoch", "train_batch", "test_batch", "predict_batch")
    for when in ("begin", "end")
]


ORDERS = ("normal", "last")


class CallbackList:
    """Calls each hook on every callback that overrides it, in order: the callbacks as
    listed, those whose ``callback_order`` is ``"last"`` moved after the others."""

    def __init__(self, callbacks, model, params, fit_run=None):
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise ConfigurationError(
                    f"callbacks must be lamina.callbacks.Callback instances. Received: {describe(callback)}."
                )
            if callback.callback_order not in ORDERS:
                raise ConfigurationError(
                    f"{type(callback).__name__}.callback_order must be one of {ORDERS}. "
                    f"Received: {callback.callback_order!r}."
                )
        self.callbacks = sorted(callbacks, key=lambda cb: ORDERS.index(cb.callback_order))  # stable
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
            callback.set_fit_run(fit_run)
        if fit_run is not None:
            fit_run.callbacks = list(self.callbacks)
        here = [cb for cb in self.callbacks if not cb.chief_only] if not is_chief() else self.callbacks
        for hook in HOOKS:
            users = [cb for cb in here if _overrides(cb, hook)]
            indexed = hook.startswith("on_epoch") or "_batch_" in hook
            setattr(self, hook, _dispatcher(users, hook, indexed) if users else _nothing)

    def __iter__(self):
        return iter(self.callbacks)


def _overrides(callback, hook):
    """Whether the callback's class overrides ``hook``, or the instance sets it
    (``LambdaCallback``, or a callback that needs a batch hook only in some settings)."""
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


def _nothing(*args, **kwargs):
    return None


def _dispatcher(callbacks, hook, indexed):
    """Call each callback's ``hook`` as Keras does: ``(index, logs)`` or ``(logs)``, logs
    never None. A batch's logs are read from the metrics on demand (no host sync per
    step); callbacks that keep or copy them get a plain dict of that batch's values, as
    Keras gives, unless they read them in place (``reads_logs_in_place``)."""
    methods = [(getattr(cb, hook), "_batch_" in hook and not cb.reads_logs_in_place) for cb in callbacks]
    if indexed:

        def dispatch(index, logs=None):
            logs = {} if logs is None else logs
            snapshot = None
            for method, wants_a_dict in methods:
                if wants_a_dict and snapshot is None:
                    snapshot = dict(logs)
                method(index, snapshot if wants_a_dict else logs)

    else:

        def dispatch(logs=None):
            logs = {} if logs is None else logs
            for method, _ in methods:
                method(logs)

    return dispatch
