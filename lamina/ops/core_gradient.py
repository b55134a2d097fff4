"""``keras.ops.custom_gradient`` on torch: a function that returns its output and the
function giving its inputs' gradients, as Keras's torch backend defines it."""

import functools

import torch


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, forward, *args):
        ctx.save_for_backward(*args)
        output, ctx.grad_fn = forward(*args)
        return output

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.grad_fn(*ctx.saved_tensors, upstream=upstream)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return (None, *grads)


def custom_gradient(f):
    """Decorate ``f(*args) -> (output, grad_fn)`` so that autograd uses ``grad_fn`` for
    its gradients, as ``keras.ops.custom_gradient``.

    ``grad_fn(*args, upstream)`` receives ``f``'s tensor arguments and the gradient of the
    output (keyword ``upstream``) and returns one gradient per argument (a tuple, or one
    tensor for one argument)::

        @ops.custom_gradient
        def log1pexp(x):
            e = ops.exp(x)

            def grad(*args, upstream=None):
                return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

            return ops.log(1 + e), grad
    """

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        if kwargs:
            forward = functools.partial(f, **kwargs)
        else:
            forward = f
        return _CustomGradient.apply(forward, *args)

    return wrapped
