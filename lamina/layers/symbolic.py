"""Symbolic tensors: the placeholders a functional graph is built from.

Calling a layer on a ``KerasTensor`` builds the layer from the placeholder's shape,
works out the output shape, and records a ``Node`` (layer, input placeholders, output
placeholders). A functional ``Model`` later replays those nodes in order on real data.
"""

import torch

from lamina.utils.tree import flatten, map_structure


class KerasTensor:
    """Shape (``None`` for unknown sizes, batch first), dtype and the node that made it."""

    def __init__(self, shape, dtype=torch.float32, name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self.node = node
        self.index = index

    @property
    def ndim(self):
        """Number of axes, batch axis included."""
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError(
            "A symbolic tensor (from Input or a layer called on one) has no value, so it cannot be "
            "used in an `if` or a Python condition. Put data-dependent logic inside a layer's `call`."
        )


class Node:
    """One call of ``layer`` on symbolic ``inputs`` that produced symbolic ``outputs``."""

    def __init__(self, layer, inputs, outputs, call_kwargs):
        self.layer = layer
        self.inputs = inputs
        self.outputs = outputs
        self.call_kwargs = call_kwargs
        self.input_tensors = [t for t in flatten(inputs) if isinstance(t, KerasTensor)]
        self.output_tensors = flatten(outputs)

    @property
    def parents(self):
        return [t.node for t in self.input_tensors if t.node is not None]


def is_symbolic(structure):
    return any(isinstance(t, KerasTensor) for t in flatten(structure))


def shape_of(structure):
    return map_structure(lambda t: tuple(t.shape), structure)


def placeholder_values(structure, device, batch_size=2):
    """Real zero tensors standing in for placeholders (unknown sizes become ``batch_size``)."""

    def make(t):
        if not isinstance(t, KerasTensor):
            return t
        shape = [batch_size if d is None else d for d in t.shape]
        if t.dtype == torch.bool:  # masks: every position kept
            return torch.ones(shape, dtype=torch.bool, device=device)
        return torch.zeros(shape, dtype=t.dtype, device=device)

    return map_structure(make, structure)
