"""ReLU run after the max pooling that reads its output.

Models run ``Conv*(activation="relu")``, ``ReLU()`` or ``Activation("relu")`` followed by
``MaxPooling*`` / ``GlobalMaxPooling*`` as the layer without its ReLU, the pooling, then
ReLU. Both orders give the same values, since ReLU never lowers a larger input below a
smaller one, and the same gradients: where a window's maximum is positive both orders
route the gradient to the same element, and where it is not ReLU's gradient (0 at and
below 0) zeroes it in both. After a 2x2 pooling ReLU reads and writes a quarter of the
elements, forward and backward (keras-io convnet on CPU: 13.3 -> 12.3 ms per step).

A model does this only where nothing else can see the ReLU's input or output: the
pooling is the only reader and the output is not a model output, both layers are
lamina's own (a subclass that overrides ``call`` runs as written), neither has hooks, the
first has no activity regularizer and its input carries no mask. Otherwise both layers
run as called.
"""

import collections

import torch
from torch.nn.modules import module as torch_module

from lamina.activations.functions import relu
from lamina.layers.activations.relu import ReLU
from lamina.layers.convolutional.windowed_conv import WindowedConv
from lamina.layers.core.activation import Activation
from lamina.layers.layer import _mask_of
from lamina.layers.pooling import global_pooling, max_pooling

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
        return layer._pre_activation(inputs) if layer.activation is relu else None
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
            and producer._activity_regularizer is None
            and _mask_of(inputs) is None
            and not _has_hooks(producer)
            and not _has_hooks(self.pool)
        )


def sequential_steps(layers):
    """What a stack of ``layers`` runs, in order: each layer, with every layer ending in
    ReLU and max pooling that may pair as one ``ReluAfterMaxPool``."""
    steps, index = [], 0
    while index < len(layers):
        if index + 1 < len(layers) and may_pair(layers[index], layers[index + 1]):
            steps.append(ReluAfterMaxPool(layers[index], layers[index + 1]))
            index += 2
        else:
            steps.append(layers[index])
            index += 1
    return steps


def graph_pairs(nodes, outputs):
    """``{id(pooling node): (ReluAfterMaxPool, producer node)}`` for the graph's
    ReLU-ending layer -> max pooling calls where the pooling is the only reader of the
    producer's output and that output is not one of the graph's ``outputs``."""
    readers = collections.Counter(id(t) for node in nodes for t in node.input_tensors)
    readers.update(id(t) for t in outputs)
    pairs = {}
    for node in nodes:
        tensor = node.inputs
        producer = getattr(tensor, "node", None)
        if (
            producer is not None
            and readers[id(tensor)] == 1
            and may_pair(producer.layer, node.layer)
            and len(producer.output_tensors) == 1
            and getattr(producer.inputs, "node", None) is not None
            and set(producer.call_kwargs) <= {"training"}
            and set(node.call_kwargs) <= {"training"}
        ):
            pairs[id(node)] = (ReluAfterMaxPool(producer.layer, node.layer), producer)
    return pairs


def _has_hooks(module):
    return bool(
        module._forward_hooks
        or module._forward_pre_hooks
        or module._backward_hooks
        or module._backward_pre_hooks
        or torch_module._global_forward_hooks
        or torch_module._global_forward_pre_hooks
        or torch_module._global_backward_hooks
        or torch_module._global_backward_pre_hooks
    )
