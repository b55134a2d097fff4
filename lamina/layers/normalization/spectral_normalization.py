"""SpectralNormalization: divide a layer's kernel by its largest singular value in training."""

import torch

from lamina import initializers, layouts
from lamina.errors import ConfigurationError
from lamina.layers.argument_checks import positive_int
from lamina.layers.core.wrapper import Wrapper

_EPSILON = 1e-7


class SpectralNormalization(Wrapper):
    """Keras's ``SpectralNormalization``: constrain the spectral norm of ``layer``'s kernel.

    In training, each call runs ``power_iterations`` steps of power iteration on the kernel
    (seen in Keras's layout, flattened to ``(-1, last axis)``), then *overwrites* the
    kernel with ``kernel / sigma`` and stores the new ``vector_u`` -- as Keras does, so the
    gradient flows to the normalised kernel and sigma is a constant. An all-zero kernel is
    left alone. Inference uses the kernel as it is.

    Args:
        layer: a layer with a ``kernel`` (Dense, Conv*, EinsumDense...) or ``embeddings``.
        power_iterations: positive int (default 1).

    Weights (Keras's order): the wrapped kernel, ``vector_u`` ``(1, last axis)``
    (non-trainable), then the wrapped layer's other weights.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.SpectralNormalization(lamina.layers.Dense(3))
        >>> layer(torch.ones(2, 4), training=True).shape
        torch.Size([2, 3])
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        self.power_iterations = positive_int(power_iterations, "power_iterations", f"SpectralNormalization '{self.name}'")

    def build(self, input_shape):
        super().build(input_shape)
        name = next((n for n in ("kernel", "embeddings") if getattr(self.layer, n, None) is not None), None)
        if name is None:
            raise ConfigurationError(
                f"SpectralNormalization '{self.name}': the wrapped {type(self.layer).__name__} has no "
                "'kernel' nor 'embeddings' weight. Wrap a Dense, convolution, EinsumDense or Embedding layer."
            )
        self._kernel_name = name
        self._kernel_layout = next(lay for n, lay, _ in self.layer._own_weights if n == name)
        keras_kernel = self._keras_kernel()
        self.add_weight(
            shape=(1, keras_kernel.shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=keras_kernel.dtype,
        )

    @property
    def kernel(self):
        """The wrapped layer's kernel (its ``embeddings`` for an Embedding)."""
        return getattr(self.layer, self._kernel_name)

    def _keras_kernel(self):
        return layouts.to_keras(self._kernel_layout, getattr(self.layer, self._kernel_name))

    def call(self, inputs, training=None):
        if training:
            with torch.no_grad():
                keras_kernel = self._keras_kernel()
                if bool(keras_kernel.any()):
                    u, kernel = self.normalized_weights()
                    self.vector_u.copy_(u)
                    self.kernel.copy_(layouts.from_keras(self._kernel_layout, kernel))
        return self.layer(inputs).to(inputs.dtype) if inputs.dtype.is_floating_point else self.layer(inputs)

    def normalized_weights(self):
        """``(new vector_u, kernel / sigma)``, the kernel in Keras's layout."""
        kernel = self._keras_kernel()
        weights = kernel.reshape(-1, kernel.shape[-1])
        u = self.vector_u
        for _ in range(self.power_iterations):
            v = _normalize(u @ weights.t())
            u = _normalize(v @ weights)
        sigma = (v @ weights) @ u.t()
        return u, kernel / sigma

    def _weight_entries(self):
        # Keras's order: the wrapped kernel (tracked by the wrapper too), vector_u, the rest.
        inner = self.layer._weight_entries()
        kernel = self.kernel
        first = [e for e in inner if e[0] is kernel]
        own = [(self.vector_u, "identity", False, "vector_u")] if self.built else []
        return first + own + [e for e in inner if e[0] is not kernel]

    def _keras_saved_weights(self):
        """What Keras saves under this layer's own ``vars``: the wrapped kernel, then vector_u."""
        if not self.built:
            return []
        return [(self.kernel, self._kernel_layout, self._kernel_name), (self.vector_u, "identity", "vector_u")]

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _normalize(x):
    inverse_norm = torch.rsqrt(x.square().sum()).clamp(max=1.0 / _EPSILON)
    return x * inverse_norm

