"""AlphaDropout: dropout that keeps the self-normalising mean and variance of SELU."""

from lamina.backend.seed_generator import SeedGenerator
from lamina.layers.layer import Layer
from lamina.layers.regularization.spatial_dropout import check_rate

_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """In training, set a fraction ``rate`` of inputs to SELU's negative saturation value,
    then apply the affine map that restores the inputs' mean and variance (Keras's
    ``AlphaDropout``, for SELU networks). Inference is the identity.

    Args:
        rate: fraction of the inputs dropped, in [0, 1).
        noise_shape: shape of the keep/drop mask, ``None`` entries taken from the inputs
            (e.g. ``(batch, 1, features)`` drops the same features at every step).
        seed: a private, reproducible random stream.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.AlphaDropout(0.2, seed=1)
        >>> bool((layer(torch.ones(4, 5)) == 1).all())  # inference: identity
        True
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        where = f"AlphaDropout '{self.name}'"
        self.rate = check_rate(rate, where)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._seed = SeedGenerator(seed, where)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(n if s is None else s for s, n in zip(self.noise_shape, inputs.shape))
        kept = (self._seed.uniform(shape, inputs) >= self.rate).to(inputs.dtype)
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}
