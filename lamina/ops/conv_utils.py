"""Argument checks and padding arithmetic shared by convolution, pooling and reshaping layers.

PyTorch's kernels want channels first, ``(batch, channels, *spatial)``. Layers given
``channels_last`` data move the channel axis with ``movedim`` -- a view, no copy -- and
PyTorch reads such a view as a ``channels_last`` memory-format tensor: its kernels run
in that format and return it, so no transpose is materialised between a convolution,
the activation and the pooling after it, and ``Flatten`` is a view too.
"""

import numbers

import torch
import torch.nn.functional as F

from lamina.errors import ConfigurationError, InputError

PADDINGS = ("valid", "same")


def normalize_tuple(value, rank, name, where, allow_zero=False):
    """``value`` (an int or a sequence of ``rank`` ints) as a tuple of ``rank`` ints.

    Raises:
        ConfigurationError: naming ``where`` (e.g. "Conv2D 'conv2d'") and the argument.
    """
    smallest = 0 if allow_zero else 1
    items = (value,) * rank if _is_int(value) else value
    try:
        items = tuple(items)
    except TypeError:
        items = None
    if items is None or len(items) != rank or not all(_is_int(v) and v >= smallest for v in items):
        kind = "non-negative" if allow_zero else "positive"
        raise ConfigurationError(
            f"{where}: {name} must be a {kind} integer or a tuple of {rank} {kind} integers. "
            f"Received: {name}={value!r}."
        )
    return tuple(int(v) for v in items)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def normalize_padding(padding, where, allowed=PADDINGS):
    """Lower-cased ``padding`` if it is one of ``allowed``."""
    value = str(padding).lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ConfigurationError(
            f"{where}: unknown padding. Received: padding={padding!r}. "
            f"Use one of {', '.join(repr(a) for a in allowed)}."
        )
    return value


def effective_kernel(kernel, dilation=1):
    return (kernel - 1) * dilation + 1


def same_padding(length, kernel, stride, dilation=1):
    """Keras's (and TensorFlow's) 'same' padding of one axis: (left, right), extra on the right."""
    k = effective_kernel(kernel, dilation)
    out = -(-length // stride)
    total = max(0, (out - 1) * stride + k - length)
    return total // 2, total - total // 2


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Output size along one axis (``None`` stays ``None``); 'causal' sizes as 'same'."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return -(-length // stride)
    return (length - effective_kernel(kernel, dilation)) // stride + 1


def transpose_crops(kernel, stride, dilation, padding, output_padding):
    """How much Keras trims from each end of torch's full transposed-conv output along one axis.

    torch's ``conv_transpose`` with no padding gives ``(n - 1) * stride + window`` samples.
    Keras's 'valid' keeps them all and appends ``output_padding`` (default
    ``max(window, stride) - window``); 'same' keeps ``n * stride`` (or
    ``(n - 1) * stride + window % 2 + output_padding``), trimming the extra from the left
    first. A negative crop means zeros appended.
    """
    window = effective_kernel(kernel, dilation)
    if padding == "valid":
        extra = max(window, stride) - window if output_padding is None else output_padding
        return 0, -extra
    if output_padding is None:
        total = stride + window - 2
    else:
        total = window + window % 2 - 2 + output_padding
    kept_left = min(total // 2 + total % 2, window - 1)
    return window - 1 - kept_left, window - 1 - (total - kept_left)


def spatial_padding(spatial_shape, kernels, strides, dilations=None):
    """'same' padding of every spatial axis: ``(symmetric, pad)``.

    ``symmetric`` is the per-axis padding for a torch kernel when left equals right on
    every axis (``pad`` is then ``None``); otherwise ``symmetric`` is 0 and ``pad`` is the
    ``F.pad`` argument (last axis first) to apply beforehand.
    """
    dilations = dilations or (1,) * len(kernels)
    pairs = [
        same_padding(n, k, s, d) for n, k, s, d in zip(spatial_shape, kernels, strides, dilations)
    ]
    if all(left == right for left, right in pairs):
        return tuple(left for left, _ in pairs), None
    return 0, torch_pad_argument(pairs)


def torch_pad_argument(pairs):
    """``F.pad``'s flat argument (last axis first) from per-axis (before, after) pairs."""
    flat = []
    for before, after in reversed(pairs):
        flat.extend((before, after))
    return tuple(flat)


def pad_spatial(inputs, pad, value=0.0):
    """``F.pad`` of the trailing (spatial) axes, or ``inputs`` when there is nothing to pad."""
    if pad is None or not any(pad):
        return inputs
    return F.pad(inputs, pad, value=value)


def channels_first(inputs, data_format):
    """A channels-first view of ``inputs`` (no copy)."""
    return inputs.movedim(-1, 1) if data_format == "channels_last" else inputs


def conv_input(inputs, data_format):
    """``channels_first(inputs)`` for a convolution; on CPU, 2-D images in channels_last memory.

    oneDNN's CPU convolutions run faster on channels_last memory than on NCHW (measured on
    a 2-core x86 machine, forward + backward, one thread: 3x3 conv 1.2-1.5x, transposed
    1.7x, depthwise 2.5x; the keras-io convnet 46 vs 67 ms per batch of 128). Channels-last
    data already is (a view); channels-first data is copied into that layout once, and
    the convolution's output keeps it for the layers after it.
    """
    x = channels_first(inputs, data_format)
    if x.dim() == 4 and x.device.type == "cpu":
        # stride(1) == 1 tells channels_last apart from NCHW even with a single channel.
        if x.stride(1) != 1 or not x.is_contiguous(memory_format=torch.channels_last):
            x = x.clone(memory_format=torch.channels_last)
    return x


def restore_format(outputs, data_format):
    """Undo ``channels_first`` on a layer's output (a view)."""
    return outputs.movedim(1, -1) if data_format == "channels_last" else outputs


def spatial_axes(shape, data_format):
    """The spatial sizes of a batch-first ``shape``."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def channel_size(shape, data_format):
    return shape[-1] if data_format == "channels_last" else shape[1]


def with_spatial(shape, spatial, channels, data_format):
    """A batch-first shape from its batch size, spatial sizes and channel count."""
    if data_format == "channels_last":
        return (shape[0], *spatial, channels)
    return (shape[0], channels, *spatial)


def check_rank(where, shape, rank, data_format):
    """Raise an InputError unless ``shape`` is a batch of ``rank``-D images in ``data_format``."""
    if len(shape) != rank + 2:
        layout = ("steps", "rows, cols", "dim1, dim2, dim3")[rank - 1] if rank <= 3 else "spatial"
        expected = (
            f"(batch, {layout}, channels)"
            if data_format == "channels_last"
            else f"(batch, channels, {layout})"
        )
        raise InputError(
            f"{where} expects inputs of rank {rank + 2}, {expected} for "
            f"data_format='{data_format}'. Received inputs of shape {_show(shape)} "
            f"(rank {len(shape)}). "
            f"Reshape the data (e.g. add a channels axis of size 1) or pick the layer of the "
            f"matching rank."
        )


def _show(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def geometry_property(attribute, doc):
    """A read-only layer property that reads ``layer._geometry.<attribute>``."""
    return property(lambda layer: getattr(layer._geometry, attribute), doc=doc)


STRIDES_DOC = "Step of the window, one int per spatial axis."
PADDING_DOC = "The padding mode, as given to the constructor."


class ConvGeometry:
    """Kernel size, strides, padding, dilation and data format of a sliding-window layer.

    Works out, once per input size, the padding that reproduces Keras's output: torch's
    symmetric ``padding=`` where it can, an explicit ``F.pad`` where Keras pads
    asymmetrically (even kernels, 'same' with strides, 'causal').
    """

    def __init__(self, rank, kernel_size, strides, padding, dilation_rate, data_format, where,
                 kernel_name="kernel_size", allow_causal=False):
        self.rank = rank
        self.where = where
        self.kernel_name = kernel_name
        self.kernel_size = normalize_tuple(kernel_size, rank, kernel_name, where)
        self.strides = normalize_tuple(strides, rank, "strides", where)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", where)
        allowed = PADDINGS + (("causal",) if allow_causal else ())
        self.padding = normalize_padding(padding, where, allowed)
        self.data_format = data_format
        self._plans = {}

    def check_rank(self, shape):
        check_rank(self.where, shape, self.rank, self.data_format)

    def output_spatial(self, spatial):
        return tuple(
            conv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )

    def output_spatial_for(self, input_shape):
        """The output's spatial sizes for a batch of ``input_shape``, after checking its rank
        and that the windows fit."""
        self.check_rank(input_shape)
        spatial = spatial_axes(input_shape, self.data_format)
        self.check_fits(spatial)
        return self.output_spatial(spatial)

    def check_fits(self, spatial):
        """Raise an InputError when 'valid' windows do not fit in the input."""
        out = self.output_spatial(spatial)
        if any(o is not None and o < 1 for o in out):
            window = tuple(
                effective_kernel(k, d) for k, d in zip(self.kernel_size, self.dilation_rate)
            )
            dilated = "" if window == self.kernel_size else f" (dilated to {window})"
            raise InputError(
                f"{self.where}: {self.kernel_name}={self.kernel_size}{dilated} is larger than the "
                f"input's spatial size {tuple(spatial)} with padding='{self.padding}', so there "
                f"would be no output. Use padding='same', a smaller {self.kernel_name}, or larger "
                f"inputs (e.g. fewer downsampling layers before this one)."
            )

    def plan(self, spatial):
        """(torch padding argument, ``F.pad`` argument or None) for inputs of ``spatial`` size."""
        key = tuple(spatial)
        found = self._plans.get(key)
        if found is None:
            if len(self._plans) > 64:  # many input sizes (e.g. variable-length sequences)
                self._plans.clear()
            found = self._plans[key] = self._make_plan(key)
        return found

    def _make_plan(self, spatial):
        self.check_fits(spatial)
        if self.padding == "valid":
            return 0, None
        if self.padding == "causal":
            left = effective_kernel(self.kernel_size[0], self.dilation_rate[0]) - 1
            return 0, (left, 0)
        return spatial_padding(spatial, self.kernel_size, self.strides, self.dilation_rate)

    def config(self):
        return {
            self.kernel_name: self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }


def refuse_data_format(layer_class, kwargs):
    """A ConfigurationError if ``kwargs`` (of a 1D layer, channels last only, as Keras's)
    carries ``data_format``."""
    if "data_format" in kwargs:
        raise ConfigurationError(
            f"{layer_class.__name__}: unexpected keyword argument(s) ['data_format']. Its inputs "
            f"are (batch, steps, channels), channels last only (as in Keras)."
        )
