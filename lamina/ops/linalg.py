"""Keras 3's ``keras.ops.linalg`` functions on torch."""

from lamina.ops.linalg_decompositions import cholesky, eig, eigh, lu_factor, qr, svd
from lamina.ops.linalg_solve import (
    cholesky_inverse,
    det,
    inv,
    jvp,
    lstsq,
    matrix_rank,
    norm,
    pinv,
    solve,
    solve_triangular,
)

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor", "matrix_rank", "norm",
    "pinv", "qr", "solve", "solve_triangular", "svd",
]
