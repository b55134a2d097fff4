"""Mixed precision: compute in bfloat16/float16 where safe, keep weights in float32.

``set_global_policy("mixed_bfloat16")`` (or ``"mixed_float16"``) makes ``fit``,
``evaluate`` and ``predict`` run the model under ``torch.autocast``; losses are computed
in float32; with float16 on CUDA the loss is scaled (``torch.amp.GradScaler``) so small
gradients do not underflow. Weights, optimizer state and saved files stay float32.

Keras 3's names work too: ``DTypePolicy`` (``Policy`` is the same class),
``set_dtype_policy``/``dtype_policy`` (``set_global_policy``/``global_policy``) and
``LossScaleOptimizer`` (also ``lamina.optimizers.LossScaleOptimizer``).
"""

import contextlib

import torch

from lamina.errors import ConfigurationError
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

_POLICIES = {"float32": None, "mixed_bfloat16": torch.bfloat16, "mixed_float16": torch.float16}
_state = {"policy": "float32"}


class DTypePolicy:
    """A dtype policy: ``name`` is "float32", "mixed_bfloat16" or "mixed_float16".

    Args:
        name: The policy's name. Defaults to ``"float32"``. Keras's other names
            (``"float16"``, ``"bfloat16"``, quantized policies) are not supported: lamina
            keeps weights in float32 and only chooses the autocast dtype.
    """

    def __init__(self, name=None):
        name = "float32" if name is None else name
        if name not in _POLICIES:
            raise ConfigurationError(
                f"Unknown mixed precision policy. Received: {name!r}. Use one of {sorted(_POLICIES)}."
            )
        self.name = name

    @property
    def compute_dtype(self):
        """Name of the dtype layers compute in under this policy."""
        return str(_POLICIES[self.name] or torch.float32).replace("torch.", "")

    @property
    def variable_dtype(self):
        """Name of the dtype weights are stored in: always ``"float32"``."""
        return "float32"

    def get_config(self):
        """Keras's config: ``{"name": ...}``."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        """Rebuild a policy from ``get_config``'s output."""
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'


Policy = DTypePolicy


def set_global_policy(policy):
    """Use ``policy`` (a name or a DTypePolicy) for every model's fit/evaluate/predict."""
    _state["policy"] = DTypePolicy(policy.name if isinstance(policy, DTypePolicy) else str(policy)).name


def global_policy():
    """The current global ``DTypePolicy`` (``float32`` unless ``set_global_policy`` changed it)."""
    return DTypePolicy(_state["policy"])


set_dtype_policy = set_global_policy
dtype_policy = global_policy


def autocast(device):
    """The autocast context for the current policy on ``device`` (a no-op for float32)."""
    dtype = _POLICIES[_state["policy"]]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def needs_loss_scaling(device):
    """Whether the loss must be scaled on ``device``: ``mixed_float16`` on CUDA."""
    return _state["policy"] == "mixed_float16" and device.type == "cuda"


def is_mixed():
    """Whether the global policy computes in a half-precision dtype."""
    return _POLICIES[_state["policy"]] is not None


__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "autocast",
    "dtype_policy",
    "global_policy",
    "is_mixed",
    "needs_loss_scaling",
    "set_dtype_policy",
    "set_global_policy",
]
