"""Weight regularizers and constraints declared with ``add_weight``, found and applied.

``add_weight(regularizer=..., constraint=...)`` records them in ``layer._weight_extras``.
The training loop lists them once per ``fit`` (``regularized_weights`` /
``constrained_weights``) and then, every step, adds ``weight_penalties`` to the loss and
runs ``apply_constraints`` after the optimizer. Both work on the weight in Keras's layout
(through ``lamina.layouts``), so a Dense kernel is seen as ``(input_dim, units)``.
"""

import torch

from lamina import layouts


def _entries(layer, slot):
    extras = layer.__dict__.get("_weight_extras")
    if not extras:
        return []
    layout_of = {name: layout for name, layout, _ in layer._own_weights}
    found = []
    for name, pair in extras.items():
        extra = pair[slot]
        weight = getattr(layer, name)
        if extra is not None and isinstance(weight, torch.nn.Parameter) and weight.requires_grad:
            found.append((layer, name, layout_of[name], extra))
    return found


def regularized_weights(module):
    """``(layer, weight name, layout, regularizer)`` of every trainable weight with a regularizer."""
    return [entry for layer in module.modules() for entry in _entries(layer, 0)]


def own_regularized_weights(layer):
    """Like ``regularized_weights`` for ``layer``'s own weights only (not its sublayers')."""
    return _entries(layer, 0)


def constrained_weights(module):
    """``(layer, weight name, layout, constraint)`` of every trainable weight with a constraint."""
    return [entry for layer in module.modules() for entry in _entries(layer, 1)]


def weight_penalties(entries):
    """The penalty tensors of ``regularized_weights``'s entries, on the current weights."""
    return [
        regularizer(layouts.to_keras(layout, getattr(layer, name)))
        for layer, name, layout, regularizer in entries
    ]


@torch.no_grad()
def apply_constraints(entries):
    """Project each constrained weight in place (``w <- constraint(w)``, in Keras's layout)."""
    for layer, name, layout, constraint in entries:
        weight = getattr(layer, name)
        projected = constraint(layouts.to_keras(layout, weight))
        weight.copy_(layouts.from_keras(layout, projected))
