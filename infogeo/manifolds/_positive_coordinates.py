"""Geodesics of a family with positive coordinates, integrated in :math:`u = \\log x`
(:meth:`~infogeo.manifolds.geodesic_flow.GeodesicFlow.in_log_coordinates`): the domain
test, ``exp`` and ``log`` mapped back to x."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ._newton import NewtonResult

if TYPE_CHECKING:  # the flow is only called
    from .geodesic_flow import GeodesicFlow

__all__ = ["positive_columns", "exp_positive", "log_positive"]


def positive_columns(x: NDArray) -> NDArray:
    """Domain test for positive coordinates, components first: ``x [d, m] -> bool [m]``."""
    return np.all(x > 0, axis=0)


def exp_positive(flow_u: GeodesicFlow, v: NDArray, x: NDArray) -> NDArray:
    """``exp_x(v)`` for positive coordinates with a flow in ``u = log x``
    (:meth:`GeodesicFlow.in_log_coordinates`); shapes [..., dim]."""
    return np.exp(flow_u.exp(v / x, np.log(x)))


def log_positive(flow_u: GeodesicFlow, y: NDArray, x: NDArray, tol: float = 1e-10,
                 max_iter: int = 50, guess: Callable[[NDArray, NDArray], NDArray] | None = None,
                 ) -> NewtonResult:
    """``log_x(y)`` in ``u = log x`` with a flow from :meth:`GeodesicFlow.in_log_coordinates`;
    shapes [..., dim]. The start is ``guess(x, y)`` (a velocity in x coordinates,
    flattened [B, dim]) or the straight line in u."""
    shape = np.broadcast_shapes(x.shape, y.shape)
    x = np.broadcast_to(x, shape)
    w0 = None
    if guess is not None:
        flat_x = x.reshape(-1, shape[-1])
        w0 = (guess(flat_x, np.broadcast_to(y, shape).reshape(-1, shape[-1])) / flat_x
              ).reshape(shape)
    res = flow_u.log(np.log(y), np.log(x), tol, max_iter, v_init=w0)
    return NewtonResult(res.solution * x, res.converged, res.residual, res.n_iter,
                        res.message)
