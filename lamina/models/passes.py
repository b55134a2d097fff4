"""Speed rewrites of a built model's plan (``lamina.models.plan``), listed in this module.

``Sequential`` and ``Functional`` interpret the plan ``optimize_stack`` /
``optimize_graph`` return; each pass here takes a plan and returns a new one that gives
the same values (up to float32 rounding where said) and gradients. There are three
passes today:

Convolution + BatchNormalization (+ ReLU / ReLU6) folding, for inference
(``lamina.models.conv_bn_folding``, its own module): the same values up to float32
rounding; the layers run as called wherever gradients or training could see it. After
it, a residual ``Add`` (+ ReLU) of a folded output writes into that output in inference
(``lamina.models.in_place_add``): the same values bit for bit.

ReLU after max pooling. ``Conv*(activation="relu")``, ``ReLU()`` or
``Activation("relu")`` followed by ``MaxPooling*`` / ``GlobalMaxPooling*`` runs as the
layer without its ReLU, the pooling, then ReLU. Both orders give the same values, since
ReLU never lowers a larger input below a smaller one, and the same gradients: where a
window's maximum is positive both orders route the gradient to the same element, and
where it is not ReLU's gradient (0 at and below 0) zeroes it in both. After a 2x2
pooling ReLU reads and writes a quarter of the elements, forward and backward
(keras-io convnet on CPU: 13.3 -> 12.3 ms per step).

A plan does this only where nothing else can see the ReLU's input or output: the
pooling is the only reader and the output is not a model output, both layers are
lamina's own (a subclass that overrides ``call`` runs as written), neither has hooks
(``backend.torch_internals.has_hooks``), the first has no activity regularizer and its
input carries no mask. Otherwise both layers run as called.

To add a pass: write ``f(plan) -> plan`` (stack) and/or ``f(plan, outputs) -> plan``
(graph) here and list it in ``STACK_PASSES`` / ``GRAPH_PASSES``.
"""

import collections

import torch

from lamina.activations.functions import relu
from lamina.backend.torch_internals import has_hooks
from lamina.layers.activations.relu import ReLU
from lamina.layers.convolutional.windowed_conv import WindowedConv
from lamina.layers.core.activation import Activation
from lamina.layers.layer import _mask_of
from lamina.layers.pooling import global_pooling, max_pooling
from lamina.layers.symbolic import KerasTensor
from lamina.models.conv_bn_folding import fold_conv_batch_norm_graph, fold_conv_batch_norm_stack
from lamina.models.in_place_add import add_in_place_graph
from lamina.models.plan import Step, with_releases
from lamina.tree.nested import flatten

_MAX_POOLS = (
    max_pooling.MaxPooling1D,
    max_pooling.MaxPooling2D,
    max_pooling.MaxPooling3D,
    global_pooling.GlobalMaxPooling1D,
    global_pooling.GlobalMaxPooling2D,
    global_pooling.GlobalMaxPooling3D,
)


def may_pair(producer, consumer):
    """Whether ``consumer(producer(x))`` is a layer ending in ReLU then a max pooling that
    ``ReluAfterMaxPool`` may run (the layers' types; the rest is checked per call)."""
    if type(consumer) not in _MAX_POOLS:
        return False
    if isinstance(producer, WindowedConv):
        return type(producer).call is WindowedConv.call
    return type(producer) in (ReLU, Activation)


def _before_relu(layer, inputs):
    """What ``layer`` (one ``may_pair`` accepts) takes ReLU of, given ``inputs``; None
    when its activation is not plain ReLU now."""
    if isinstance(layer, WindowedConv):
        return layer.pre_activation(inputs) if layer.activation is relu else None
    if isinstance(layer, ReLU):
        return inputs if layer.is_plain_relu else None
    return inputs if layer.activation is relu else None


class ReluAfterMaxPool:
    """``pool(producer(x))``, with the producer's ReLU applied after the pooling when
    nothing can tell the difference (see the module docstring)."""

    def __init__(self, producer, pool):
        self.producer = producer
        self.pool = pool

    def __call__(self, inputs, training=None):
        producer, pool = self.producer, self.pool
        if self._unobserved(inputs):
            try:
                before_relu = _before_relu(producer, inputs)
            except (RuntimeError, IndexError):
                before_relu = None  # the plain call below raises it with the layer's explanation
            if before_relu is not None:
                return torch.relu(pool(before_relu, training=training))
        return pool(producer(inputs, training=training), training=training)

    def _unobserved(self, inputs):
        producer = self.producer
        return (
            type(inputs) is torch.Tensor
            and producer.built
            and producer.activity_regularizer is None
            and _mask_of(inputs) is None
            and not has_hooks(producer)
            and not has_hooks(self.pool)
        )


def relu_after_max_pool_stack(plan):
    """A stack plan with every step ending in ReLU followed by a max pooling that may pair
    replaced by one ``ReluAfterMaxPool``."""
    steps, index = [], 0
    while index < len(plan):
        if index + 1 < len(plan) and may_pair(plan[index], plan[index + 1]):
            steps.append(ReluAfterMaxPool(plan[index], plan[index + 1]))
            index += 2
        else:
            steps.append(plan[index])
            index += 1
    return tuple(steps)


def relu_after_max_pool_graph(plan, outputs):
    """A graph plan with each ReLU-ending layer -> max pooling pair run as one
    ``ReluAfterMaxPool`` step (at the pooling's place), where the pooling is the only
    reader of the producer's output and that output is not one of the graph's ``outputs``."""
    readers = collections.Counter(id(t) for step in plan for t in _symbolic(step.inputs))
    readers.update(id(t) for t in outputs)
    producer_of = {id(t): step for step in plan for t in step.outputs}
    fused, absorbed = {}, set()
    for step in plan:
        tensor = step.inputs
        producer = producer_of.get(id(tensor)) if isinstance(tensor, KerasTensor) else None
        if (
            producer is not None
            and readers[id(tensor)] == 1
            and not step.kwargs
            and not producer.kwargs
            and len(producer.outputs) == 1
            and isinstance(producer.inputs, KerasTensor)
            and may_pair(producer.run, step.run)
        ):
            fused[id(step)] = Step(ReluAfterMaxPool(producer.run, step.run), producer.inputs, step.outputs, {})
            absorbed.add(id(producer))
    if not fused:
        return plan
    return tuple(fused.get(id(step), step) for step in plan if id(step) not in absorbed)


def _symbolic(structure):
    return [t for t in flatten(structure) if isinstance(t, KerasTensor)]


STACK_PASSES = (fold_conv_batch_norm_stack, relu_after_max_pool_stack)
GRAPH_PASSES = (fold_conv_batch_norm_graph, add_in_place_graph, relu_after_max_pool_graph)


def optimize_stack(plan):
    """``plan`` (a stack plan) after every stack pass."""
    for rewrite in STACK_PASSES:
        plan = rewrite(plan)
    return plan


def optimize_graph(plan, outputs):
    """``plan`` (a graph plan whose model outputs are ``outputs``) after every graph pass,
    each step then releasing the values no later step reads (``plan.with_releases``)."""
    for rewrite in GRAPH_PASSES:
        plan = rewrite(plan, outputs)
    return with_releases(plan, outputs)
