"""A geomstats space with vector points as an infogeo manifold (geometry by geomstats)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..manifolds import StatisticalManifold
from ..manifolds.charts import Chart, identity_chart
from ..manifolds.differential import koszul_christoffels

__all__ = ["GeomstatsManifold"]


class GeomstatsManifold(StatisticalManifold):
    """Any equipped geomstats space whose points are vectors, as a StatisticalManifold.

    Metric (its matrix, or inner products on the coordinate basis where geomstats gives
    no matrix), exp, log and distance are geomstats'; the Christoffel symbols too, unless
    geomstats needs automatic differentiation that its backend lacks, in which case they
    come from infogeo's Koszul formula on geomstats' metric matrix:

    .. math::

        \\Gamma^k_{ij} = \\tfrac12 g^{kl}(\\partial_i g_{jl} + \\partial_j g_{il}
        - \\partial_l g_{ij}).

    Parameters
    ----------
    space : geomstats Manifold
        Equipped with a metric (``space.metric``), point shape ``(dim,)``.
    """

    def __init__(self, space: Any) -> None:
        metric = getattr(space, "metric", None)
        shape = getattr(space, "shape", None)
        if metric is None or shape is None:
            raise TypeError(f"space must be a geomstats manifold equipped with a metric, "
                            f"got {type(space).__name__}")
        if len(shape) != 1 or shape[0] != space.dim:
            raise ValueError(f"space must have vector points of shape (dim,) = ({space.dim},)"
                             f" to be wrapped, got point shape {shape}")
        self.space = space
        self.dim = int(space.dim)
        super().__init__(None)

    def _charts(self) -> list[Chart]:
        return [identity_chart("geomstats", tuple(f"x_{i}" for i in range(self.dim)))]

    def _check_base(self, x: NDArray, name: str) -> None:
        inside = np.asarray(self.space.belongs(x))
        if not np.all(inside):
            bad = x.reshape(-1, self.dim)[~inside.reshape(-1)][0]
            raise ValueError(f"{name} must be a point of {type(self.space).__name__} "
                             f"(space.belongs), got {bad.tolist()}")

    def _metric(self, x: NDArray) -> NDArray:
        try:
            return np.asarray(self.space.metric.metric_matrix(x), dtype=float)
        except NotImplementedError:
            # some geomstats metrics (pullbacks) only give inner products:
            # g_ij = <e_i, e_j>_x on the coordinate basis
            basis = np.eye(self.dim)
            u = np.broadcast_to(basis[:, None, :], (self.dim, self.dim, self.dim))
            v = np.broadcast_to(basis[None, :, :], (self.dim, self.dim, self.dim))
            xs = np.broadcast_to(x[..., None, None, :], x.shape[:-1] + u.shape)
            us, vs = np.broadcast_arrays(u, xs)[0], np.broadcast_arrays(v, xs)[0]
            flat = (-1, self.dim)
            g = self.space.metric.inner_product(us.reshape(flat), vs.reshape(flat),
                                                xs.reshape(flat))
            return np.asarray(g, dtype=float).reshape(x.shape[:-1] + (self.dim, self.dim))

    def _christoffels(self, x: NDArray) -> NDArray:
        from geomstats.exceptions import AutodiffNotImplementedError

        try:
            return np.asarray(self.space.metric.christoffels(x), dtype=float)
        except (AutodiffNotImplementedError, NotImplementedError):
            return koszul_christoffels(self._metric, x)

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        return np.asarray(self.space.metric.exp(v, x), dtype=float).reshape(x.shape)

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        return np.asarray(self.space.metric.log(y, x), dtype=float).reshape(x.shape)

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        return np.asarray(self.space.metric.dist(xa, xb), dtype=float).reshape(xa.shape[:-1])

    def __repr__(self) -> str:
        return f"GeomstatsManifold({type(self.space).__name__})"
