"""``StatelessScope``: Keras's scope in which variable updates are recorded, not applied.

Inside ``with lamina.StatelessScope(state_mapping) as scope:`` a variable's ``.value``
reads its mapped value (from ``state_mapping`` or an earlier update in the scope), and
``assign``/``assign_add``/``assign_sub`` record the new value in the scope instead of
writing the variable. After the block ``scope.get_current_value(v)`` gives it. Torch ops
that use a weight as a tensor directly (a layer's ``call``) still read the weight itself;
the mapping applies to the Variable API (``value`` and the ``assign`` family).
"""

import torch

from lamina.errors import InputError, describe

_active = []


class StatelessScope:
    """Scope that keeps every Keras Variable update out of the variables.

    Args:
        state_mapping: Optional list of ``(variable, value)`` pairs: the value each
            variable reads inside the scope (same shape as the variable).
        collect_losses: Keras's flag; losses added in the scope are kept in ``losses``.
        initialize_variables: Accepted for Keras compatibility (lamina's variables are
            always initialized when created).
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self.state_mapping = {}
        for key, value in state_mapping or []:
            if not hasattr(key, "assign") or not isinstance(key, torch.Tensor):
                raise InputError(
                    "StatelessScope: every key of `state_mapping` must be a Variable. "
                    f"Received: {describe(key)}. Pass (variable, value) pairs."
                )
            value = torch.as_tensor(value, dtype=key.dtype, device=key.device)
            if value.shape != key.shape:
                raise InputError(
                    f"StatelessScope: the value for variable '{key.path}' must have its shape "
                    f"{tuple(key.shape)}. Received: {describe(value)}."
                )
            self.state_mapping[id(key)] = value

    def __enter__(self):
        _active.append(self)
        return self

    def __exit__(self, *exc):
        _active.remove(self)

    def add_loss(self, loss):
        """Keep ``loss`` in ``self.losses``."""
        self.losses.append(loss)

    def add_update(self, update):
        """Record ``(variable, new_value)`` without writing the variable."""
        variable, value = update
        self.state_mapping[id(variable)] = value

    def get_current_value(self, variable):
        """The value ``variable`` has in this scope, or ``None`` if it was neither mapped nor updated."""
        return self.state_mapping.get(id(variable))


def get_stateless_scope():
    """The innermost active ``StatelessScope``, or ``None``."""
    return _active[-1] if _active else None


def in_stateless_scope():
    """Whether a ``StatelessScope`` is active."""
    return bool(_active)
