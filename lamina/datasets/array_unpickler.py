"""An unpickler that can rebuild NumPy arrays (and plain lists, ints, bytes, dicts) only.

Unpickling can call any importable function; this one resolves exactly the globals an
ndarray needs and refuses every other (``os.system``, ``eval``, ...) before it runs.
"""

import pickle

import numpy as np

# What rebuilding an ndarray needs: NumPy 1 pickles name ``numpy.core``, NumPy 2 ``numpy._core``.
_RECONSTRUCT = np.zeros(0).__reduce__()[0]
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
}


class ArrayOnlyUnpickler(pickle.Unpickler):
    """Resolves only NumPy's array-rebuilding globals; anything else raises
    ``pickle.UnpicklingError`` with ``refusal`` (formatted with ``module`` and ``name``)."""

    def __init__(self, stream, refusal="refusing to load `{module}.{name}`", **kwargs):
        super().__init__(stream, **kwargs)
        self._refusal = refusal

    def find_class(self, module, name):
        allowed = _ALLOWED_GLOBALS.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(self._refusal.format(module=module, name=name))
        return allowed
