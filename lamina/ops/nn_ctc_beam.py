"""CTC beam search decoding (``keras.ops.ctc_decode(strategy="beam_search")``), the whole
batch at once: each step extends every beam by every class, merges beams that spell the
same labels (log-space sums of their scores) and keeps the ``beam_width`` best, tracking
for each beam a score ending in a label and a score ending in a blank.

Ties and merges follow Keras's reference (its JAX and torch backends): classes are
flipped so ascending stable sorts pick the same beams, and equal paths are grouped in
the order of a polynomial hash of their labels.
"""

import torch

_PAD = -1
_HASH_BASE = 2654435769  # Knuth's multiplicative constant; int64 overflow is intended


def _unique(paths, size):
    """``(unique, inverse)`` of each batch's rows: ``paths`` ``(B, N, T)``; ``unique``
    ``(B, size, T)`` holds the distinct rows (in hash order) then rows of ``_PAD``;
    ``inverse`` ``(B, N)`` maps each row to its slot."""
    batch, n, steps = paths.shape
    powers = _HASH_BASE ** torch.arange(steps, dtype=torch.int64, device=paths.device)
    hashes = ((paths.to(torch.int64) + 1) * powers).sum(dim=-1)
    order = torch.argsort(hashes, dim=1, stable=True)
    sorted_paths = paths.gather(1, order.unsqueeze(-1).expand(-1, -1, steps))
    sorted_hashes = hashes.gather(1, order)
    duplicate = (sorted_hashes[:, 1:] == sorted_hashes[:, :-1]) & (sorted_paths[:, 1:] == sorted_paths[:, :-1]).all(-1)
    first = torch.cat([torch.ones(batch, 1, dtype=torch.bool, device=paths.device), ~duplicate], dim=1)
    slot = torch.cumsum(first.to(torch.int64), dim=1) - 1
    inverse = torch.empty_like(slot).scatter_(1, order, slot)
    unique = torch.full((batch, size, steps), _PAD, dtype=paths.dtype, device=paths.device)
    target = torch.where(first, slot, size)  # non-first rows go to a spare slot, dropped below
    spare = torch.cat([unique, unique[:, :1]], dim=1)
    spare.scatter_(1, target.unsqueeze(-1).expand(-1, -1, steps), sorted_paths)
    return spare[:, :size], inverse


def _merge(inverse, scores, size):
    """Log of the summed ``exp(scores)`` of the rows that share a slot: ``(B, size)``."""
    top = scores.max(dim=1, keepdim=True).values
    out = torch.zeros(scores.shape[0], size, dtype=scores.dtype, device=scores.device)
    out.scatter_add_(1, inverse, torch.exp(scores - top))
    return torch.log(out) + top


def _extend(paths, scores, masked, log_probs, classes, blank):
    """Every beam followed by every class: ``(B, N * classes, ...)``."""
    paths = paths.repeat_interleave(classes, dim=1)
    scores = scores.repeat_interleave(classes, dim=1)
    previous_masked = masked.repeat_interleave(classes, dim=1)
    tail = (paths == _PAD).to(torch.int32).argmax(dim=-1, keepdim=True)  # first free position
    last = paths.gather(2, (tail - 1).clamp(min=0)).squeeze(-1)
    last = torch.where(tail.squeeze(-1) == 0, _PAD, last)
    labels = torch.arange(classes, dtype=paths.dtype, device=paths.device)
    labels[blank] = _PAD
    labels = labels.repeat(paths.shape[1] // classes).expand(paths.shape[0], -1)
    new_masked = labels == _PAD
    labels = torch.where(~previous_masked & (last == labels), _PAD, labels)
    paths = paths.scatter(2, tail, labels.unsqueeze(-1))
    scores = scores + log_probs.repeat(1, paths.shape[1] // classes)
    return paths, scores, new_masked


def _prune(paths, scores, masked, size, beam_width):
    """Merge equal paths and keep the ``beam_width`` best: emit tracks then blank tracks."""
    unique, inverse = _unique(paths, size)
    emit = _merge(inverse, torch.where(masked, float("-inf"), scores), size)
    blank = _merge(inverse, torch.where(masked, scores, float("-inf")), size)
    best = torch.argsort(torch.logaddexp(emit, blank), dim=1, stable=True)[:, -beam_width:]
    kept = unique.gather(1, best.unsqueeze(-1).expand(-1, -1, unique.shape[-1]))
    scores = torch.cat([emit.gather(1, best), blank.gather(1, best)], dim=1)
    masked = torch.cat([torch.zeros_like(best, dtype=torch.bool), torch.ones_like(best, dtype=torch.bool)], dim=1)
    return kept.repeat(1, 2, 1), scores, masked


def beam_search_decode(inputs, sequence_lengths, beam_width=100, top_paths=1, mask_index=None):
    """``(paths (top_paths, B, T) int32 padded with -1, scores (B, top_paths))`` of a CTC
    beam search over ``inputs`` ``(B, T, classes)`` logits."""
    batch, steps, classes = inputs.shape
    log_probs = torch.flip(torch.log_softmax(inputs, dim=-1), dims=[2])
    blank = 0 if mask_index is None else classes - mask_index - 1
    lengths = sequence_lengths.to(device=inputs.device, dtype=torch.int64)
    width, size = 2 * beam_width, 2 * classes * beam_width
    first = min(classes, beam_width)
    device = inputs.device
    best = torch.argsort(log_probs[:, 0], dim=-1, stable=True)[:, -first:]
    paths = torch.full((batch, width, steps), _PAD, dtype=torch.int32, device=device)
    paths[:, :first, 0] = torch.where(best == blank, _PAD, best.to(torch.int32))
    scores = torch.full((batch, width), float("-inf"), dtype=inputs.dtype, device=device)
    scores[:, :first] = log_probs[:, 0].gather(1, best)
    masked = paths[:, :, 0] == _PAD
    for t in range(1, steps):
        new_paths, new_scores, new_masked = _extend(paths, scores, masked, log_probs[:, t], classes, blank)
        new_paths, new_scores, new_masked = _prune(new_paths, new_scores, new_masked, size, beam_width)
        running = (t < lengths).view(batch, 1)
        paths = torch.where(running.unsqueeze(-1), new_paths, paths)
        scores = torch.where(running, new_scores, scores)
        masked = torch.where(running, new_masked, masked)
    unique, inverse = _unique(paths, size)
    merged = _merge(inverse, scores, size)
    top = torch.argsort(merged, dim=1, stable=True)[:, -top_paths:].flip(1)
    decoded = unique.gather(1, top.unsqueeze(-1).expand(-1, -1, steps))
    decoded = torch.where(decoded == _PAD, _PAD, classes - decoded - 1)
    return decoded.permute(1, 0, 2), merged.gather(1, top)
