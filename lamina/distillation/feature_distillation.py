"""``FeatureDistillation``: the student's intermediate (or final) features learn the
teacher's."""

import torch

from lamina.distillation import loss_entries
from lamina.distillation.distillation_loss import DistillationLoss, same_structure, sum_of_losses
from lamina.errors import ConfigurationError


class FeatureDistillation(DistillationLoss):
    """Compares the output of the teacher's layer ``teacher_layer_name`` with the output of
    the student's ``student_layer_name`` (each None: the model's final output). The loss
    of each output is averaged; the outputs' losses are summed.

    Args:
        loss: A loss name, object or function, or a structure of them matching the
            features (None skips one). Default ``"mse"`` (its function).
        teacher_layer_name: The teacher's layer whose output is compared (None: final output).
        student_layer_name: The student's layer whose output is compared (None: final output).

    Raises:
        ConfigurationError: no loss; or, when the ``Distiller`` is made, a named layer
            that does not exist, or layer names with a subclassed model.
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = loss_entries.resolve(loss, "FeatureDistillation")

    def validate_model_compatibility(self, teacher, student):
        if self.teacher_layer_name is None and self.student_layer_name is None:
            return
        subclassed = [role for role, model in (("teacher", teacher), ("student", student))
                      if getattr(model, "inputs", None) is None]
        if subclassed:
            raise ConfigurationError(
                f"FeatureDistillation with layer names needs functional or Sequential models; the "
                f"{' and '.join(subclassed)} model(s) have no symbolic inputs (subclassed). Build them "
                "functionally, leave out the layer names (final outputs), or use LogitsDistillation."
            )
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as error:
                    raise ConfigurationError(f"FeatureDistillation: in the {role} model: {error}") from error

    def validate_outputs(self, teacher_outputs, student_outputs):
        super().validate_outputs(teacher_outputs, student_outputs)
        if isinstance(self.loss, (list, tuple, dict)) and not same_structure(self.loss, teacher_outputs):
            raise ConfigurationError(
                "FeatureDistillation: the structure of `loss` must match the features'. Received a loss "
                f"structure {self.loss!r} for features of another structure."
            )

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        def one(loss_fn, teacher_features, student_features):
            return None if loss_fn is None else torch.mean(loss_fn(teacher_features, student_features))

        return sum_of_losses(self.loss, teacher_outputs, student_outputs, one)

    def get_config(self):
        return {
            "loss": loss_entries.serialize(self.loss),
            "teacher_layer_name": self.teacher_layer_name,
            "student_layer_name": self.student_layer_name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": loss_entries.deserialize(config["loss"])})
