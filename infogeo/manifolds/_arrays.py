"""Small array builders shared by the family modules."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["stack_last", "matrix_from_rows"]


def stack_last(*cols: ArrayLike) -> NDArray:
    """Broadcast the columns together and stack them on a new last axis: ``[..., n]``."""
    return np.stack(np.broadcast_arrays(*[np.asarray(c, dtype=float) for c in cols]), axis=-1)


def matrix_from_rows(rows: list[list[ArrayLike]]) -> NDArray:
    """Build ``[..., n, m]`` from nested lists of broadcastable entries (scalars allowed)."""
    flat = np.broadcast_arrays(*[np.asarray(e, dtype=float) for row in rows for e in row])
    n, m = len(rows), len(rows[0])
    return np.stack(flat, axis=-1).reshape(flat[0].shape + (n, m))
