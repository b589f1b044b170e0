r"""Shooting: Newton's method for :math:`\exp_x(v) = y` on the one Newton loop.

The Jacobian of :math:`v \mapsto \exp_x(v)` comes with each evaluation (Jacobi fields of
the geodesic engine, or a closed-form exp); misses and steps are measured in Fisher–Rao
units. :meth:`~infogeo.manifolds.geodesic_flow.GeodesicFlow.log` pipelines these
iterations through its integrator; :func:`shoot_with_jacobian` runs them one batched
evaluation per iteration.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ._newton import DampedNewton, NewtonResult

__all__ = ["shoot_with_jacobian", "shooting_terms", "EndMap", "ExpJacobianFn"]

#: ``end_map(x [B, dim]) -> (phi(x) [B, dim], dphi/dx [B, dim, dim])``
EndMap = Callable[[NDArray], tuple[NDArray, NDArray]]
#: ``exp_jac_fn(v [B, dim], x [B, dim], rtol [B]) -> (end [B, dim], jac [B, dim, dim], ok [B])``
ExpJacobianFn = Callable[[NDArray, NDArray, NDArray], tuple[NDArray, NDArray, NDArray]]


def _cholesky(g: NDArray | None) -> NDArray | None:
    """Lower Cholesky factors of a batch of metrics (None stays None)."""
    if g is None:
        return None
    with np.errstate(all="ignore"):
        try:
            return np.linalg.cholesky(g)
        except np.linalg.LinAlgError:  # not positive there: fall back to coordinates
            return None


def _fr_norm(chol: NDArray, w: NDArray) -> NDArray:
    """``sqrt(wᵀ g w)`` with ``g = L Lᵀ``: the Fisher–Rao length of vectors ``w [B, d]``."""
    return np.linalg.norm(np.einsum("bji,bj->bi", chol, w), axis=-1)


def shooting_terms(y: NDArray, end: NDArray, jac: NDArray, ok: NDArray,
                   chol_y: NDArray | None, end_map: EndMap | None,
                   ) -> tuple[NDArray, NDArray, NDArray]:
    r"""``(residual, jacobian, merit)`` of one shooting evaluation for the Newton loop;
    the merit is the end-point miss :math:`\|y - \exp_x v\|_{g(y)}` in Fisher–Rao units
    (coordinate max-norm relative to ``1 + max |y|`` without a metric), or its max-norm in
    the ``end_map`` chart."""
    with np.errstate(all="ignore"):
        miss = np.where(ok[:, None], y - end, np.nan)
        if chol_y is None:
            merit = np.max(np.abs(miss), axis=-1) / (1.0 + np.max(np.abs(y), axis=-1))
        else:
            merit = _fr_norm(chol_y, miss)
        merit = np.where(np.isfinite(merit), merit, np.inf)
        if end_map is None:
            return miss, jac, merit
        mapped_end, map_jac = end_map(np.where(ok[:, None], end, y))
        res = end_map(y)[0] - mapped_end
        merit = np.where(ok, np.max(np.abs(res), axis=-1), np.inf)
        return res, map_jac @ jac, merit


def _shooting_newton(x: NDArray, y: NDArray, v: NDArray, tol: float, max_iter: int,
                     approximate: bool, chol_x: NDArray | None) -> DampedNewton:
    r"""The Newton loop of shooting: trust region max(|v|, |y − x|) per step, first
    backtrack towards v = 0 (``exp_x(0) = x`` always exists). The error is the Newton
    step, the estimated error of v, in Fisher–Rao units relative to the length,
    :math:`\|\delta v\|_{g(x)} / (1 + \|v\|_{g(x)})` (coordinates relative to
    ``1 + max |v|`` without a metric): unlike the end-point miss it does not grow with
    the conditioning of exp, which is exponential in the length on negatively curved
    families."""
    chord = np.linalg.norm(y - x, axis=-1)

    def step_error(idx: NDArray, step: NDArray) -> NDArray:
        z = newton.z[idx]
        if chol_x is None:
            return np.max(np.abs(step), axis=-1) / (1.0 + np.max(np.abs(z), axis=-1))
        return _fr_norm(chol_x[idx], step) / (1.0 + _fr_norm(chol_x[idx], z))

    newton = DampedNewton(v, tol, max_iter, approximate=approximate,
                          backtrack_to=np.zeros_like(v), step_error=step_error, floor=tol,
                          radius=lambda idx, z: np.maximum(np.linalg.norm(z, axis=-1),
                                                           chord[idx]))
    return newton


def shoot_with_jacobian(exp_jac_fn: ExpJacobianFn, x: NDArray, y: NDArray, v: NDArray,
                        tol: float, max_iter: int, end_map: EndMap | None = None,
                        metric: Callable[[NDArray], NDArray] | None = None,
                        approximate: bool = True) -> NewtonResult:
    r"""Newton's method for :math:`\exp_x(v) = y`, one batched ``exp_jac_fn(v, x, rtol)``
    call per iteration (exact Jacobians from Jacobi fields, or those of a closed-form
    exp); ``metric(x [B, d]) -> [B, d, d]`` measures steps and misses in Fisher–Rao
    units. Pairs leave the batch once converged."""
    chol_x, chol_y = (_cholesky(None if metric is None else metric(p)) for p in (x, y))
    newton = _shooting_newton(x, y, np.array(v, dtype=float), tol, max_iter, approximate,
                              chol_x)
    active = np.arange(len(x))
    while active.size:
        end, jac, ok = exp_jac_fn(newton.z[active], x[active], newton.rtol[active])
        res, jac, merit = shooting_terms(y[active], end, jac, ok,
                                         None if chol_y is None else chol_y[active], end_map)
        active = newton.update(active, res, jac, ok, merit)
    return newton.result("the shooting Newton iteration")
