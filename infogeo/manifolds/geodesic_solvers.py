r"""Function-style entry points to the geodesic engine, for a bare Christoffel function or
a bare ``exp``.

Everything here is a thin layer over :class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow`
(integration) and the one Newton loop of :mod:`~infogeo.manifolds._newton` (shooting):

* :func:`integrate_geodesic` integrates :math:`\ddot x^k + \Gamma^k_{ij}\dot x^i\dot x^j = 0`
  for Christoffel symbols given as a function, reporting the state at given times;
* :func:`shoot_log` solves :math:`\exp_x(v) = y` for a user-supplied ``exp`` (with its
  Jacobian if known, else central differences of ``exp``).

The families themselves build a ``GeodesicFlow`` (base.py, hessian_family.py, ...).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ..errors import GeodesicIntegrationError, ShootingError
from ._newton import NewtonResult
from .geodesic_flow import EndMap, ExpJacobianFn, GeodesicFlow, shoot_with_jacobian

__all__ = ["GeodesicIntegrationError", "ShootingResult", "ShootingError",
           "integrate_geodesic", "shoot_log", "EndMap", "ExpJacobianFn"]

#: the result of shooting (the one result type of the package's Newton solves)
ShootingResult = NewtonResult

ChristoffelFn = Callable[[NDArray], NDArray]


def integrate_geodesic(christoffels: ChristoffelFn, x0: NDArray, v0: NDArray,
                       t_eval: NDArray, rtol: float = 1e-11, atol: float = 1e-12,
                       in_domain: Callable[[NDArray], bool] | None = None,
                       max_evals: int = 50_000) -> tuple[NDArray, NDArray]:
    r"""Integrate :math:`\ddot x^k + \Gamma^k_{ij}\dot x^i \dot x^j = 0` from ``(x0, v0)``.

    Parameters
    ----------
    christoffels : callable
        ``x [B, dim] -> gamma [B, dim, dim, dim]`` with ``gamma[b, k, i, j] = Γ^k_ij``.
    x0, v0 : ndarray, shape=[B, dim]
    t_eval : ndarray, shape=[T]
        Times at which to report the state (negative times run backwards).
    rtol, atol : float
        Tolerances of the integrator (the tighter of the two is used per step).
    in_domain : callable, optional
        ``x [B, dim] -> bool``; steps that leave the domain are rejected, and a geodesic
        that cannot stay inside stops with an error.
    max_evals : int
        Budget of right-hand-side evaluations per geodesic (12 per step); a geodesic that
        needs more (one running off to the boundary) stops with an error.

    Returns
    -------
    x, v : ndarray, shape=[B, T, dim]

    Raises
    ------
    GeodesicIntegrationError
    """
    x0, v0 = np.asarray(x0, dtype=float), np.asarray(v0, dtype=float)
    dim = x0.shape[-1]

    def valid(x: NDArray) -> NDArray:  # components first [dim, m]
        rows = x.T
        if in_domain(rows):
            return np.ones(len(rows), dtype=bool)
        return np.array([in_domain(row[None]) for row in rows], dtype=bool)

    flow = GeodesicFlow.from_christoffels(christoffels, dim,
                                          valid=None if in_domain is None else valid)
    t = np.atleast_1d(np.asarray(t_eval, dtype=float))
    tol = min(rtol, max(atol, 1e-14))
    with np.errstate(all="ignore"):
        return flow.path(v0, x0, t, tol, max_steps=max(1, max_evals // 12))


def shoot_log(exp_fn: Callable[[NDArray, NDArray], NDArray], x: NDArray, y: NDArray,
              v_init: NDArray | None = None, tol: float = 1e-10, max_iter: int = 50,
              exp_jac_fn: ExpJacobianFn | None = None, end_map: EndMap | None = None,
              ) -> NewtonResult:
    r"""Riemannian logarithm by shooting: solve :math:`\exp_x(v) = y` for ``v`` with the
    package's Newton loop (trust region, backtracking, per-pair convergence).

    Parameters
    ----------
    exp_fn : callable
        ``(v [B, dim], x [B, dim]) -> exp_x(v) [B, dim]``.
    x, y : ndarray, shape=[B, dim]
        Base points and target points.
    v_init : ndarray, shape=[B, dim], optional
        Starting guess; ``y - x`` by default.
    tol : float
        Convergence when ``max_i |exp_x(v)_i - y_i| <= tol * (1 + max_i |y_i|)``.
    exp_jac_fn : callable, optional
        ``(v, x, rtol) -> (exp_x(v), d exp_x(v) / dv, ok)``; without it the Jacobian is
        the central difference of ``exp_fn`` (one batched call of 2·dim + 1 geodesics).
    end_map : callable, optional
        Newton's merit is measured in ``phi(exp_x(v))`` against ``phi(y)``, for a
        coordinate change ``phi`` in which the endpoint depends more linearly on ``v``.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    v = (y - x).copy() if v_init is None else np.array(v_init, dtype=float)
    jac_fn = exp_jac_fn if exp_jac_fn is not None else _central_difference_jacobian(exp_fn)
    return shoot_with_jacobian(jac_fn, x, y, v, tol, max_iter, end_map,
                               approximate=exp_jac_fn is not None)


def _central_difference_jacobian(exp_fn: Callable[[NDArray, NDArray], NDArray],
                                 ) -> ExpJacobianFn:
    def exp_jac(v: NDArray, x: NDArray, _rtol: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        batch, dim = v.shape
        h = 1e-6 * np.maximum(1.0, np.max(np.abs(v), axis=-1))
        steps = h[None, :, None] * np.eye(dim)[:, None, :]  # [dim, B, dim]
        probes = np.concatenate([v[None], v[None] + steps, v[None] - steps]).reshape(-1, dim)
        try:
            with np.errstate(all="ignore"):
                ends = np.asarray(exp_fn(probes, np.tile(x, (2 * dim + 1, 1))), dtype=float)
        except (GeodesicIntegrationError, ValueError, FloatingPointError,
                np.linalg.LinAlgError):
            ends = np.full(probes.shape, np.nan)
        ends = ends.reshape(2 * dim + 1, batch, dim)
        jac = np.moveaxis((ends[1:dim + 1] - ends[dim + 1:]) / (2 * h[None, :, None]), 0, -1)
        ok = np.all(np.isfinite(ends), axis=(0, -1))
        return ends[0], jac, ok

    return exp_jac
