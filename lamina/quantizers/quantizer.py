"""``Quantizer`` (the base class) and ``AbsMaxQuantizer``, Keras's int8 quantizer."""

from lamina.errors import ConfigurationError
from lamina.quantizers.abs_max import abs_max_quantize


class Quantizer:
    """Base class of quantizers: a callable that maps a float tensor to its quantized form.

    Subclass it, define ``__call__`` and ``get_config`` (its constructor arguments).

    Args:
        output_dtype: The dtype of the quantized values (default ``"int8"``).
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        """The quantized ``x`` (the base class returns ``x`` unchanged)."""
        return x

    @classmethod
    def from_config(cls, config):
        """A quantizer made from ``get_config``'s dict."""
        return cls(**config)

    def get_config(self):
        """The constructor arguments, as a dict; subclasses must define it."""
        raise NotImplementedError(f"{self} does not implement get_config()")


class AbsMaxQuantizer(Quantizer):
    """Symmetric quantization by the absolute maximum: ``round(x * value_range[1] / max|x|)``,
    clipped to ``value_range``. Calling it returns ``(quantized, scale)``.

    Args:
        axis: Deprecated in Keras: pass ``axis`` to the call instead (default there: -1).
        value_range: ``(min, max)`` of the quantized values (default ``(-127, 127)``).
        epsilon: Added to the maximum to avoid dividing by zero (default ``1e-7``).
        output_dtype: The quantized dtype (default ``"int8"``).

    Raises:
        ConfigurationError: ``output_dtype="int8"`` with a ``value_range`` beyond [-128, 127].
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=1e-7, output_dtype="int8"):
        Quantizer.__init__(self, output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ConfigurationError(
                "AbsMaxQuantizer: output_dtype='int8' needs value_range within [-128, 127]. "
                f"Received: value_range={value_range}. Use e.g. value_range=(-127, 127)."
            )

    def __call__(self, x, axis=None, to_numpy=False):
        """``(quantized, scale)`` of ``x`` along ``axis`` (else the constructor's, else -1);
        ``to_numpy=True`` computes on the host with NumPy."""
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config
