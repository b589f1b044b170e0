"""Dask reductions of Fisher terms (optional extra ``dask``; imported only when used)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..manifolds.base import StatisticalManifold
from ._inputs import validated_data, validated_point
from .terms import fisher_terms

__all__ = ["dask_fisher_terms_moments"]


def dask_fisher_terms_moments(manifold: StatisticalManifold, data: object, theta: ArrayLike,
                              method: str) -> tuple[NDArray, NDArray, int]:
    """Mean and variance (``ddof = 1``) of the Fisher terms over a Dask array of data.

    Each block of rows is mapped to its terms ``[rows, ...]`` with ``map_blocks`` and the
    reduction is Dask's own ``mean``/``var`` along the rows, so only a block at a time is
    in memory. Computed with the active Dask scheduler (``dask.config.set(scheduler=...)``).

    Returns
    -------
    mean, var : ndarray, shape=[..., dim, dim]
        (``var`` is ``inf`` for a single observation)
    n : int
    """
    try:
        import dask
        import dask.array as da
    except ImportError as err:  # pragma: no cover - the caller passed a dask array
        raise ImportError("reducing a Dask array needs the optional extra 'dask'") from err
    if not isinstance(data, da.Array):
        raise TypeError(f"data must be a dask.array.Array, got {type(data).__name__}")
    event = tuple(manifold.event_shape)
    if data.ndim != 1 + len(event) or tuple(data.shape[1:]) != event:
        raise ValueError(f"data must have shape [N, *event_shape] = [N, "
                         f"{', '.join(map(str, event))}], got {data.shape}")
    n = int(data.shape[0])
    if n < 1:
        raise ValueError("data must hold at least one observation (N >= 1)")
    point = validated_point(manifold, theta)
    out_shape = point.shape[:-1] + (manifold.dim, manifold.dim)
    width = int(np.prod(out_shape, dtype=int))
    flat = data.reshape(n, -1).rechunk({1: -1}).astype(float)

    def block(rows: NDArray) -> NDArray:
        if rows.shape[0] == 0:  # dask probing the function with an empty block
            return np.empty((0, width))
        obs = validated_data(manifold, rows.reshape((rows.shape[0],) + event))
        return fisher_terms(manifold, obs, point, method).reshape(rows.shape[0], width)

    terms = flat.map_blocks(block, chunks=(flat.chunks[0], (width,)), dtype=float)
    if n == 1:
        (mean,) = dask.compute(terms.mean(axis=0))
        var = np.full_like(mean, np.inf)  # one observation says nothing about the spread
    else:
        mean, var = dask.compute(terms.mean(axis=0), terms.var(axis=0, ddof=1))
    return np.asarray(mean).reshape(out_shape), np.asarray(var).reshape(out_shape), n
