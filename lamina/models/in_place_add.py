"""A residual ``Add`` (+ ReLU) written into the folded convolution output it consumes.

In a residual block (ResNet, MobileNetV2) ``Add([shortcut, x])`` reads ``x``, the output
of a ``ConvBatchNorm`` step (``lamina.models.conv_bn_folding``) that nothing else reads.
In inference ``AddInPlace`` adds the shortcut into ``x`` (``x.add_(shortcut)``: the same
sum, bit for bit, as addition of two numbers commutes) and applies a following ReLU in
place too, instead of filling two new tensors of the block's output size.

The pass pairs an ``Add`` of exactly two tensors with an operand that is the single
output of a ``ConvBatchNorm`` step, read by this ``Add`` only and not a graph output. At
run time it writes in place only when autograd is off, both operands are plain tensors of
the same shape, dtype and device with no mask, and neither the ``Add``, the activation
nor the layers that made the operand have hooks (a hook could have kept that tensor).
Otherwise the layers run as called.
"""

import collections

import torch

from lamina.backend.torch_internals import has_hooks
from lamina.layers.layer import _mask_of
from lamina.layers.merging.add import Add
from lamina.layers.symbolic import KerasTensor
from lamina.models.conv_bn_folding import ConvBatchNorm, in_place_activation, sole_reader_finder
from lamina.models.plan import Step
from lamina.tree.nested import flatten


class AddInPlace:
    """``activation(add([a, b]))`` (``activation`` optional) computed in the operand at
    ``writable`` when nothing can tell (see the module docstring)."""

    def __init__(self, add, writable, producer, activation=None):
        self.add = add
        self.writable = writable
        self.producer = producer  # the ConvBatchNorm that makes the writable operand
        self.activation = activation

    def __call__(self, inputs, training=None):
        if self._unobserved(inputs):
            outputs = inputs[self.writable].add_(inputs[1 - self.writable])
            if self.activation is not None:
                outputs = in_place_activation(self.activation)(outputs)
            return outputs
        outputs = self.add(inputs, training=training)
        return outputs if self.activation is None else self.activation(outputs, training=training)

    def _unobserved(self, inputs):
        if torch.is_grad_enabled() or not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            return False
        target, other = inputs[self.writable], inputs[1 - self.writable]
        producer = self.producer
        return (
            type(target) is torch.Tensor
            and type(other) is torch.Tensor
            and target.shape == other.shape
            and target.dtype == other.dtype
            and target.device == other.device
            and _mask_of(target) is None
            and _mask_of(other) is None
            and (self.activation is None or in_place_activation(self.activation) is not None)
            and not any(has_hooks(layer) for layer in (self.add, self.activation, producer.conv,
                                                       producer.batch_norm, producer.activation)
                        if layer is not None)
        )


def add_in_place_graph(plan, outputs):
    """A graph plan with each ``Add`` of a sole-read ``ConvBatchNorm`` output (-> ReLU /
    ReLU6) run as one ``AddInPlace`` step (at the chain's last place)."""
    readers = collections.Counter(id(t) for step in plan for t in flatten(step.inputs) if isinstance(t, KerasTensor))
    readers.update(id(t) for t in outputs)
    producer_of = {id(t): step for step in plan for t in step.outputs}

    def writable(tensor):
        """Whether ``tensor`` is the single output of a ``ConvBatchNorm`` step, read once."""
        producer = producer_of.get(id(tensor))
        return (
            producer is not None
            and isinstance(producer.run, ConvBatchNorm)
            and len(producer.outputs) == 1
            and readers[id(tensor)] == 1
        )

    only_reader = sole_reader_finder(plan, outputs)
    replaced, absorbed = {}, set()
    for step in plan:
        if type(step.run) is not Add or step.kwargs or not isinstance(step.inputs, (list, tuple)):
            continue
        if len(step.inputs) != 2 or not all(isinstance(t, KerasTensor) for t in step.inputs):
            continue
        index = next((i for i, tensor in enumerate(step.inputs) if writable(tensor)), None)
        if index is None:
            continue
        activation = only_reader(step)
        if activation is not None and in_place_activation(activation.run) is None:
            activation = None
        last = activation or step
        producer = producer_of[id(step.inputs[index])].run
        replaced[id(last)] = Step(AddInPlace(step.run, index, producer, activation and activation.run),
                                  step.inputs, last.outputs, {})
        if activation is not None:
            absorbed.add(id(step))
    if not replaced:
        return plan
    return tuple(replaced.get(id(step), step) for step in plan if id(step) not in absorbed)
