"""Who chose a layer's train/eval mode, and what ``training=None`` means.

Layers start in eval mode and ``training=None`` follows the module's mode, so
``model(x)`` is inference, as in Keras. Random augmentation layers, and models made only
of image preprocessing layers, augment instead when called with no ``training`` and no
mode chosen, as Keras's do (``images = augment(images)`` in a data pipeline). A mode is
chosen by ``train()`` / ``eval()`` (for the module and everything in it); fit, evaluate
and predict switch modes for their own duration without choosing one.
"""

import contextvars
import functools

_LOOP_RUNNING = contextvars.ContextVar("lamina_loop_running", default=False)


def in_loop():
    """Whether fit/evaluate/predict (or a ``*_on_batch`` call) is running."""
    return _LOOP_RUNNING.get()


def loop(method):
    """Mark a Trainer method as a loop: its mode switches choose no lasting mode."""

    @functools.wraps(method)
    def run(*args, **kwargs):
        token = _LOOP_RUNNING.set(True)
        try:
            return method(*args, **kwargs)
        finally:
            _LOOP_RUNNING.reset(token)

    return run


def augmenting_mode(layer):
    """``training`` for an augmentation ``layer`` called with ``training=None``: its mode
    inside a loop or once chosen, else True."""
    return layer.training if (_LOOP_RUNNING.get() or layer._mode_chosen) else True


def set_mode_quietly(module, training):
    """Put ``module`` and its submodules in ``training`` mode without choosing it."""
    for sub in module.modules():
        sub.training = training


def adopt_mode(child, parent):
    """Put ``child`` (joining ``parent``) in ``parent``'s mode, chosen if parent's was."""
    if parent._mode_chosen:
        child.train(parent.training)
    else:
        set_mode_quietly(child, parent.training)
