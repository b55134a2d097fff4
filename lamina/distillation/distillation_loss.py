"""``DistillationLoss``: the base class of what a ``Distiller`` minimises between the
teacher's and the student's outputs."""

import torch

from lamina.errors import ConfigurationError
from lamina.tree.nested import flatten


def same_structure(a, b):
    """Whether ``a`` and ``b`` nest the same way (lists, tuples, dicts with the same keys)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) and all(
            same_structure(a[k], b[k]) for k in a
        )
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b) and all(
            same_structure(x, y) for x, y in zip(a, b)
        )
    return True


class DistillationLoss:
    """Base class of distillation losses: subclass it and define ``compute_loss``.

    A ``Distiller`` calls ``validate_model_compatibility(teacher, student)`` once, then,
    at each step, ``validate_outputs`` and ``compute_loss`` (which returns a scalar).
    """

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The scalar loss between the teacher's and the student's outputs."""
        raise NotImplementedError(f"{type(self).__name__} must define compute_loss(teacher_outputs, student_outputs).")

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Raise unless the two outputs have the same structure.

        Raises:
            ConfigurationError: the structures differ.
        """
        if not same_structure(teacher_outputs, student_outputs):
            raise ConfigurationError(
                f"{type(self).__name__}: the teacher's and the student's outputs must have the same "
                f"structure. Received {len(flatten(teacher_outputs))} teacher output(s) and "
                f"{len(flatten(student_outputs))} student output(s) nested differently."
            )

    def validate_model_compatibility(self, teacher, student):
        """Raise if ``teacher`` and ``student`` cannot be compared by this loss (default: any)."""

    def get_config(self):
        """The constructor arguments, for saving (a subclass with arguments defines it)."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A distillation loss made from ``get_config``'s dict."""
        return cls(**config)


def sum_of_losses(loss, teacher, student, one):
    """Sum of ``one(loss_fn, teacher_leaf, student_leaf)`` over the outputs (a single loss
    applies to a single output; a structure of losses pairs with the outputs)."""
    if not isinstance(loss, (list, tuple, dict)):
        pairs = [(loss, teacher, student)]
    else:
        pairs = list(zip(flatten(loss), flatten(teacher), flatten(student)))
    terms = [one(*pair) for pair in pairs]
    found = [term for term in terms if term is not None]
    return torch.stack([term.reshape(()) for term in found]).sum()
