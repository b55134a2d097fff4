"""``LogitsDistillation``: the student's logits learn the teacher's, both divided by a
temperature."""

import torch

from lamina import losses
from lamina.distillation import loss_entries
from lamina.distillation.distillation_loss import DistillationLoss, sum_of_losses
from lamina.errors import ConfigurationError
from lamina.tree.nested import map_structure


class LogitsDistillation(DistillationLoss):
    """Compares the teacher's and the student's final outputs (logits) divided by
    ``temperature``.

    With a ``lamina.losses.KLDivergence()`` object the scaled logits become softmax
    probabilities and the loss is multiplied by ``temperature**2`` (Hinton's recipe). Any
    other loss, including the default *name* ``"kl_divergence"`` (its function), compares
    the scaled logits directly, as Keras 3.15 does. The loss of each output is averaged;
    the outputs' losses are summed.

    Args:
        temperature: A positive number (default 3.0).
        loss: A loss name, object or function, or a structure of them matching the
            outputs (None skips an output). Default ``"kl_divergence"``.

    Raises:
        ConfigurationError: a temperature that is not a positive number, or no loss.
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ConfigurationError(
                f"LogitsDistillation: temperature must be a number. Received: temperature={temperature!r}."
            )
        if temperature <= 0.0:
            raise ConfigurationError(
                f"LogitsDistillation: temperature must be positive (3 to 5 is usual). Received: temperature={temperature}."
            )
        self.temperature = temperature
        self.loss = loss_entries.resolve(loss, "LogitsDistillation")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        t = self.temperature
        teacher = map_structure(lambda x: x / t, teacher_outputs)
        student = map_structure(lambda x: x / t, student_outputs)

        def one(loss_fn, teacher_logits, student_logits):
            if loss_fn is None:
                return None
            if isinstance(loss_fn, losses.KLDivergence):
                soft = loss_fn(torch.softmax(teacher_logits, dim=-1), torch.softmax(student_logits, dim=-1))
                return torch.mean(soft) * t**2
            return torch.mean(loss_fn(teacher_logits, student_logits))

        return sum_of_losses(self.loss, teacher, student, one)

    def get_config(self):
        return {"temperature": self.temperature, "loss": loss_entries.serialize(self.loss)}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": loss_entries.deserialize(config["loss"])})

