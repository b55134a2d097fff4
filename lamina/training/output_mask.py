"""Keras masks on model outputs (``y_pred._keras_mask``), kept on the tensors metrics read
(the losses apply them: ``lamina.losses.Loss``)."""

import torch


def keep_mask(new, old):
    """``new`` (a tensor made from the output ``old``: detached, cast) with ``old``'s mask.

    Metrics read the mask from the prediction they are given, so a step that replaces
    its output tensor hands the mask on. Without a mask, ``new`` is returned untouched.
    """
    mask = getattr(old, "_keras_mask", None)
    if mask is not None:
        new._keras_mask = mask
    return new


def detach_output(y_pred):
    """A single-tensor output detached from the graph, its mask kept; structures unchanged."""
    if isinstance(y_pred, torch.Tensor):
        return keep_mask(y_pred.detach(), y_pred)
    return y_pred
