"""SGD/RMSprop momentum in files written before lamina followed Keras's update rules.

lamina's ``optimizer/torch_state`` holds each weight's torch state. Up to lamina 0.x (before
the Keras-exact optimizers) SGD and RMSprop ran torch.optim's rules, whose momentum buffer
leaves the learning rate out (torch: ``w -= lr * buf``); Keras's, which lamina keeps now,
has it inside (SGD: ``w += m``, ``m = -lr * buf``; RMSprop: ``w -= m``, ``m = lr * buf``).
Files written from now on carry ``torch_state@format`` (``FORMAT``); a file without it whose
SGD or RMSprop state has a momentum buffer is in torch's units and is converted on loading,
with the learning rate the file restores (a schedule's value at the saved step).
"""

FORMAT_ATTRIBUTE = "format"
FORMAT = 2  # 2: momentum buffers in Keras's units

# Keras's momentum = factor * learning rate * torch's buffer.
_FACTORS = {"SGD": -1.0, "RMSprop": 1.0}


def mark(torch_state_group):
    """Record that ``torch_state_group``'s momentum buffers are in Keras's units."""
    torch_state_group.attrs[FORMAT_ATTRIBUTE] = FORMAT


def in_torch_units(torch_state_group, optimizer):
    """Whether the group was written in torch's units for ``optimizer`` (an old lamina file)."""
    return FORMAT_ATTRIBUTE not in torch_state_group.attrs and type(optimizer).__name__ in _FACTORS


def convert(states, optimizer):
    """Turn the ``momentum_buffer`` of each state (a dict per weight) into Keras's units, with
    ``optimizer``'s learning rate (restore the file's rate and step count first)."""
    factor = _FACTORS[type(optimizer).__name__] * float(optimizer.learning_rate)
    for state in states:
        if state and "momentum_buffer" in state:
            state["momentum_buffer"] = state["momentum_buffer"] * factor
