"""``lamina.distillation``: knowledge distillation with Keras 3's API.

A ``Distiller`` trains a student model on the labels and on a frozen teacher's outputs
(``LogitsDistillation``) or intermediate features (``FeatureDistillation``).
"""

from lamina.distillation.distillation_loss import DistillationLoss
from lamina.distillation.distiller import Distiller
from lamina.distillation.feature_distillation import FeatureDistillation
from lamina.distillation.logits_distillation import LogitsDistillation
from lamina.serialization import register_builtin

register_builtin(Distiller)

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
