"""The few collectives ``fit`` needs besides gradients: same weights, same shuffles, global
metrics and a common decision to stop. Each is a no-op for a single process."""

import contextlib

import torch
import torch.distributed as dist

from lamina.distribute.process_group import running


def _group():
    strategy = running()
    return strategy if strategy is not None and strategy.active else None


@torch.no_grad()
def broadcast_module(module):
    """Copy rank 0's parameters and buffers into every process's ``module`` (in place)."""
    strategy = _group()
    if strategy is None:
        return
    by_dtype = {}
    for tensor in [*module.parameters(), *module.buffers()]:
        by_dtype.setdefault(tensor.dtype, []).append(tensor)
    for tensors in by_dtype.values():
        flat = torch.cat([t.detach().reshape(-1) for t in tensors]).to(strategy.collective_device)
        dist.broadcast(flat, src=0)
        pieces = flat.split([t.numel() for t in tensors])
        for tensor, piece in zip(tensors, pieces):
            tensor.data.copy_(piece.view_as(tensor))


def broadcast_tensor(tensor):
    """Rank 0's ``tensor`` (same shape and dtype on every process), on ``tensor``'s device."""
    strategy = _group()
    if strategy is None or tensor is None:
        return tensor
    shared = tensor.to(strategy.collective_device, copy=True)
    dist.broadcast(shared, src=0)
    return shared.to(tensor.device)


@contextlib.contextmanager
def global_metric_state(metrics):
    """Inside the block, each metric's state is the sum over processes; restored after.

    Every lamina metric keeps additive state (totals, counts, confusion counts), so the
    summed state gives the global result. One all-reduce for all metrics.
    """
    strategy = _group()
    variables = [v for metric in metrics for v in metric.variables]
    if strategy is None or not variables:
        yield
        return
    saved = [v.clone() for v in variables]
    flat = torch.cat([v.reshape(-1).to(strategy.collective_device, torch.float64) for v in variables])
    dist.all_reduce(flat)
    for variable, piece in zip(variables, flat.split([v.numel() for v in variables])):
        variable.copy_(piece.view_as(variable))
    try:
        yield
    finally:
        for variable, value in zip(variables, saved):
            variable.copy_(value)


def mean_over_processes(values):
    """``{name: float}`` averaged over processes (keys must match everywhere)."""
    strategy = _group()
    if strategy is None or not values:
        return values
    keys = sorted(values)
    flat = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64)
    flat = flat.to(strategy.collective_device)
    dist.all_reduce(flat)
    flat = (flat / strategy.world_size).cpu().tolist()
    return {key: flat[keys.index(key)] for key in values}


def any_process(flag):
    """True on every process when ``flag`` is true on any one."""
    strategy = _group()
    if strategy is None:
        return bool(flag)
    tensor = torch.tensor([1.0 if flag else 0.0], device=strategy.collective_device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())
