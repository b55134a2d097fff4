"""KerasUpdate: a torch optimizer that runs one of Keras's update rules on all tensors at once."""

import torch

__all__ = ["KerasUpdate"]


class KerasUpdate(torch.optim.Optimizer):
    """Base of the ``torch.optim.Optimizer``s behind lamina's optimizers.

    ``step()`` gathers, per parameter group, the parameters that have a gradient and their
    state tensors (created on first use, keyed like torch's: ``exp_avg``, ``square_avg``,
    ``momentum_buffer``...), then calls ``_update`` once with lists, which subclasses write
    with the multi-tensor ops of ``lamina.backend.foreach``. Keras's maths count updates
    for the whole optimizer, not per tensor: ``iterations`` is the number of updates applied
    before this one (lamina's ``Optimizer`` sets it before every update).

    Subclasses set ``slots`` (``{state key: initial value}``) and implement
    ``_update(group, params, grads, states)`` where ``states[key]`` is the list of that
    state's tensors, in the order of ``params``.
    """

    slots = {}

    def __init__(self, params, defaults):
        super().__init__(params, defaults)
        self.iterations = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                grads = [p.grad for p in params]
                self._update(group, params, grads, self._states(params))
        self.iterations += 1
        return loss

    def _states(self, params):
        states = {key: [] for key in self.slots}
        for param in params:
            state = self.state[param]
            for key, initial in self.slots.items():
                tensor = state.get(key)
                if tensor is None:
                    tensor = torch.full_like(param, initial, memory_format=torch.preserve_format)
                    state[key] = tensor
                states[key].append(tensor)
        return states

    def _update(self, group, params, grads, states):
        raise NotImplementedError(f"{type(self).__name__} must implement _update.")
