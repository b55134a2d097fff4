"""``InputSpec``: what a layer accepts (rank, sizes on some axes, dtype), checked at each call.

A layer that sets ``self.input_spec`` (one ``InputSpec`` or a list, one per input) has
its inputs checked before ``build`` and ``call``, on eager and symbolic tensors alike, as
in Keras; a mismatch raises ``InputError`` naming the layer, the input and the rule.
"""

from lamina.backend.dtypes import standardize_dtype
from lamina.errors import ConfigurationError, InputError
from lamina.tree.nested import flatten


class InputSpec:
    """The rank, shape and dtype a layer's input must have (Keras's ``keras.InputSpec``).

    Args:
        dtype: expected dtype name (e.g. ``"float32"``), or ``None`` for any.
        shape: expected full shape, ``None`` entries for any size (sets ``ndim``).
        ndim: exact rank.
        max_ndim: largest rank allowed.
        min_ndim: smallest rank allowed.
        axes: ``{axis: size}`` sizes required on some axes (negative axes count from the end).
        allow_last_axis_squeeze: accept a rank one higher or lower when the extra last
            axis has size 1.
        name: the input's name (for dict inputs and messages).
        optional: whether the input may be ``None``.

    Example:
        ```python
        class Pairwise(lamina.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.input_spec = lamina.InputSpec(ndim=3, axes={-1: 2})
        ```
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = standardize_dtype(dtype) if dtype is not None else None
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            self.axes = {int(axis): value for axis, value in (axes or {}).items()}
        except (AttributeError, TypeError, ValueError):
            raise ConfigurationError(
                f"InputSpec: axes must be a dict of integer axes to sizes. Received: axes={axes!r}."
            ) from None
        if self.axes and self.ndim is None and self.min_ndim is None:
            self.min_ndim = max(axis if axis >= 0 else -axis - 1 for axis in self.axes) + 1

    def __repr__(self):
        parts = [f"{key}={value}" for key, value in self.get_config().items() if value]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        """The constructor arguments, as Keras's ``InputSpec.get_config``."""
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        """An ``InputSpec`` from ``get_config()``'s output."""
        return cls(**config)


def check_input_spec(layer, specs, inputs):
    """Raise ``InputError`` unless ``inputs`` satisfy ``specs`` (one ``InputSpec`` or a list)."""
    specs = flatten(specs)
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs]
        if all(names):
            inputs = [inputs.get(name) for name in names]
        else:
            inputs = list(inputs.values())
    inputs = flatten(inputs)
    if len(inputs) != len(specs):
        raise InputError(
            f"Layer '{layer.name}' expects {len(specs)} input(s) (its input_spec), but it received "
            f"{len(inputs)} input tensors. Pass one tensor per InputSpec."
        )
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        _check_one(layer.name, index, spec, x)


def _check_one(layer_name, index, spec, x):
    if not hasattr(x, "shape"):
        raise InputError(
            f"Inputs to layer '{layer_name}' should be tensors. Received: {x!r} (of type "
            f"{type(x).__name__}) as input {index}."
        )
    shape = tuple(x.shape)
    ndim = len(shape)
    where = f"Input {index}{'' if spec.name is None else f' ({spec.name!r})'} of layer '{layer_name}'"
    received = f"Received: an input of shape {shape}."

    def fail(rule):
        raise InputError(f"{where} is incompatible with the layer: expected {rule}. {received}")

    squeezable = spec.allow_last_axis_squeeze and (
        (ndim == (spec.ndim or 0) + 1 and shape[-1] == 1) or (spec.ndim is not None and ndim + 1 == spec.ndim)
    )
    if spec.ndim is not None and ndim != spec.ndim and not squeezable:
        fail(f"ndim={spec.ndim}, found ndim={ndim}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        fail(f"max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        fail(f"min_ndim={spec.min_ndim}, found ndim={ndim}")
    if spec.dtype is not None:
        dtype = standardize_dtype(x.dtype)
        if dtype != spec.dtype:
            fail(f"dtype={spec.dtype}, found dtype={dtype}")
    for axis, size in spec.axes.items():
        if size is None:
            continue
        position = axis if axis >= 0 else ndim + axis
        actual = shape[position] if 0 <= position < ndim else None
        if actual is not None and actual not in (size if isinstance(size, (list, tuple)) else (size,)):
            fail(f"axis {axis} of the input to have size {size}, found size {actual}")
    if spec.shape is not None and not squeezable:
        for position, (want, actual) in enumerate(zip(spec.shape, shape)):
            if want is not None and actual is not None and want != actual:
                fail(f"shape={spec.shape}, found shape={shape} (axis {position} differs)")
