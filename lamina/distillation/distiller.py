"""``Distiller``: a model whose ``fit`` trains a student to match a frozen teacher."""

import torch

from lamina.distillation import loss_entries
from lamina.distillation.distillation_loss import DistillationLoss
from lamina.distillation.feature_distillation import FeatureDistillation
from lamina.distillation.logits_distillation import LogitsDistillation
from lamina.errors import ConfigurationError, describe
from lamina.metrics import Mean
from lamina.models import Model, Sequential
from lamina.serialization import deserialize_layer, serialize_layer
from lamina.serialization.object_family import ObjectFamily
from lamina.tree.nested import flatten, map_structure

_LOSSES = ObjectFamily(
    "distillation loss", "keras.distillation", DistillationLoss, [DistillationLoss, LogitsDistillation, FeatureDistillation]
)


class Distiller(Model):
    """Knowledge distillation: ``fit`` trains ``student`` on the labels and on ``teacher``'s
    outputs; ``teacher`` is frozen. Calling the distiller calls the student.

    The loss is ``student_loss_weight * student_loss + (1 - student_loss_weight) *
    sum(weight_i * distillation_loss_i)``, where ``student_loss`` is the mean of the
    compiled loss (``compile(loss=...)``; ``sample_weight`` is not used, as in Keras).
    ``fit`` and ``evaluate`` log ``loss`` with ``student_loss``, ``distillation_loss`` and
    ``total_loss``.

    Args:
        teacher: A trained ``lamina.Model``.
        student: The ``lamina.Model`` to train (``distiller.student`` after ``fit``).
        distillation_losses: A ``DistillationLoss`` (``LogitsDistillation``,
            ``FeatureDistillation``...) or a list of them.
        distillation_loss_weights: One weight per distillation loss (default: all 1.0).
        student_loss_weight: The weight of the labels' loss, in [0, 1] (default 0.5).
        name: The model's name (default ``"distiller"``).

    Raises:
        ConfigurationError: models that are not ``lamina.Model``s or whose input/output
            shapes or dtypes differ, no distillation loss, weights of another length, or a
            ``student_loss_weight`` outside [0, 1].
    """

    _keras_module = "keras.distillation"
    _keras_registered_name = None

    def __init__(
        self,
        teacher,
        student,
        distillation_losses,
        distillation_loss_weights=None,
        student_loss_weight=0.5,
        name="distiller",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        _check_models(teacher, student)
        self.teacher, self.student = teacher, student
        if isinstance(student_loss_weight, bool) or not isinstance(student_loss_weight, (int, float)):
            raise ConfigurationError(
                f"Distiller: student_loss_weight must be a number. Received: student_loss_weight={student_loss_weight!r}."
            )
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ConfigurationError(
                f"Distiller: student_loss_weight must be in [0, 1]. Received: student_loss_weight={student_loss_weight}."
            )
        self.student_loss_weight = student_loss_weight
        self.distillation_losses, self.distillation_loss_weights = _losses_and_weights(
            distillation_losses, distillation_loss_weights
        )
        for distillation_loss in self.distillation_losses:
            distillation_loss.validate_model_compatibility(teacher, student)
        # A plain dict: the extractors' layers are the teacher's and the student's, not new sublayers.
        self._feature_extractors = {
            "teacher": _feature_extractor(teacher, "teacher_layer_name", self.distillation_losses),
            "student": _feature_extractor(student, "student_layer_name", self.distillation_losses),
        }
        self.teacher.trainable = False
        self.student_loss_tracker = Mean(name="student_loss")
        self.distillation_loss_tracker = Mean(name="distillation_loss")
        self.total_loss_tracker = Mean(name="total_loss")

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configure training of the student: ``loss`` is the student's loss on the labels.

        Raises:
            ConfigurationError: no ``loss``, or ``metrics`` that is not a list or tuple.
        """
        if loss is None:
            raise ConfigurationError(
                "Distiller.compile: `loss` (the student's loss on the labels) cannot be None. "
                "Pass e.g. loss='sparse_categorical_crossentropy'."
            )
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ConfigurationError(f"Distiller.compile: metrics must be a list or tuple. Received: metrics={describe(metrics)}.")
        self._student_loss = map_structure(lambda item: loss_entries.resolve(item, "Distiller.compile") if item is not None else None, loss)
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def call(self, inputs, training=None, **kwargs):
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The weighted sum of the student's loss and the distillation losses (see the class)."""
        if y_pred is None:
            y_pred = self(x, training=training)
        student_loss = torch.zeros(())
        if self.student_loss_weight > 0.0 and y is not None:
            student_loss = self._student_loss_value(y, y_pred)
        distillation_loss = torch.zeros(())
        if self.student_loss_weight < 1.0:
            distillation_loss = self._distillation_loss_value(x, y_pred)
        weight = self.student_loss_weight
        total = weight * student_loss + (1.0 - weight) * distillation_loss
        self.student_loss_tracker.update_state(student_loss.detach())
        self.distillation_loss_tracker.update_state(distillation_loss.detach())
        self.total_loss_tracker.update_state(total.detach())
        return total

    def _student_loss_value(self, y, y_pred):
        if isinstance(self._student_loss, (list, tuple, dict)):
            terms = [fn(true, pred) for fn, true, pred in zip(flatten(self._student_loss), flatten(y), flatten(y_pred))]
        else:
            terms = [self._student_loss(y, y_pred)]
        value = torch.stack(terms).sum(dim=0) if len(terms) > 1 else terms[0]
        return value.mean() if value.ndim > 0 else value

    def _distillation_loss_value(self, x, y_pred):
        teacher_extractor, student_extractor = self._feature_extractors["teacher"], self._feature_extractors["student"]
        with torch.no_grad():
            if teacher_extractor is not None:
                teacher_features = teacher_extractor(x, training=False)
            else:
                teacher_features = {"final_output": self.teacher(x, training=False)}
        student_features = student_extractor(x, training=True) if student_extractor is not None else {"final_output": y_pred}
        total = torch.zeros(())
        for distillation_loss, weight in zip(self.distillation_losses, self.distillation_loss_weights):
            teacher_name = getattr(distillation_loss, "teacher_layer_name", None)
            if teacher_name is not None:
                student_name = getattr(distillation_loss, "student_layer_name", None) or "final_output"
                teacher_out, student_out = teacher_features[teacher_name], student_features[student_name]
            else:
                teacher_out, student_out = teacher_features["final_output"], y_pred
            distillation_loss.validate_outputs(teacher_out, student_out)
            value = distillation_loss.compute_loss(teacher_out, student_out)
            if getattr(value, "ndim", 0) > 0:
                raise ConfigurationError(
                    f"{type(distillation_loss).__name__}.compute_loss must return a scalar. Received a "
                    f"tensor of shape {tuple(value.shape)}."
                )
            total = total + weight * value
        return total

    def get_config(self):
        return {
            **super().get_config(),
            "teacher": serialize_layer(self.teacher),
            "student": serialize_layer(self.student),
            "distillation_losses": [_LOSSES.serialize(loss) for loss in self.distillation_losses],
            "distillation_loss_weights": self.distillation_loss_weights,
            "student_loss_weight": self.student_loss_weight,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["teacher"] = deserialize_layer(config["teacher"], custom_objects)
        config["student"] = deserialize_layer(config["student"], custom_objects)
        config["distillation_losses"] = [_LOSSES.deserialize(entry, custom_objects) for entry in config["distillation_losses"]]
        return cls(**config)


def _losses_and_weights(distillation_losses, weights):
    if distillation_losses is None:
        raise ConfigurationError(
            "Distiller: distillation_losses cannot be None. Pass a DistillationLoss (e.g. "
            "LogitsDistillation(temperature=3.0)) or a list of them."
        )
    if not isinstance(distillation_losses, (list, tuple)):
        return [distillation_losses], [1.0]
    if weights is None:
        return list(distillation_losses), [1.0] * len(distillation_losses)
    if len(weights) != len(distillation_losses):
        raise ConfigurationError(
            f"Distiller: one weight per distillation loss. Received {len(weights)} "
            f"distillation_loss_weights for {len(distillation_losses)} distillation_losses."
        )
    return list(distillation_losses), list(weights)


def _check_models(teacher, student):
    for role, model in (("teacher", teacher), ("student", student)):
        if not isinstance(model, Model):
            raise ConfigurationError(f"Distiller: the {role} must be a lamina.Model. Received: {role}={describe(model)}.")
    for kind in ("inputs", "outputs"):
        ours, theirs = getattr(teacher, kind, None), getattr(student, kind, None)
        if ours is None or theirs is None:
            continue
        for t, s in zip(flatten(ours), flatten(theirs)):
            compatible = len(t.shape) == len(s.shape) and all(
                a is None or b is None or a == b for a, b in zip(t.shape, s.shape)
            )
            if not compatible:
                raise ConfigurationError(
                    f"Distiller: the teacher's and the student's {kind} must have compatible shapes. "
                    f"Received teacher {t.shape}, student {s.shape}."
                )
            if t.dtype != s.dtype:
                raise ConfigurationError(
                    f"Distiller: the teacher's and the student's {kind} must have one dtype. "
                    f"Received teacher {t.dtype}, student {s.dtype}."
                )


def _feature_extractor(model, attribute, distillation_losses):
    """A functional model returning ``{"final_output": ..., layer_name: ...}`` for the layers
    the losses name, or None when they name none."""
    names = []
    for distillation_loss in distillation_losses:
        name = getattr(distillation_loss, attribute, None)
        if name and name not in names:
            names.append(name)
    if not names:
        return None
    if getattr(model, "inputs", None) is None:
        raise ConfigurationError(f"Distiller: cannot read the layers of model '{model.name}': it has no symbolic inputs.")
    final = model.layers[-1].output if isinstance(model, Sequential) else model.output
    outputs = {"final_output": final, **{name: model.get_layer(name=name).output for name in names}}
    return Model(inputs=model.inputs, outputs=outputs, name=f"{model.name}_multi_feature_extractor")
