"""Optimizers with Keras's names, defaults, update rules and saved state.

Each optimizer computes Keras 3's update rule exactly (epsilon where Keras puts it, SGD's and
RMSprop's momentum with the learning rate inside, Nadam's shared momentum product), on torch's
multi-tensor kernels (``lamina.backend.foreach``); Adam and AdamW run torch's fused AdamW kernel
with Keras's epsilon rescaled at every step. ``use_ema``, ``gradient_accumulation_steps``,
``loss_scale_factor`` and ``exclude_from_weight_decay`` work as in Keras, and the state (slots,
moving averages, accumulated gradients) crosses ``.keras`` files both ways. Each class's
docstring gives its update rule. ``TorchOptimizer(torch.optim.X)`` keeps torch's own maths.
"""

from lamina.optimizers import schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.registry import ALL_NAMES, deserialize, get, serialize
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD
from lamina.optimizers.torch_optimizer import TorchOptimizer

__all__ = [
    "ALL_NAMES",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "LossScaleOptimizer",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "TorchOptimizer",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
