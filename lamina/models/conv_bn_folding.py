"""Convolution + BatchNormalization (+ ReLU) as one convolution, for inference.

In inference BatchNormalization is an affine map per channel, ``y * s + (beta - mean *
s)`` with ``s = gamma / sqrt(moving_variance + epsilon)``, so a convolution followed by it
is one convolution with kernel ``kernel * s`` (per output channel) and bias ``(bias -
mean) * s + beta``. ``ConvBatchNorm`` runs that: one pass over the output instead of two,
no tensor in between, and a following ReLU (or ReLU6) written over the convolution's
fresh output instead of into a third tensor. On ResNet50 and MobileNetV2 (CPU, batch 32)
that removes a third of the memory written per image (``benchmarks/applications.py``).

The folded kernel and bias are kept between calls, computed in float64 and stored in the
weights' dtype (in ``channels_last`` memory on the CPU, where oneDNN reads it without a
copy). They are computed again when any source weight is written or replaced
(``backend.tensor_versions``); where torch gives no way to tell, on every call. The price
is a second copy of the folded kernels in memory once the model has predicted (ResNet50:
about 90 MiB).

The folded form runs only inside lamina's inference calls (``predict``, ``predict_on_batch``,
``evaluate``, ``test_on_batch``: each enters ``weights_settled()``, and each entry computes
the fold anew, so even a write torch cannot see, ``w.data.copy_(...)`` between two calls,
is never missed; a direct ``model(x)`` runs the layers as written) and only where nothing
can tell the difference but float32 rounding: autograd off, BatchNormalization in inference (not
training, or ``trainable=False``), no autocast, float inputs of the weights' dtype, no
mask, and all three layers lamina's own with no hooks and no activity regularizer.
Otherwise the layers run as called: training, gradients, ``get_weights`` and saving never
see the folded weights, which live on the plan, not on the model.
"""

import collections

import torch
import torch.nn.functional as F

from lamina.activations.functions import linear, relu, relu6
from lamina.backend.autocast import autocast_on
from lamina.backend.tensor_versions import settled_weights_scope, values_key
from lamina.backend.torch_internals import has_hooks
from lamina.layers.activations.relu import ReLU
from lamina.layers.convolutional.conv import Conv1D, Conv2D, Conv3D
from lamina.layers.convolutional.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from lamina.layers.core.activation import Activation
from lamina.layers.layer import _mask_of
from lamina.layers.normalization.batch_normalization import BatchNormalization
from lamina.layers.symbolic import KerasTensor
from lamina.models.plan import Step
from lamina.ops import conv_utils
from lamina.tree.nested import flatten

_FOLDABLE_CONVS = (Conv1D, Conv2D, Conv3D, DepthwiseConv1D, DepthwiseConv2D)


def may_fold(conv, batch_norm):
    """Whether ``batch_norm(conv(x))`` is a pair ``ConvBatchNorm`` may run (the layers'
    types and settings; the rest is checked per call)."""
    return type(conv) in _FOLDABLE_CONVS and type(batch_norm) is BatchNormalization


def _normalizes_channels(conv, batch_norm):
    """Whether ``batch_norm`` (built) normalizes ``conv``'s output channels."""
    return batch_norm.channel_axis == (conv.rank + 1 if conv.data_format == "channels_last" else 1)


def in_place_activation(layer):
    """The in-place form of ``layer`` (a ReLU or ReLU6 layer), or None for any other layer."""
    if type(layer) is ReLU:
        function = relu if layer.is_plain_relu else None
        if layer.max_value == 6 and layer.negative_slope == 0.0 and layer.threshold == 0.0:
            function = relu6
    elif type(layer) is Activation:
        function = layer.activation
    else:
        return None
    if function is relu:
        return torch.relu_
    if function is relu6:
        return _relu6_
    return None


def _relu6_(x):
    return F.relu6(x, inplace=True)


class ConvBatchNorm:
    """``activation(batch_norm(conv(x)))`` (``activation`` optional) with the normalization
    folded into the convolution when nothing can tell (see the module docstring)."""

    def __init__(self, conv, batch_norm, activation=None):
        self.conv = conv
        self.batch_norm = batch_norm
        self.activation = activation
        self._folded = None  # (key, kernel, bias)

    def __call__(self, inputs, training=None):
        if self._unobserved(inputs, training):
            apply_in_place = in_place_activation(self.activation) if self.activation is not None else None
            if self.activation is None or apply_in_place is not None:
                try:
                    kernel, bias = self._folded_weights(inputs)
                    outputs = self.conv.convolve_with(inputs, kernel, bias)
                except (RuntimeError, IndexError):
                    outputs = None  # the plain call below raises it with the layer's explanation
                if outputs is not None:
                    if apply_in_place is not None:
                        outputs = apply_in_place(outputs)
                    return conv_utils.restore_format(outputs, self.conv.data_format)
        outputs = self.batch_norm(self.conv(inputs, training=training), training=training)
        return outputs if self.activation is None else self.activation(outputs, training=training)

    def _unobserved(self, inputs, training):
        conv, batch_norm = self.conv, self.batch_norm
        if settled_weights_scope() is None or torch.is_grad_enabled() or type(inputs) is not torch.Tensor:
            return False
        normalizing_training = batch_norm._training_when_unset() if training is None else training
        if normalizing_training and batch_norm.trainable:
            return False
        if not (conv.built and batch_norm.built):
            return False
        kernel = conv.kernel
        return (
            conv.activation is linear
            and _normalizes_channels(conv, batch_norm)
            and inputs.dtype == kernel.dtype
            and batch_norm.moving_mean.dtype == kernel.dtype
            and kernel.dtype.is_floating_point
            and not autocast_on(inputs.device.type)
            and conv.activity_regularizer is None
            and batch_norm.activity_regularizer is None
            and _mask_of(inputs) is None
            and not has_hooks(conv)
            and not has_hooks(batch_norm)
            and (self.activation is None or not has_hooks(self.activation))
        )

    def _folded_weights(self, inputs):
        conv, batch_norm = self.conv, self.batch_norm
        sources = (conv.kernel, conv.bias, batch_norm.gamma, batch_norm.beta,
                   batch_norm.moving_mean, batch_norm.moving_variance)
        key = values_key(sources)
        if key is not None:
            key = (key, batch_norm.epsilon, inputs.device, settled_weights_scope())
            if self._folded is not None and self._folded[0] == key:
                return self._folded[1:]
        kernel, bias = fold(*sources, batch_norm.epsilon)
        kernel = kernel.to(inputs.device)
        if kernel.dim() == 4 and inputs.device.type == "cpu":
            kernel = kernel.contiguous(memory_format=torch.channels_last)
        bias = bias.to(inputs.device)
        self._folded = None if key is None else (key, kernel, bias)
        return kernel, bias


def fold(kernel, bias, gamma, beta, moving_mean, moving_variance, epsilon):
    """``(kernel, bias)`` of the convolution equal to a convolution with ``kernel`` (output
    channels first) and ``bias`` (or None) followed by an inference BatchNormalization
    (``gamma`` / ``beta`` None when it does not scale / center). Computed in float64."""
    scale = torch.rsqrt(moving_variance.double() + epsilon)
    if gamma is not None:
        scale = scale * gamma.double()
    shift = -moving_mean.double() if bias is None else bias.double() - moving_mean.double()
    shift = shift * scale
    if beta is not None:
        shift = shift + beta.double()
    shape = (-1,) + (1,) * (kernel.dim() - 1)
    folded = kernel.double() * scale.view(shape)
    return folded.to(kernel.dtype), shift.to(kernel.dtype)


def fold_conv_batch_norm_stack(plan):
    """A stack plan with each convolution -> BatchNormalization (-> ReLU / ReLU6) run as
    one ``ConvBatchNorm``."""
    steps, index = [], 0
    while index < len(plan):
        if index + 1 < len(plan) and may_fold(plan[index], plan[index + 1]):
            after = plan[index + 2] if index + 2 < len(plan) else None
            activation = after if after is not None and in_place_activation(after) is not None else None
            steps.append(ConvBatchNorm(plan[index], plan[index + 1], activation))
            index += 3 if activation is not None else 2
        else:
            steps.append(plan[index])
            index += 1
    return tuple(steps)


def fold_conv_batch_norm_graph(plan, outputs):
    """A graph plan with each convolution -> BatchNormalization (-> ReLU / ReLU6) chain run
    as one ``ConvBatchNorm`` step (at the chain's last place), where each link's output is
    read by the next link only and is not one of the graph's ``outputs``."""
    only_reader = sole_reader_finder(plan, outputs)
    replaced, absorbed = {}, set()
    for step in plan:
        if id(step) in absorbed or step.kwargs or not isinstance(step.inputs, KerasTensor):
            continue
        normalization = only_reader(step)
        if normalization is None or not may_fold(step.run, normalization.run):
            continue
        activation = only_reader(normalization)
        if activation is not None and in_place_activation(activation.run) is None:
            activation = None
        last = activation or normalization
        fused = ConvBatchNorm(step.run, normalization.run, activation and activation.run)
        replaced[id(last)] = Step(fused, step.inputs, last.outputs, {})
        absorbed.add(id(step))
        if activation is not None:
            absorbed.add(id(normalization))
    if not replaced:
        return plan
    return tuple(replaced.get(id(step), step) for step in plan if id(step) not in absorbed)


def sole_reader_finder(plan, outputs):
    """A function ``f(step)``: the step of ``plan`` that alone reads ``step``'s single
    output (as its whole input, with no keyword arguments), or None where there is no such
    step or the output is one of the graph's ``outputs``."""
    readers = collections.Counter(id(t) for step in plan for t in _symbolic(step.inputs))
    readers.update(id(t) for t in outputs)
    reader_of = {id(t): step for step in plan for t in _symbolic(step.inputs)}

    def only_reader(step):
        if len(step.outputs) != 1 or readers[id(step.outputs[0])] != 1:
            return None
        follower = reader_of.get(id(step.outputs[0]))
        if follower is None or follower.kwargs or follower.inputs is not step.outputs[0]:
            return None
        return follower

    return only_reader


def _symbolic(structure):
    return [t for t in flatten(structure) if isinstance(t, KerasTensor)]
