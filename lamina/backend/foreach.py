"""The few multi-tensor (``torch._foreach_*``) ops lamina uses, behind one version check.

Each function takes lists of tensors and applies one op to all of them, in one kernel launch
per device and dtype where torch has the multi-tensor kernel. Where a torch build lacks it
(or it is renamed), a plain per-tensor loop with the same signature and result runs instead.
Optimizers, clipping and gradient averaging import these; nothing else in lamina calls the
private ``torch._foreach_*`` names.
"""

import torch

__all__ = [
    "abs",
    "add",
    "add_",
    "addcdiv_",
    "addcmul_",
    "copy_",
    "div",
    "div_",
    "lerp_",
    "maximum_",
    "mul",
    "mul_",
    "norm",
    "sign_",
    "sqrt",
    "sqrt_",
]


def _tensor_method(name):
    def apply(tensors, *args, **kwargs):
        if args and isinstance(args[0], (list, tuple)):
            others, rest = args[0], args[1:]
            return [getattr(t, name)(o, *rest, **kwargs) for t, o in zip(tensors, others)]
        return [getattr(t, name)(*args, **kwargs) for t in tensors]

    return apply


def _in_place(name):
    loop = _tensor_method(name)

    def apply(tensors, *args, **kwargs):
        loop(tensors, *args, **kwargs)

    return apply


def _addc(name):
    def apply(tensors, first, second, value=1.0):
        for tensor, a, b in zip(tensors, first, second):
            getattr(tensor, name)(a, b, value=value)

    return apply


def _maximum_(tensors, others):
    for tensor, other in zip(tensors, others):
        torch.maximum(tensor, other, out=tensor)


def _norm(tensors):
    return [torch.linalg.vector_norm(t) for t in tensors]


_FALLBACKS = {
    "abs": _tensor_method("abs"),
    "add": _tensor_method("add"),
    "add_": _in_place("add_"),
    "addcdiv_": _addc("addcdiv_"),
    "addcmul_": _addc("addcmul_"),
    "copy_": _in_place("copy_"),
    "div": _tensor_method("div"),
    "div_": _in_place("div_"),
    "lerp_": _in_place("lerp_"),
    "maximum_": _maximum_,
    "mul": _tensor_method("mul"),
    "mul_": _in_place("mul_"),
    "norm": _norm,
    "sign_": _in_place("sign_"),
    "sqrt": _tensor_method("sqrt"),
    "sqrt_": _in_place("sqrt_"),
}

# torch >= 2.1 has every op above as a multi-tensor kernel (scalar-tensor operands included).
_MULTI_TENSOR = tuple(int(part) for part in torch.__version__.split(".")[:2]) >= (2, 1)


def _pick(name):
    found = getattr(torch, f"_foreach_{name}", None) if _MULTI_TENSOR else None
    return found if callable(found) else _FALLBACKS[name]


abs = _pick("abs")  # noqa: A001 - the op's own name
add = _pick("add")
add_ = _pick("add_")
addcdiv_ = _pick("addcdiv_")
addcmul_ = _pick("addcmul_")
copy_ = _pick("copy_")
div = _pick("div")
div_ = _pick("div_")
lerp_ = _pick("lerp_")
maximum_ = _pick("maximum_")
mul = _pick("mul")
mul_ = _pick("mul_")
norm = _pick("norm")
sign_ = _pick("sign_")
sqrt = _pick("sqrt")
sqrt_ = _pick("sqrt_")
