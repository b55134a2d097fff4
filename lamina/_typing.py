"""Type aliases for the annotations of lamina's public API (checked by mypy in CI)."""

import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import torch

#: A file path: a string or an ``os.PathLike`` such as ``pathlib.Path``.
PathLike: TypeAlias = str | os.PathLike[str]

#: One array of data: a NumPy array, a torch tensor, or anything ``np.asarray`` takes.
ArrayLike: TypeAlias = np.ndarray | torch.Tensor | Sequence[Any]

#: What ``fit``/``evaluate``/``predict`` take as ``x``: an array, a list/dict of arrays
#: (several inputs), or a generator, torch ``Dataset``/``DataLoader`` or ``PyDataset``.
Data: TypeAlias = ArrayLike | Sequence[ArrayLike] | Mapping[str, ArrayLike] | Any

#: A shape, batch first, with ``None`` for unknown sizes.
Shape: TypeAlias = Sequence[int | None] | Any

#: ``(x_train, y_train), (x_test, y_test)``, as the dataset loaders return them.
Splits: TypeAlias = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

#: What ``predict`` returns: one array per output (a list or dict for several outputs).
Predictions: TypeAlias = np.ndarray | list[np.ndarray] | dict[str, np.ndarray]

#: What ``evaluate`` returns: the loss, ``[loss, *metrics]``, or a dict (``return_dict``).
Results: TypeAlias = float | list[float] | dict[str, float]
