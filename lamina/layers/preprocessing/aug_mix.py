"""AugMix: mix several random chains of augmentations with the original image, in training."""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing import _composite
from lamina.layers.preprocessing._augment import (
    AugmentationLayer,
    check_choice,
    parse_factor,
    parse_value_range,
)

_BASIC = ["random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
          "auto_contrast", "equalization"]
_ALL = _BASIC + ["random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness"]


class AugMix(AugmentationLayer):
    """In training, AugMix (Hendrycks et al., 2019) as Keras computes it.

    Per call: ``num_chains`` chains of up to ``chain_depth`` operations (each step picks one
    of the operations, or none, at random, the same for the whole batch), chain weights
    from a Dirichlet(``alpha``) and a blend ``m ~ Beta(alpha, alpha)``; the output is
    ``m * x + (1 - m) * sum_k w_k chain_k(x)``, clipped to ``value_range``.

    Args:
        value_range: (min, max) of the pixel values.
        num_chains: number of chains (default 3).
        chain_depth: operations per chain, at most (default 3).
        factor: the operations' strength, a number in [0, 1] or a pair (default 0.3).
        alpha: the Dirichlet and Beta concentration (default 1.0).
        all_ops: also use brightness, colour degeneration, contrast and sharpness (default True).
        interpolation: "bilinear" (default) or "nearest", for the geometric operations.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = parse_value_range(value_range, self._where, sort=False)
        for name, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ConfigurationError(f"{self._where}: {name} must be a positive int. Received: {name}={value!r}.")
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or alpha <= 0:
            raise ConfigurationError(f"{self._where}: alpha must be a number > 0. Received: alpha={alpha!r}.")
        self.num_chains, self.chain_depth, self.alpha, self.all_ops = num_chains, chain_depth, alpha, all_ops
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        self.interpolation = check_choice(interpolation, ("nearest", "bilinear"), "interpolation", self._where)
        names = _ALL if all_ops else _BASIC
        self._operations = list(
            _composite.sub_operations(self, names, self.factor, self.value_range, interpolation).values()
        )

    def _augment(self, batch):
        count = len(self._operations)
        choices = torch.randint(count + 1, (self.num_chains, self.chain_depth), generator=self._generator(batch),
                                device=batch.device).tolist()
        weights = self._gamma(batch, (self.num_chains,), self.alpha)
        weights = weights / weights.sum()
        blend = self._beta(batch, (), self.alpha)
        mixed = torch.zeros_like(batch)
        for chain, steps in enumerate(choices):
            images = batch
            for step in steps:
                if step < count:
                    images = _composite.apply(self._operations[step], images)
            mixed = mixed + images * weights[chain]
        out = blend * batch + (1 - blend) * mixed
        return out.clamp(*sorted(self.value_range))

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "num_chains": self.num_chains,
                "chain_depth": self.chain_depth, "factor": self.factor, "alpha": self.alpha,
                "all_ops": self.all_ops, "interpolation": self.interpolation}
