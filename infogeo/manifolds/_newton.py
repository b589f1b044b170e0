r"""Newton's method for the Riemannian logarithm with exact Jacobians (Jacobi fields).

Used by :class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow` (pipelined through the
integrator) and by :func:`~infogeo.manifolds.geodesic_solvers.shoot_log` with
``exp_jac_fn`` (one batched call per iteration).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .geodesic_solvers import EndMap, ExpJacobianFn, ShootingResult

__all__ = ["shoot_with_jacobian", "log_end_map", "model_initial_velocity"]


def log_end_map(x: NDArray) -> tuple[NDArray, NDArray]:
    """``(log x, diag(1/x))`` for ``x [B, dim]``: the residual chart for positive coordinates
    of scale type, along which geodesics move exponentially fast (Dirichlet α → cα, a
    Gamma rate), so Newton on ``log exp_x(v) = log y`` converges from much farther away."""
    return np.log(x), (1.0 / x)[..., None] * np.eye(x.shape[-1])


def model_initial_velocity(model_log: Callable[[NDArray, NDArray], NDArray],
                           phi: Callable[[NDArray], NDArray],
                           phi_jacobian: Callable[[NDArray], NDArray],
                           ) -> Callable[[NDArray, NDArray], NDArray]:
    r"""Starting guess for shooting from a model space with a closed-form logarithm.

    If :math:`\phi` maps the manifold approximately isometrically into a model space
    (e.g. the normal family's half-plane), the pulled-back model logarithm

    .. math::

        v_0 = (D\phi_x)^{-1} \log^{\text{model}}_{\phi(x)} \phi(y)

    starts Newton far closer than the straight line ``y - x``. ``model_log(b, a)`` takes
    batch-first model points; ``phi_jacobian(x)[..., a, i] = ∂phi^a/∂x^i``.
    """
    def guess(x: NDArray, y: NDArray) -> NDArray:
        with np.errstate(all="ignore"):
            w = model_log(phi(y), phi(x))
            v = np.linalg.solve(phi_jacobian(x), w[..., None])[..., 0]
        # fall back to the straight line wherever the model is degenerate
        return np.where(np.all(np.isfinite(v), axis=-1, keepdims=True), v, y - x)

    return guess


#: ODE tolerances of the Newton iterations: loose while far from the target, then tight
_LOOSE_RTOL, _FINAL_RTOL = 1e-5, 1e-12
#: integration steps allowed per Newton evaluation (at rtol 1e-12 geodesics of length
#: up to ~10 take 5-70; longer ones are reached by continuation through midpoints)
_SHOOTING_MAX_STEPS = 150


class _Newton:
    r"""Per-pair state of Newton's method for :math:`\exp_x(v) = y` with exact Jacobians.

    Each evaluation integrates the geodesic and its Jacobi fields once, at a tolerance of
    1e-4 times the square of the current residual, clipped to [1e-12, 1e-5]: Newton about
    squares the residual, so a tighter integration would be wasted while far from the
    target. A pair converges only on an integration at the final 1e-12.
    A step that does not reduce the residual is halved back towards the last accepted
    velocity (a backtracking line search at no extra cost, because the next Jacobian
    is computed at the backtracked point anyway). The Newton step computed on the
    converging evaluation is applied too: it costs nothing and removes the last residual,
    so the answer is accurate to the ODE tolerance, not just to ``tol``.
    """

    def __init__(self, x: NDArray, y: NDArray, v: NDArray, tol: float, max_iter: int,
                 end_map: EndMap | None) -> None:
        batch = len(x)
        self.x, self.y, self.v, self.tol, self.max_iter = x, y, v, tol, max_iter
        self.end_map = end_map
        self.scale = 1.0 + np.max(np.abs(y), axis=-1)
        self.residual = np.full(batch, np.inf)
        self.converged = np.zeros(batch, dtype=bool)
        self.stuck = np.zeros(batch, dtype=bool)
        self.v_prev = np.zeros_like(v)  # last accepted velocity (exp_x(0) = x)
        self.err_prev = np.full(batch, np.inf)
        self.rtol = np.full(batch, _LOOSE_RTOL)
        self.n_iter = np.zeros(batch, dtype=int)

    def update(self, idx: NDArray, end: NDArray, jac: NDArray, ok: NDArray) -> NDArray:
        """Take the evaluation ``(exp_x(v), ∂exp/∂v, ok)`` of pairs ``idx``; return the
        pairs that need another evaluation (at ``self.v``, tolerance ``self.rtol``)."""
        x, y, v = self.x[idx], self.y[idx], self.v
        self.n_iter[idx] += 1
        with np.errstate(all="ignore"):
            err = np.where(ok, np.max(np.abs(y - end), axis=-1) / self.scale[idx], np.inf)
            if self.end_map is None:
                res, merit = y - end, err
            else:
                mapped_end, map_jac = self.end_map(np.where(ok[:, None], end, y))
                res, jac = self.end_map(y)[0] - mapped_end, map_jac @ jac
                merit = np.where(ok, np.max(np.abs(res), axis=-1), np.inf)
            good = (ok & ((merit < self.err_prev[idx]) | (err <= self.tol))
                    & np.all(np.isfinite(jac), axis=(-1, -2)))
        # backtrack the others half-way to their last accepted velocity
        back = idx[~good]
        v[back] = 0.5 * (v[back] + self.v_prev[back])
        tiny = np.max(np.abs(v[back] - self.v_prev[back]), axis=-1) <= 1e-14 * (
            1.0 + np.max(np.abs(self.v_prev[back]), axis=-1))
        self.stuck[back[tiny]] = True
        acc, x, y = idx[good], x[good], y[good]
        res, jac, err, merit = res[good], jac[good], err[good], merit[good]
        self.residual[acc] = err * self.scale[acc]
        try:
            step = np.linalg.solve(jac, res[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(j, r, rcond=None)[0]
                             for j, r in zip(jac, res, strict=True)]).reshape(res.shape)
        # Trust region: a Newton step may change v by at most max(|v|, |y - x|).
        radius = np.maximum(np.linalg.norm(v[acc], axis=-1), np.linalg.norm(y - x, axis=-1))
        step *= np.minimum(1.0, radius / np.maximum(np.linalg.norm(step, axis=-1), 1e-300)
                           )[:, None]
        self.converged[acc] = (self.rtol[acc] <= _FINAL_RTOL) & (err <= self.tol)
        self.v_prev[acc], self.err_prev[acc] = v[acc], merit
        v[acc] += step
        self.rtol[acc] = np.clip(1e-4 * np.minimum(merit, err) ** 2, _FINAL_RTOL, _LOOSE_RTOL)
        return idx[~self.converged[idx] & ~self.stuck[idx] & (self.n_iter[idx] < self.max_iter)]

    def result(self) -> ShootingResult:
        converged = self.converged
        message = "converged"
        if not np.all(converged):
            if np.any(self.stuck & ~converged):
                message = ("the Newton iteration stalled: the geodesic could not be "
                           "integrated or the residual stopped decreasing")
            elif np.any((self.n_iter >= self.max_iter) & ~converged):
                message = f"no convergence after {self.max_iter} Newton iterations"
            else:
                message = "some pairs did not converge"
        # pairs that stopped early keep their best (last accepted) velocity
        v = np.where(converged[:, None], self.v, self.v_prev)
        return ShootingResult(tangent_vec=v, converged=converged, residual=self.residual,
                              n_iter=int(self.n_iter.max(initial=0)), message=message)


def shoot_with_jacobian(exp_jac_fn: ExpJacobianFn, x: NDArray, y: NDArray, v: NDArray,
                        tol: float, max_iter: int, end_map: EndMap | None = None,
                        ) -> ShootingResult:
    r"""Newton's method for :math:`\exp_x(v) = y` with the exact Jacobian :math:`J(1)`,
    one batched ``exp_jac_fn(v, x, rtol)`` call per iteration (see :class:`_Newton` for the
    tolerances, line search and final step); pairs leave the batch once converged."""
    newton = _Newton(x, y, np.array(v, dtype=float), tol, max_iter, end_map)
    active = np.arange(len(x))
    while active.size:
        end, jac, ok = exp_jac_fn(newton.v[active], x[active], newton.rtol[active])
        active = newton.update(active, end, jac, ok)
    return newton.result()
