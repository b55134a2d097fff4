"""``Discretization``: bucket continuous values by boundaries, given or learned by ``adapt``."""

import numpy as np
import torch

from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer
from lamina.layers.preprocessing._host_layer import (
    check_choice,
    check_sparse,
    encode_categorical,
    encoded_shape,
)
from lamina.layers.preprocessing.index_lookup import batches_of


class Discretization(Layer):
    """Map each value to the index of its bin: ``i`` where
    ``bin_boundaries[i-1] <= x < bin_boundaries[i]`` (NumPy's ``digitize``), as Keras.

    Pass ``bin_boundaries``, or ``num_bins`` and call ``adapt(data)``: the boundaries are
    then approximate quantiles found with Keras's own summary algorithm (so the same
    data gives the same boundaries), to within ``epsilon``.

    Args:
        bin_boundaries: sorted boundaries (``len + 1`` bins).
        num_bins: the number of bins to learn with ``adapt``.
        epsilon: the quantile error tolerance (default 0.01).
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: not supported (dense outputs); True raises.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> layer(torch.tensor([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])).tolist()
        [[0, 2, 3, 1], [1, 3, 2, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        where = self._where = f"Discretization '{self.name}'"
        check_choice(output_mode, "output_mode", ("int", "one_hot", "multi_hot", "count"), where)
        check_sparse(sparse, where)
        if num_bins is not None and num_bins < 0:
            raise ConfigurationError(f"{where}: num_bins must be >= 0. Received: num_bins={num_bins}.")
        if num_bins is not None and bin_boundaries is not None:
            raise ConfigurationError(
                f"{where}: pass bin_boundaries or num_bins, not both. Received: num_bins={num_bins}, "
                f"bin_boundaries={bin_boundaries!r}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ConfigurationError(f"{where}: pass bin_boundaries, or num_bins and then call adapt(data).")
        if bin_boundaries is not None:
            bin_boundaries = [float(b) for b in np.asarray(bin_boundaries).reshape(-1)]
        self.bin_boundaries, self.num_bins = bin_boundaries, num_bins
        self.epsilon, self.output_mode, self.sparse = epsilon, output_mode, False
        self.reset_state()

    def reset_state(self):
        """Forget what ``update_state`` gathered."""
        self.summary = np.array([[], []], dtype="float32")

    def adapt(self, data, steps=None):
        """Learn ``num_bins`` quantile boundaries from ``data`` (an array, or an iterable /
        torch dataset of batches)."""
        if self.num_bins is None:
            raise ConfigurationError(f"{self._where}: adapt() needs num_bins; this layer was given bin_boundaries.")
        self.reset_state()
        for batch in batches_of(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Add a batch of values to the quantile summary."""
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        values = np.array(data).astype("float32")
        self.summary = _merge(_summarize(values, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self):
        """Turn the summary into ``bin_boundaries``."""
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ConfigurationError(f"{self._where}: pass bin_boundaries or call adapt(data) before using the layer.")
        values = inputs if inputs.is_floating_point() else inputs.float()
        bounds = torch.tensor(self.bin_boundaries, dtype=values.dtype, device=values.device)
        ids = torch.bucketize(values, bounds, right=True)
        if self.output_mode == "int":
            return ids.to(torch.int32)
        dtype = getattr(torch, self.dtype)
        return encode_categorical(ids, self.output_mode, len(self.bin_boundaries) + 1, dtype=dtype)

    def _symbolic_output_dtype(self, inputs):
        return torch.int32 if self.output_mode == "int" else getattr(torch, self.dtype)

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": False,
            "name": self.name,
            "dtype": self.dtype,
        }


# Keras's quantile summary (keras/src/layers/preprocessing/discretization.py), in NumPy.
def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1) :: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress(merged, epsilon)


def _compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
