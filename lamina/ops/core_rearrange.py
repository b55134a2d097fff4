"""``keras.ops.rearrange``: einops-style reshaping and transposition by a pattern such as
``"b (h w) c -> b h w c"`` (names, parenthesised groups and one ``...``)."""

import math

from lamina.ops.arguments import tensor


def _parse(side, pattern):
    groups, current = [], None
    for token in side.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            if current is not None:
                raise ValueError(f"rearrange: nested parentheses are not allowed. Received: pattern={pattern!r}.")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"rearrange: unbalanced parentheses. Received: pattern={pattern!r}.")
            groups.append(current)
            current = None
        elif current is not None:
            current.append(token)
        else:
            groups.append([token])
    if current is not None:
        raise ValueError(f"rearrange: unbalanced parentheses. Received: pattern={pattern!r}.")
    return groups


def rearrange(tensor_, pattern, **axes_lengths):
    """``tensor_`` reshaped and transposed as ``pattern`` says (einops's ``rearrange``), as
    ``keras.ops.rearrange``; ``axes_lengths`` gives the sizes of split axes (``h=2``)."""
    x = tensor(tensor_)
    if "->" not in pattern:
        raise ValueError(f"rearrange: the pattern must have the form 'left -> right'. Received: pattern={pattern!r}.")
    left_text, right_text = pattern.split("->")
    left, right = _parse(left_text, pattern), _parse(right_text, pattern)
    ellipsis_rank = x.dim() - (len(left) - (1 if ["..."] in left else 0))
    sizes = dict(axes_lengths)
    elementary = []
    dim = 0
    for group in left:
        if group == ["..."]:
            for i in range(ellipsis_rank):
                sizes[f"...{i}"] = x.shape[dim]
                elementary.append(f"...{i}")
                dim += 1
            continue
        if dim >= x.dim():
            raise ValueError(f"rearrange: the pattern has more axes than the tensor (rank {x.dim()}). Received: pattern={pattern!r}.")
        unknown = [name for name in group if name not in sizes and not name.isdigit()]
        known = math.prod(int(name) if name.isdigit() else sizes[name] for name in group if name not in unknown)
        if len(unknown) > 1:
            raise ValueError(f"rearrange: give the sizes of {unknown[1:]} as keyword arguments. Received: pattern={pattern!r}.")
        if unknown:
            sizes[unknown[0]] = x.shape[dim] // known
        elementary.extend(name for name in group if not name.isdigit())
        dim += 1
    if dim != x.dim():
        raise ValueError(f"rearrange: the pattern names {dim} axes, the tensor has {x.dim()}. Received: pattern={pattern!r}.")
    x = x.reshape([sizes[name] for name in elementary])
    order = []
    for group in right:
        if group == ["..."]:
            order.extend(f"...{i}" for i in range(ellipsis_rank))
        else:
            order.extend(name for name in group if not name.isdigit())
    missing = set(elementary) ^ set(order)
    if missing:
        raise ValueError(f"rearrange: axes {sorted(missing)} appear on one side only. Received: pattern={pattern!r}.")
    x = x.permute([elementary.index(name) for name in order])
    shape = []
    for group in right:
        if group == ["..."]:
            shape.extend(sizes[f"...{i}"] for i in range(ellipsis_rank))
        else:
            shape.append(math.prod(int(name) if name.isdigit() else sizes[name] for name in group))
    return x.reshape(shape)
