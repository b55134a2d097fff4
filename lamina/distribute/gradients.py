"""Gradient all-reduce: every process ends the backward pass with the global-batch gradient.

Why not ``DistributedDataParallel``: DDP averages gradients, which equals the global-batch
gradient only when every process holds the same number of samples; a short last batch
breaks that. Here each process scales its gradients by its share's size ``n_r`` and one
all-reduce sums ``[n_r * g_r..., n_r]``; dividing by the summed count gives
``sum_r n_r g_r / N``, the single-process gradient of the global batch. The count rides in
the same buffer, so nothing waits for the device. One flat buffer means one collective per
step. (DDP's advantage, overlapping communication with the backward pass, pays off for
large models on many GPUs; the model itself stays the user's object either way.)
"""

import torch
import torch.distributed as dist

from lamina.backend import foreach
from lamina.distribute.process_group import running


@torch.no_grad()
def sync_gradients(model, local_batch_size):
    """Replace the ``.grad`` of ``model``'s trainable parameters by the global-batch gradient.

    Call it between ``backward()`` and the optimizer step (the built-in ``train_step``
    does; a custom ``train_step`` must too). Outside data parallel it does nothing.

    Args:
        model: A module (or an iterable of parameters), the same on every process.
        local_batch_size: Samples this process's loss averaged over (0 for an empty share).

    A parameter without a gradient on this process contributes zeros (as with DDP, every
    trainable parameter takes part) and receives the summed gradient.
    """
    strategy = running()
    if strategy is None or not strategy.active:
        return
    parameters = model.parameters() if isinstance(model, torch.nn.Module) else model
    parameters = [p for p in parameters if p.requires_grad]
    if not parameters:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in parameters]
    device = strategy.collective_device
    one = torch.ones(1, dtype=grads[0].dtype, device=grads[0].device)
    bucket = torch.cat([g.reshape(-1) for g in grads] + [one]).to(device)
    bucket.mul_(float(local_batch_size))
    dist.all_reduce(bucket)
    flat = bucket[:-1].div_(bucket[-1:])
    flat = flat.to(grads[0].device)
    pieces = [piece.view_as(g) for piece, g in zip(flat.split([g.numel() for g in grads]), grads)]
    present = [(p.grad, piece) for p, piece in zip(parameters, pieces) if p.grad is not None]
    if present:
        targets, sources = zip(*present)
        foreach.copy_(list(targets), list(sources))
    for p, piece in zip(parameters, pieces):
        if p.grad is None:
            p.grad = piece.clone()
    strategy.gradient_syncs += 1
