"""Exact snapshots of a model's weights for callbacks (restore-best, rollbacks)."""

import torch


def copy_weights(model):
    """A CPU copy of ``model.state_dict()`` (parameters and buffers), bit for bit.

    Kept on the CPU so that holding a snapshot costs no accelerator memory; taking one
    waits for the device once (callbacks take them at most once per epoch).
    """
    return {
        name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()
    }


@torch.no_grad()
def restore_weights(model, snapshot):
    """Copy a ``copy_weights`` snapshot back into ``model`` in place (same tensors, same
    devices, so optimizers keep pointing at the right parameters)."""
    current = model.state_dict()
    missing = sorted(set(current) - set(snapshot))
    if missing:
        raise KeyError(
            f"The weight snapshot lacks {missing}; the model changed since it was taken."
        )
    for name, tensor in current.items():
        tensor.copy_(snapshot[name])
