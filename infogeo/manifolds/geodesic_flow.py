r"""The geodesic engine: the geodesic equation of a metric with its Jacobi equation.

.. math::

    \ddot x^k = a^k(x, \dot x) = -\Gamma^k_{ij}\dot x^i \dot x^j, \qquad
    \ddot J = \frac{\partial a}{\partial x} J + \frac{\partial a}{\partial \dot x}\dot J,
    \quad J(0) = 0,\ \dot J(0) = I.

One :class:`GeodesicFlow` serves every family without closed-form geodesics:

* ``exp`` integrates the geodesic equation with the batched DOP853 integrator (every
  geodesic of a batch its own adaptive step, :mod:`~infogeo.manifolds._batched_rk`);
* ``log`` solves the boundary-value problem by Chebyshev collocation
  (:mod:`~infogeo.manifolds._collocation`; the partial derivatives of ``a`` are the ones
  of the Jacobi equation), and shoots the pairs that collocation does not resolve: Newton
  on :math:`\exp_x(v) = y` with the exact Jacobian :math:`J(1)` from the Jacobi fields,
  the iterations pipelined through the integrator, with continuation through midpoints;
* both Newton iterations are the one loop of :mod:`~infogeo.manifolds._newton`, and
  convergence is judged in Fisher–Rao units, relative to the geodesic's length.

Internally arrays are *components first* (``x[d, m]``, ``g[d, d, m]``): see
``_batched_rk`` for why. The public methods take the usual ``[..., dim]`` points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import GeodesicIntegrationError
from ._batched_rk import integrate_rows
from ._collocation import LEVELS, chebyshev_nodes, collocation_log
from ._geodesic_fields import (
    FieldFn,
    HessianJets,
    MetricFn,
    christoffel_field,
    hessian_field,
    log_coordinate_field,
    log_metric,
)
from ._hessian_metric import hessian_christoffels, inv_components_first
from ._newton import NewtonResult
from ._positive_coordinates import exp_positive, log_positive, positive_columns
from ._shooting import (
    EndMap,
    ExpJacobianFn,
    _cholesky,
    _shooting_newton,
    shoot_with_jacobian,
    shooting_terms,
)
from ._starts import log_end_map, model_initial_path, model_initial_velocity

__all__ = ["GeodesicFlow", "hessian_christoffels", "log_end_map", "shoot_with_jacobian",
           "EndMap", "ExpJacobianFn",
           "inv_components_first", "model_initial_velocity", "model_initial_path",
           "positive_columns",
           "exp_positive", "log_positive"]

RowMask = Callable[[NDArray], NDArray]

#: integration steps allowed per shooting evaluation (at rtol 1e-12 geodesics of length
#: up to ~10 take 5-70; longer ones are reached by continuation through midpoints)
_SHOOTING_MAX_STEPS = 150


@dataclass(frozen=True)
class GeodesicFlow:
    r"""The geodesic equation of a metric with its variational (Jacobi) equation.

    Parameters
    ----------
    dim : int
        Dimension of the manifold.
    field : callable
        ``field(x [d, m], v [d, m], (jx, jv) or None) -> (a [d, m], dJv [d, r, m])``,
        components first, with ``dJv = (∂a/∂x) jx + (∂a/∂v) jv`` (``None`` without
        Jacobi fields).
    valid : callable, optional
        ``x [d, m] -> bool [m]``: the parameter domain; integration steps leaving it are
        rejected (so the field is never evaluated outside it in an accepted step).
    end_map : callable, optional
        Coordinate change ``x [B, d] -> (phi(x), dphi/dx)`` in which shooting measures its
        merit, e.g. :func:`log_end_map`.
    initial_velocity : callable, optional
        ``(x, y) [B, d] -> v0``: the starting guess of :meth:`log`, e.g. from a model space
        with a closed-form logarithm (:func:`model_initial_velocity`); ``y - x`` by default.
    metric : callable, optional
        ``x [d, m] -> g [d, d, m]``: the metric, in which :meth:`log` judges convergence
        (Fisher–Rao units); coordinate units without it.
    initial_path : callable, optional
        ``(x [B, d], y [B, d], t [T]) -> [B, T, d]``: the starting path of collocation in
        :meth:`log` (e.g. :func:`model_initial_path`); otherwise the parabola through x
        and y with the initial velocity.

    Build one with :meth:`from_hessian` or :meth:`from_christoffels`.
    """

    dim: int
    field: FieldFn
    valid: RowMask | None = None
    end_map: EndMap | None = None
    initial_velocity: Callable[[NDArray, NDArray], NDArray] | None = None
    metric: MetricFn | None = None
    initial_path: Callable[[NDArray, NDArray, NDArray], NDArray] | None = None

    @classmethod
    def from_hessian(cls, jets: HessianJets, dim: int, valid: RowMask | None = None,
                     end_map: EndMap | None = None,
                     initial_velocity: Callable[[NDArray, NDArray], NDArray] | None = None,
                     ) -> GeodesicFlow:
        r"""The flow of a Hessian metric :math:`g = \nabla^2 F`, from derivatives of F.

        With :math:`G^b = \Gamma^b_{ij}v^iv^j = \tfrac12 g^{bl}F_{ijl}v^iv^j` and
        :math:`\partial_q g^{kl} = -g^{ka}F_{abq}g^{bl}`,

        .. math::

            \frac{\partial a^k}{\partial x^q} = -g^{kl}\left(\tfrac12 F_{ijlq}v^iv^j
            - F_{lbq}G^b\right), \qquad
            \frac{\partial a^k}{\partial v^j} = -g^{kl}F_{ijl}v^i.
        """

        return cls(dim, hessian_field(jets), valid, end_map, initial_velocity,
                   metric=lambda x: jets(x, 2)[0])

    @classmethod
    def from_christoffels(cls, christoffels: Callable[[NDArray], NDArray], dim: int,
                          dchristoffels: Callable[[NDArray], NDArray] | None = None,
                          valid: RowMask | None = None, end_map: EndMap | None = None,
                          metric: Callable[[NDArray], NDArray] | None = None,
                          initial_velocity: Callable[[NDArray, NDArray], NDArray] | None
                          = None) -> GeodesicFlow:
        r"""The flow from Christoffel symbols ``gamma[m, k, i, j]`` (batch first, the
        family convention) and their derivatives ``dgamma[m, k, i, j, q] = ∂_q Γ^k_ij``
        (central differences of ``christoffels`` if not given); ``metric`` batch first.

        .. math::

            \frac{\partial a^k}{\partial x^q} = -\partial_q\Gamma^k_{ij}v^iv^j, \qquad
            \frac{\partial a^k}{\partial v^j} = -(\Gamma^k_{ij} + \Gamma^k_{ji})v^i
        """
        metric_cf = None if metric is None else (
            lambda x: np.moveaxis(metric(x.T), 0, -1))
        return cls(dim, christoffel_field(christoffels, dchristoffels), valid, end_map,
                   initial_velocity, metric_cf)

    def in_log_coordinates(self) -> GeodesicFlow:
        r"""The same geodesics in the coordinates :math:`u = \log x` (for positive x).

        With :math:`x = e^u`, :math:`\dot x = x\dot u` and :math:`\ddot x = x(\ddot u +
        \dot u^2)`, so

        .. math::

            \ddot u = a(x, x\dot u)/x - \dot u^2, \qquad
            \delta\ddot u = \frac{\delta a}{x} - \frac{a}{x}\delta u - 2\dot u\,
            \delta\dot u, \quad \delta x = x\,\delta u,\ \delta\dot x = x\,\delta\dot u
            + x\dot u\,\delta u,

        and the metric is :math:`g^{(u)}_{ij} = x_i g_{ij} x_j`. Scale-type coordinates
        (Dirichlet α → cα, a Gamma rate, ψ'(α) ~ 1/α² near α = 0) vary exponentially along
        geodesics; in u they vary linearly, so the integrator takes far fewer steps,
        collocation needs fewer nodes, and the domain x > 0 cannot be left. The
        ``end_map`` and ``initial_velocity`` are not carried over (give them in u).
        """
        metric = self.metric
        # |u| <= 200: e^200 ~ 1e87, far beyond any statistically meaningful parameter, and
        # far from overflow in the polygammas (1/x^4 at x = e^-200 is still finite)
        return GeodesicFlow(self.dim, log_coordinate_field(self.field),
                            valid=lambda u: np.all(np.abs(u) <= 200.0, axis=0),
                            metric=None if metric is None else log_metric(metric))

    # ------------------------------------------------------------------ plumbing
    def _rows(self, with_jacobi: bool) -> Callable[[NDArray], NDArray]:
        """The right-hand side on states ``[x, v, (jx, jv)]`` of shape [n, m]."""
        d = self.dim

        def rhs(state: NDArray) -> NDArray:
            x, v = state[:d], state[d:2 * d]
            if not with_jacobi:
                return np.concatenate([v, self.field(x, v, None)[0]])
            jx = state[2 * d:2 * d + d * d].reshape(d, d, -1)
            jv = state[2 * d + d * d:].reshape(d, d, -1)
            accel, djv = self.field(x, v, (jx, jv))
            if djv is None:  # the FieldFn contract: derivatives whenever probed
                raise TypeError("the geodesic field returned no Jacobi derivatives")
            return np.concatenate([v, accel, state[2 * d + d * d:], djv.reshape(d * d, -1)])

        return rhs

    def _valid_rows(self) -> RowMask | None:
        if self.valid is None:
            return None
        valid, d = self.valid, self.dim
        return lambda state: valid(state[:d])

    def _initial_states(self, x: NDArray, v: NDArray) -> NDArray:
        """States ``[x, v, J = 0, J' = I]`` of shape [n, B] for ``x, v`` of shape [B, d]."""
        batch, d = x.shape
        return np.concatenate([x.T, v.T, np.zeros((d * d, batch)),
                               np.repeat(np.eye(d).reshape(-1, 1), batch, axis=1)])

    def metric_matrix(self, x: NDArray) -> NDArray | None:
        """The metric at ``x [B, d]`` batch first (None without a metric)."""
        if self.metric is None:
            return None
        with np.errstate(all="ignore"):
            return np.moveaxis(self.metric(x.T), -1, 0)

    def _metric_rows(self, x: NDArray) -> NDArray:
        """The metric at ``x [B, d]`` batch first (for flows that have one)."""
        g = self.metric_matrix(x)
        if g is None:
            raise ValueError("this geodesic flow has no metric")
        return g

    @staticmethod
    def _flatten(shape: tuple[int, ...], *arrays: NDArray) -> list[NDArray]:
        return [np.broadcast_to(a, shape).reshape(-1, shape[-1]) for a in arrays]

    # ------------------------------------------------------------------ exp
    def exp(self, v: NDArray, x: NDArray, rtol: float = 1e-12, max_steps: int = 2000,
            ) -> NDArray:
        """``exp_x(v)`` for ``x, v`` of shape [..., dim] (geodesic ODE at t = 1, at most
        ``max_steps`` steps per geodesic).

        Raises
        ------
        GeodesicIntegrationError
            If a geodesic leaves the domain or cannot be integrated before t = 1.
        """
        shape = np.broadcast_shapes(x.shape, v.shape)
        flat_x, flat_v = self._flatten(shape, x, v)
        end, ok, _ = integrate_rows(self._rows(False), np.concatenate([flat_x.T, flat_v.T]),
                                    rtol=rtol, atol=rtol, valid=self._valid_rows(),
                                    max_steps=max_steps)
        _raise_unless(ok)
        return end[:self.dim].T.reshape(shape)

    def path(self, v: NDArray, x: NDArray, t: NDArray, rtol: float = 1e-12,
             max_steps: int = 2000) -> tuple[NDArray, NDArray]:
        """Positions and velocities ``[B, T, dim]`` of the geodesics from ``x [B, dim]``
        with velocity ``v [B, dim]`` at the times ``t [T]`` (any order; negative times
        follow the geodesic backwards); at most ``max_steps`` steps per geodesic."""
        t = np.asarray(t, dtype=float)
        batch, d = x.shape
        pos = np.empty((batch, t.size, d))
        vel = np.empty((batch, t.size, d))
        for sign in (1.0, -1.0):
            pick = np.flatnonzero(sign * t > 0)
            if not pick.size:
                continue
            times, where = np.unique(sign * t[pick], return_inverse=True)
            out, ok, _ = integrate_rows(self._rows(False),
                                        np.concatenate([x.T, sign * v.T]), rtol=rtol,
                                        atol=rtol, valid=self._valid_rows(), stops=times,
                                        max_steps=max_steps)
            _raise_unless(ok)
            pos[:, pick] = np.moveaxis(out[where, :d], -1, 0)
            vel[:, pick] = sign * np.moveaxis(out[where, d:2 * d], -1, 0)
        at_zero = np.flatnonzero(t == 0)
        pos[:, at_zero], vel[:, at_zero] = x[:, None], v[:, None]
        return pos, vel

    def exp_and_jacobian(self, v: NDArray, x: NDArray, rtol: float | NDArray = 1e-12,
                         ) -> tuple[NDArray, NDArray, NDArray]:
        """``(exp_x(v), ∂exp_x(v)/∂v, ok)`` for ``x, v`` of shape [B, dim]; NaN where not ok.

        ``rtol`` (scalar or per pair) is the tolerance of the position and velocity; the
        Jacobi fields ride along with the same steps.
        """
        batch, d = x.shape
        end, ok, _ = integrate_rows(self._rows(True), self._initial_states(x, v), rtol=rtol,
                                    atol=rtol, n_control=2 * d, valid=self._valid_rows())
        jac = np.moveaxis(end[2 * d:2 * d + d * d].reshape(d, d, batch), -1, 0)
        return end[:d].T, jac, ok

    # ------------------------------------------------------------------ log
    def log(self, y: NDArray, x: NDArray, tol: float = 1e-10, max_iter: int = 50,
            v_init: NDArray | None = None, continuation: int = 0) -> NewtonResult:
        """``log_x(y)`` for ``x, y`` of shape [..., dim]: collocation, then shooting for the
        pairs it leaves; the start is ``v_init`` (default ``initial_velocity`` or
        ``y - x``).

        Converged pairs meet ``tol`` in Fisher–Rao units relative to ``1 + length``
        (``residual``). Shooting retries unconverged pairs by continuation, up to
        ``continuation`` levels deep: first solve for the chart midpoint ``(x + y)/2``,
        then shoot for ``y`` from twice that velocity.
        """
        shape = np.broadcast_shapes(x.shape, y.shape)
        flat_x, flat_y = self._flatten(shape, x, y)
        if v_init is not None:
            v0 = np.array(np.broadcast_to(v_init, shape).reshape(-1, self.dim), dtype=float)
        elif self.initial_velocity is not None:
            v0 = np.array(self.initial_velocity(flat_x, flat_y), dtype=float)
        else:
            v0 = self._bent_chord(flat_x, flat_y)
        start = None
        if v_init is None and self.initial_path is not None:
            start = self.initial_path(flat_x, flat_y, chebyshev_nodes(LEVELS[0])[0])
        res = collocation_log(self.field, None if self.metric is None else self._metric_rows,
                              flat_x, flat_y, v0, tol, max_iter, self.valid, start=start)
        if not res.success:
            res = self._shoot_rest(res, flat_x, flat_y, v0, tol, max_iter, continuation)
        return NewtonResult(res.solution.reshape(shape), res.converged.reshape(shape[:-1]),
                            res.residual.reshape(shape[:-1]), res.n_iter, res.message)

    def _bent_chord(self, x: NDArray, y: NDArray, passes: int = 2) -> NDArray:
        r"""Starting velocity of ``log`` without a model: that of the parabola through x
        and y whose constant acceleration is the field's at its midpoint,

        .. math::

            x(t) = x + t\Delta - \tfrac12 t(1 - t)\,a, \qquad
            a = a\big(x(\tfrac12), \dot x(\tfrac12) = \Delta\big), \qquad
            v_0 = \Delta - \tfrac12 a,

        with :math:`\Delta = y - x` and :math:`x(\tfrac12) = (x + y)/2 - a/8`, starting
        from a = 0 (``passes`` evaluations of the field). It is the geodesic to second order
        in its length, so Newton starts an order closer than from the chord; the chord
        where the field cannot be evaluated.
        """
        chord = y - x
        accel = np.zeros_like(chord)
        with np.errstate(all="ignore"):
            for _ in range(passes):
                mid = 0.5 * (x + y) - 0.125 * accel
                accel = self.field(mid.T, chord.T, None)[0].T
        ok = np.all(np.isfinite(accel), axis=-1, keepdims=True)
        return np.where(ok, chord - 0.5 * accel, chord)

    def _shoot_rest(self, res: NewtonResult, x: NDArray, y: NDArray, v0: NDArray,
                    tol: float, max_iter: int, continuation: int) -> NewtonResult:
        """Shoot the pairs collocation left unconverged; keep whichever answer is better."""
        bad = np.flatnonzero(~res.converged)
        start = np.where(np.isfinite(res.residual[bad])[:, None], res.solution[bad], v0[bad])
        return _merge(res, bad, self._shoot_log(x[bad], y[bad], start, tol, max_iter,
                                                continuation))

    def _shoot_log(self, x: NDArray, y: NDArray, v0: NDArray, tol: float, max_iter: int,
                   continuation: int) -> NewtonResult:
        """Shooting, then continuation through midpoints for the pairs it misses."""
        # a pair still unconverged after 20 iterations is better served by continuation
        first = min(max_iter, 20) if continuation > 0 else max_iter
        shot = self._shoot(x, y, v0, tol, first)
        if continuation > 0 and not shot.success:
            shot = self._continue(shot, x, y, v0, tol, max_iter, continuation)
        return shot

    def _shoot(self, x: NDArray, y: NDArray, v: NDArray, tol: float,
               max_iter: int) -> NewtonResult:
        """Newton shooting with the iterations pipelined through the integrator: a pair
        whose geodesic is done takes its Newton step and restarts at once, without
        waiting for the slowest pair of the batch (see ``integrate_rows(on_finish=...)``)."""
        chol_x, chol_y = _cholesky(self.metric_matrix(x)), _cholesky(self.metric_matrix(y))
        newton = _shooting_newton(x, y, np.array(v, dtype=float), tol, max_iter, True, chol_x)
        d = self.dim

        def on_finish(idx: NDArray, states: NDArray, ok: NDArray,
                      ) -> tuple[NDArray, NDArray, NDArray]:
            jac = np.moveaxis(states[2 * d:2 * d + d * d].reshape(d, d, -1), -1, 0)
            res, jac, merit = shooting_terms(y[idx], states[:d].T, jac, ok,
                                             None if chol_y is None else chol_y[idx],
                                             self.end_map)
            again = newton.update(idx, res, jac, ok, merit)
            return again, self._initial_states(x[again], newton.z[again]), newton.rtol[again]

        # A Newton iterate whose geodesic needs hundreds of steps is running off to the
        # boundary: fail it early (the line search then backtracks) instead of grinding.
        integrate_rows(self._rows(True), self._initial_states(x, newton.z), rtol=newton.rtol,
                       atol=newton.rtol, n_control=2 * d, valid=self._valid_rows(),
                       on_finish=on_finish, max_steps=_SHOOTING_MAX_STEPS)
        return newton.result("the shooting Newton iteration")

    def _continue(self, res: NewtonResult, x: NDArray, y: NDArray, v0: NDArray,
                  tol: float, max_iter: int, depth: int) -> NewtonResult:
        """Retry the failed pairs of ``res`` through the chart midpoint."""
        bad = np.flatnonzero(~res.converged)
        half = self._shoot_log(x[bad], 0.5 * (x[bad] + y[bad]), 0.5 * v0[bad], tol, max_iter,
                               depth - 1)
        retry = self._shoot(x[bad], y[bad], 2.0 * half.solution, tol, max_iter)
        merged = _merge(res, bad, retry)
        return NewtonResult(merged.solution, merged.converged, merged.residual,
                            merged.n_iter + half.n_iter, merged.message)


def _merge(res: NewtonResult, idx: NDArray, other: NewtonResult) -> NewtonResult:
    """``res`` with the systems ``idx`` replaced by ``other`` where that is better."""
    better = other.converged | (other.residual < res.residual[idx])
    solution, converged, residual = (res.solution.copy(), res.converged.copy(),
                                     res.residual.copy())
    pick = idx[better]
    solution[pick] = other.solution[better]
    converged[pick] = other.converged[better]
    residual[pick] = other.residual[better]
    message = "converged" if np.all(converged) else other.message
    return NewtonResult(solution, converged, residual, res.n_iter + other.n_iter, message)


def _raise_unless(ok: NDArray) -> None:
    if not np.all(ok):
        raise GeodesicIntegrationError(
            f"geodesic integration failed for {np.sum(~ok)} of {ok.size} geodesics (the "
            "geodesic may leave the parameter domain before t = 1; try a shorter "
            "tangent vector)")
