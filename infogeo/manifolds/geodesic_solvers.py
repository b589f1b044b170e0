r"""Generic geodesic solvers: the geodesic ODE (initial value) and shooting (boundary value).

Both work on batches: ``B`` independent geodesics are integrated as one vectorized system,
so the Python overhead is paid once per batch, not once per pair.

Two levels:

* :func:`integrate_geodesic` and :func:`shoot_log` with finite-difference Newton steps:
  the fallbacks for a family that only gives Christoffel symbols.
* :class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow`: the geodesic equation *and*
  its variational (Jacobi) equation, integrated together with one adaptive step size per
  geodesic. The Jacobi fields give the exact Jacobian of :math:`v \mapsto \exp_x(v)` for
  Newton's method, so shooting needs one integration per iteration instead of
  ``dim + 1``; :func:`shoot_log` uses it when given ``exp_jac_fn``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from ..errors import GeodesicIntegrationError, ShootingError

__all__ = ["GeodesicIntegrationError", "ShootingResult", "ShootingError",
           "integrate_geodesic", "shoot_log"]

ChristoffelFn = Callable[[NDArray], NDArray]
#: ``exp_jac_fn(v [B, dim], x [B, dim], rtol [B]) -> (end [B, dim], jac [B, dim, dim], ok [B])``
ExpJacobianFn = Callable[[NDArray, NDArray, NDArray], tuple[NDArray, NDArray, NDArray]]
#: ``end_map(x [B, dim]) -> (phi(x) [B, dim], dphi/dx [B, dim, dim])``
EndMap = Callable[[NDArray], tuple[NDArray, NDArray]]


@dataclass(frozen=True)
class ShootingResult:
    """Outcome of :func:`shoot_log`.

    Attributes
    ----------
    tangent_vec : ndarray, shape=[..., dim]
        Initial velocity of the geodesic from the base point (best found).
    converged : ndarray of bool, shape=[...]
        Whether the endpoint residual fell below the tolerance, per pair.
    residual : ndarray, shape=[...]
        Final endpoint error ``max_i |exp(v)_i - y_i|`` per pair.
    n_iter : int
        Newton iterations used.
    message : str
        Why the iteration stopped.
    """

    tangent_vec: NDArray
    converged: NDArray
    residual: NDArray
    n_iter: int
    message: str

    @property
    def success(self) -> bool:
        """True if every pair converged."""
        return bool(np.all(self.converged))


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
        Times (sorted, >= 0) at which to report the state; the integration starts at 0.
    in_domain : callable, optional
        ``x [B, dim] -> bool``; the integration stops with an error when it is false.
    max_evals : int
        Budget of right-hand-side evaluations; a geodesic that needs more (one running
        off to the boundary of the domain) stops with an error instead of hanging.

    Returns
    -------
    x, v : ndarray, shape=[B, T, dim]
    """
    batch, dim = x0.shape
    t_eval = np.asarray(t_eval, dtype=float)
    t_end = float(t_eval.max()) if t_eval.size else 0.0
    if t_end == 0.0:
        reps = (1, t_eval.size, 1)
        return np.tile(x0[:, None, :], reps), np.tile(v0[:, None, :], reps)
    if t_eval.size == 1:
        return _integrate_to_end(christoffels, x0, v0, t_end, rtol, atol, in_domain,
                                 max_evals)

    evals = 0

    def rhs(_t: float, state: NDArray) -> NDArray:
        nonlocal evals
        evals += 1
        x = state[: batch * dim].reshape(batch, dim)
        if evals > max_evals:
            raise GeodesicIntegrationError(
                f"geodesic integration needed more than {max_evals} steps")
        if in_domain is not None and not in_domain(x):
            raise GeodesicIntegrationError("the geodesic left the parameter domain")
        v = state[batch * dim :].reshape(batch, dim)
        accel = -np.einsum("bkij,bi,bj->bk", christoffels(x), v, v)
        return np.concatenate([v.ravel(), accel.ravel()])

    state0 = np.concatenate([x0.ravel(), v0.ravel()])
    with np.errstate(all="ignore"):
        sol = solve_ivp(rhs, (0.0, t_end), state0, method="DOP853", t_eval=t_eval,
                        rtol=rtol, atol=atol)
    if sol.status != 0 or not np.all(np.isfinite(sol.y)):
        raise GeodesicIntegrationError(
            f"geodesic integration failed: {sol.message} (the geodesic may leave the "
            "parameter domain before t = 1; try a shorter tangent vector)"
        )
    states = sol.y.T  # [T, 2 * B * dim]
    x = states[:, : batch * dim].reshape(-1, batch, dim).transpose(1, 0, 2)
    v = states[:, batch * dim :].reshape(-1, batch, dim).transpose(1, 0, 2)
    return x, v


def _integrate_to_end(christoffels: ChristoffelFn, x0: NDArray, v0: NDArray, t_end: float,
                      rtol: float, atol: float, in_domain: Callable[[NDArray], bool] | None,
                      max_evals: int) -> tuple[NDArray, NDArray]:
    """Only the end point: every geodesic with its own adaptive step (``integrate_rows``),
    instead of one ``solve_ivp`` system whose steps all follow the hardest geodesic."""
    from ._batched_rk import integrate_rows  # geodesic_flow builds on this module
    from .geodesic_flow import GeodesicFlow

    def valid(x: NDArray) -> NDArray:  # components first [dim, m]
        rows = x.T
        if in_domain(rows):
            return np.ones(len(rows), dtype=bool)
        return np.array([in_domain(row[None]) for row in rows], dtype=bool)

    dim = x0.shape[1]
    flow = GeodesicFlow.from_christoffels(christoffels, dim,
                                          valid=None if in_domain is None else valid)
    end, ok, _ = integrate_rows(flow._rows(False), np.concatenate([x0.T, v0.T]), t_end=t_end,
                                rtol=rtol, atol=atol, valid=flow._valid_rows(),
                                max_steps=max(1, max_evals // 12))
    if not np.all(ok):
        raise GeodesicIntegrationError(
            f"geodesic integration failed for {np.sum(~ok)} of {ok.size} geodesics (the "
            "geodesic may leave the parameter domain before t = 1; try a shorter tangent "
            "vector)")
    return end[:dim].T[:, None, :], end[dim:].T[:, None, :]


def _safe_exp(exp_fn: Callable[[NDArray, NDArray], NDArray], v: NDArray,
              x: NDArray) -> NDArray:
    """``exp_fn`` that returns NaN rows instead of raising, for line searches."""
    try:
        with np.errstate(all="ignore"):
            out = exp_fn(v, x)
    except (GeodesicIntegrationError, ValueError, FloatingPointError):
        return np.full_like(x, np.nan)
    return out


def shoot_log(exp_fn: Callable[[NDArray, NDArray], NDArray], x: NDArray, y: NDArray,
              v_init: NDArray | None = None, tol: float = 1e-10, max_iter: int = 50,
              exp_jac_fn: ExpJacobianFn | None = None, end_map: EndMap | None = None,
              ) -> ShootingResult:
    r"""Riemannian logarithm by shooting: solve :math:`\exp_x(v) = y` for ``v`` with Newton.

    Without ``exp_jac_fn`` the Jacobian of ``v -> exp_x(v)`` is taken by forward
    differences, evaluated as one batched ``exp_fn`` call; steps are damped (halved) while
    they increase the residual. With ``exp_jac_fn`` (e.g.
    :meth:`~infogeo.manifolds.geodesic_flow.GeodesicFlow.exp_and_jacobian`) the Jacobian
    comes with the endpoint, from the Jacobi equation (see
    :func:`~infogeo.manifolds.geodesic_flow.shoot_with_jacobian`). Either way pairs are
    dropped from the batch as soon as they converge.

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
        ``(v, x, rtol) -> (exp_x(v), d exp_x(v) / dv, ok)`` with a per-pair ODE tolerance.
    end_map : callable, optional
        Only with ``exp_jac_fn``: Newton solves ``phi(exp_x(v)) = phi(y)`` instead, for a
        coordinate change ``phi`` in which the endpoint depends more linearly on ``v``
        (e.g. ``log`` for scale-like coordinates, where geodesics grow exponentially).
    """
    batch, dim = x.shape
    v = (y - x).copy() if v_init is None else np.array(v_init, dtype=float)
    if exp_jac_fn is not None:
        from .geodesic_flow import shoot_with_jacobian  # the module builds on this one

        return shoot_with_jacobian(exp_jac_fn, x, y, v, tol, max_iter, end_map)
    scale = 1.0 + np.max(np.abs(y), axis=-1)
    residual = np.full(batch, np.inf)
    converged = np.zeros(batch, dtype=bool)
    active = np.arange(batch)
    n_iter = 0
    message = "converged"
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter reported after the loop
        xa, ya, va = x[active], y[active], v[active]
        h = 1e-7 * np.maximum(1.0, np.max(np.abs(va), axis=-1))
        probes = [va] + [va + h[:, None] * np.eye(dim)[i] for i in range(dim)]
        ends = _safe_exp(exp_fn, np.concatenate(probes), np.tile(xa, (dim + 1, 1)))
        ends = ends.reshape(dim + 1, len(active), dim)
        res = ends[0] - ya
        err = np.max(np.abs(res), axis=-1)
        residual[active] = err
        done = err <= tol * scale[active]
        converged[active[done]] = True
        if np.all(done):
            break
        jac = np.stack([(ends[i + 1] - ends[0]) / h[:, None] for i in range(dim)], axis=-1)
        keep = ~done & np.all(np.isfinite(jac), axis=(-1, -2)) & np.isfinite(err)
        if not np.any(keep):
            message = "the Newton iteration hit points where the geodesic is undefined"
            break
        idx, jac, res, err = active[keep], jac[keep], res[keep], err[keep]
        step = -np.linalg.solve(jac, res[..., None])[..., 0]
        # Trust region: a Newton step may change v by at most max(|v|, |y - x|).
        radius = np.maximum(np.linalg.norm(v[idx], axis=-1),
                            np.linalg.norm(y[idx] - x[idx], axis=-1))
        step *= np.minimum(1.0, radius / np.maximum(np.linalg.norm(step, axis=-1), 1e-300))[:, None]
        # Damping: halve the step until the residual decreases (at most 30 times).
        factor = np.ones(len(idx))
        pending = np.ones(len(idx), dtype=bool)
        for _ in range(30):
            trial = v[idx][pending] + factor[pending, None] * step[pending]
            ends = _safe_exp(exp_fn, trial, x[idx][pending])
            new_err = np.max(np.abs(ends - y[idx][pending]), axis=-1)
            ok = np.isfinite(new_err) & (new_err < err[pending])
            pidx = np.flatnonzero(pending)
            factor[pidx[~ok]] *= 0.5
            pending[pidx[ok]] = False
            if not np.any(pending):
                break
        v[idx] = v[idx] + factor[:, None] * step
        active = idx
    else:
        message = f"no convergence after {max_iter} Newton iterations"
    if not np.all(converged) and message == "converged":
        message = "some pairs did not converge"
    return ShootingResult(tangent_vec=v, converged=converged, residual=residual,
                          n_iter=n_iter, message=message)
