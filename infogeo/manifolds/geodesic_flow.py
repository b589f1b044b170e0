r"""Geodesic flows with Jacobi fields, and shooting with exact Jacobians.

The geodesic equation is integrated together with its variational (Jacobi) equation,

.. math::

    \ddot x^k = a^k(x, \dot x) = -\Gamma^k_{ij}\dot x^i \dot x^j, \qquad
    \ddot J = \frac{\partial a}{\partial x} J + \frac{\partial a}{\partial \dot x}\dot J,
    \quad J(0) = 0,\ \dot J(0) = I,

so that :math:`J(1) = \partial \exp_x(v) / \partial v` comes with the endpoint and Newton's
method for the logarithm needs one integration per iteration (instead of ``dim + 1`` with
finite differences, which also cost accuracy). Every geodesic of a batch has its own
adaptive step (:func:`~infogeo.manifolds._batched_rk.integrate_rows`).

Internally arrays are *components first* (``x[d, m]``, ``g[d, d, m]``): see
``_batched_rk`` for why. The public methods take the usual ``[..., dim]`` points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._batched_rk import integrate_rows
from .charts import numeric_jacobian
from .geodesic_solvers import (
    EndMap,
    ExpJacobianFn,
    GeodesicIntegrationError,
    ShootingResult,
)

__all__ = ["GeodesicFlow", "hessian_christoffels", "log_end_map", "shoot_with_jacobian",
           "inv_components_first", "model_initial_velocity", "positive_columns",
           "exp_positive", "log_positive"]

#: ``jets(x [d, ...], order) -> (g [d, d, ...], F3 [d, d, d, ...])`` (order 3) or with
#: ``F4 [d, d, d, d, ...]`` appended (order 4); components first
HessianJets = Callable[[NDArray, int], tuple[NDArray, ...]]
#: ``field(x [d, m], v [d, m], (jx, jv) [d, d, m] or None) -> (a [d, m], dJv [d, d, m])``
FieldFn = Callable[[NDArray, NDArray, tuple[NDArray, NDArray] | None],
                   tuple[NDArray, NDArray | None]]
RowMask = Callable[[NDArray], NDArray]


def inv_components_first(g: NDArray) -> NDArray:
    """Inverse of matrices stored components first, ``g[d, d, ...]``.

    Adjugate formulas for d <= 3 (elementwise over the batch, much faster than LAPACK on
    many tiny matrices); ``numpy.linalg.inv`` otherwise.
    """
    d = g.shape[0]
    if d == 1:
        return 1.0 / g
    if d == 2:
        det = g[0, 0] * g[1, 1] - g[0, 1] * g[1, 0]
        return np.array([[g[1, 1], -g[0, 1]], [-g[1, 0], g[0, 0]]]) / det
    if d == 3:
        cof = np.array([[g[(i + 1) % 3, (j + 1) % 3] * g[(i + 2) % 3, (j + 2) % 3]
                         - g[(i + 1) % 3, (j + 2) % 3] * g[(i + 2) % 3, (j + 1) % 3]
                         for j in range(3)] for i in range(3)])  # cof[i, j] = C_ij
        det = np.einsum("j...,j...->...", g[0], cof[0])
        return np.swapaxes(cof, 0, 1) / det
    return np.moveaxis(np.linalg.inv(np.moveaxis(g, (0, 1), (-2, -1))), (-2, -1), (0, 1))


def hessian_christoffels(metric: NDArray, third: NDArray) -> NDArray:
    r"""Levi-Civita symbols of a Hessian metric :math:`g = \nabla^2 F`.

    .. math::

        \Gamma^k_{ij} = \tfrac12 g^{kl} F_{ijl}, \qquad F_{ijl} = \partial_i\partial_j
        \partial_l F = \partial_l g_{ij}

    (Amari & Nagaoka 2000, §3.4: in the natural chart of an exponential family, and in any
    chart affinely related to it). Batch first: ``metric[..., i, j]``,
    ``third[..., i, j, l] = F_ijl``; returns ``gamma[..., k, i, j]``.
    """
    return 0.5 * np.einsum("...kl,...ijl->...kij", np.linalg.inv(metric), third)


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

        v_0 = (D\phi_x)^{-1} \log^{	ext{model}}_{\phi(x)} \phi(y)

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


def exp_positive(flow_u: GeodesicFlow, v: NDArray, x: NDArray) -> NDArray:
    """``exp_x(v)`` for positive coordinates with a flow in ``u = log x``
    (:meth:`GeodesicFlow.in_log_coordinates`); shapes [..., dim]."""
    return np.exp(flow_u.exp(v / x, np.log(x)))


def log_positive(flow_u: GeodesicFlow, y: NDArray, x: NDArray, tol: float = 1e-10,
                 max_iter: int = 50, guess: Callable[[NDArray, NDArray], NDArray] | None = None,
                 ) -> ShootingResult:
    """``log_x(y)`` by shooting in ``u = log x`` with a flow from
    :meth:`GeodesicFlow.in_log_coordinates`; shapes [..., dim].

    The start is ``guess(x, y)`` (a velocity in x coordinates, flattened [B, dim]) or the
    straight line in u. Convergence and ``residual`` refer to ``log exp_x(v) - log y``:
    the relative error of the endpoint.
    """
    shape = np.broadcast_shapes(x.shape, y.shape)
    x = np.broadcast_to(x, shape)
    w0 = None
    if guess is not None:
        flat_x = x.reshape(-1, shape[-1])
        w0 = (guess(flat_x, np.broadcast_to(y, shape).reshape(-1, shape[-1])) / flat_x
              ).reshape(shape)
    res = flow_u.log(np.log(y), np.log(x), tol, max_iter, v_init=w0)
    return ShootingResult(res.tangent_vec * x, res.converged, res.residual, res.n_iter,
                          res.message)


def positive_columns(x: NDArray) -> NDArray:
    """Domain test for positive coordinates, components first: ``x [d, m] -> bool [m]``."""
    return np.all(x > 0, axis=0)


@dataclass(frozen=True)
class GeodesicFlow:
    r"""The geodesic equation of a metric with its variational (Jacobi) equation.

    Parameters
    ----------
    dim : int
        Dimension of the manifold.
    field : callable
        ``field(x [d, m], v [d, m], (jx, jv) or None) -> (a [d, m], dJv [d, d, m])``,
        components first, with ``dJv = (∂a/∂x) jx + (∂a/∂v) jv`` (``None`` without
        Jacobi fields).
    valid : callable, optional
        ``x [d, m] -> bool [m]``: the parameter domain; integration steps leaving it are
        rejected (so the field is never evaluated outside it in an accepted step).
    end_map : callable, optional
        Coordinate change ``x [B, d] -> (phi(x), dphi/dx)`` in which :meth:`log` measures
        the endpoint residual, e.g. :func:`log_end_map`.
    initial_velocity : callable, optional
        ``(x, y) [B, d] -> v0``: the starting guess of :meth:`log`, e.g. from a model space
        with a closed-form logarithm (:func:`model_initial_velocity`); ``y - x`` by default.

    Build one with :meth:`from_hessian` or :meth:`from_christoffels`.
    """

    dim: int
    field: FieldFn
    valid: RowMask | None = None
    end_map: EndMap | None = None
    initial_velocity: Callable[[NDArray, NDArray], NDArray] | None = None

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

        def field(x: NDArray, v: NDArray, jacobi: tuple[NDArray, NDArray] | None,
                  ) -> tuple[NDArray, NDArray | None]:
            derivs = jets(x, 3 if jacobi is None else 4)
            g_inv = inv_components_first(derivs[0])
            f3v = np.einsum("ijl...,i...->jl...", derivs[1], v)
            gvv = 0.5 * np.einsum("kl...,jl...,j...->k...", g_inv, f3v, v)
            if jacobi is None:
                return -gvv, None
            jx, jv = jacobi
            f4vv = np.einsum("ijlq...,i...,j...->lq...", derivs[2], v, v)
            m_x = 0.5 * f4vv - np.einsum("alq...,a...->lq...", derivs[1], gvv)
            inner = (np.einsum("lq...,qr...->lr...", m_x, jx)
                     + np.einsum("ql...,qr...->lr...", f3v, jv))
            return -gvv, -np.einsum("kl...,lr...->kr...", g_inv, inner)

        return cls(dim, field, valid, end_map, initial_velocity)

    @classmethod
    def from_christoffels(cls, christoffels: Callable[[NDArray], NDArray], dim: int,
                          dchristoffels: Callable[[NDArray], NDArray] | None = None,
                          valid: RowMask | None = None,
                          end_map: EndMap | None = None) -> GeodesicFlow:
        r"""The flow from Christoffel symbols ``gamma[m, k, i, j]`` (batch first, the
        family convention) and their derivatives ``dgamma[m, k, i, j, q] = ∂_q Γ^k_ij``
        (central differences of ``christoffels`` if not given).

        .. math::

            \frac{\partial a^k}{\partial x^q} = -\partial_q\Gamma^k_{ij}v^iv^j, \qquad
            \frac{\partial a^k}{\partial v^j} = -(\Gamma^k_{ij} + \Gamma^k_{ji})v^i
        """
        def field(x: NDArray, v: NDArray, jacobi: tuple[NDArray, NDArray] | None,
                  ) -> tuple[NDArray, NDArray | None]:
            gamma = christoffels(x.T)
            accel = -np.einsum("mkij,im,jm->km", gamma, v, v)
            if jacobi is None:
                return accel, None
            jx, jv = jacobi
            dgamma = (numeric_jacobian(christoffels, x.T) if dchristoffels is None
                      else dchristoffels(x.T))
            m_x = np.einsum("mkijq,im,jm->kqm", dgamma, v, v)
            m_v = np.einsum("mkij,im->kjm", gamma, v) + np.einsum("mkij,jm->kim", gamma, v)
            return accel, -(np.einsum("kqm,qrm->krm", m_x, jx)
                            + np.einsum("kjm,jrm->krm", m_v, jv))

        return cls(dim, field, valid, end_map)

    def in_log_coordinates(self) -> GeodesicFlow:
        r"""The same geodesics in the coordinates :math:`u = \log x` (for positive x).

        With :math:`x = e^u`, :math:`\dot x = x\dot u` and :math:`\ddot x = x(\ddot u +
        \dot u^2)`, so

        .. math::

            \ddot u = a(x, x\dot u)/x - \dot u^2, \qquad
            \delta\ddot u = \frac{\delta a}{x} - \frac{a}{x}\delta u - 2\dot u\,
            \delta\dot u, \quad \delta x = x\,\delta u,\ \delta\dot x = x\,\delta\dot u
            + x\dot u\,\delta u.

        Scale-type coordinates (Dirichlet α → cα, a Gamma rate, ψ'(α) ~ 1/α² near α = 0)
        vary exponentially along geodesics; in u they vary linearly, so the integrator
        takes far fewer steps, and the domain x > 0 cannot be left. The ``end_map`` and
        ``initial_velocity`` are not carried over (give them in u coordinates).
        """
        field = self.field

        def field_u(u: NDArray, w: NDArray, jacobi: tuple[NDArray, NDArray] | None,
                    ) -> tuple[NDArray, NDArray | None]:
            x = np.exp(u)
            v = x * w
            if jacobi is None:
                accel, _ = field(x, v, None)
                return accel / x - w * w, None
            ju, jw = jacobi  # [component, column, batch]
            accel, daccel = field(x, v, (x[:, None] * ju, x[:, None] * jw + v[:, None] * ju))
            a_over_x = accel / x
            return (a_over_x - w * w,
                    daccel / x[:, None] - a_over_x[:, None] * ju - 2 * w[:, None] * jw)

        # |u| <= 200: e^200 ~ 1e87, far beyond any statistically meaningful parameter, and
        # far from overflow in the polygammas (1/x^4 at x = e^-200 is still finite)
        return GeodesicFlow(self.dim, field_u,
                            valid=lambda u: np.all(np.abs(u) <= 200.0, axis=0))

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
            return np.concatenate([v, accel, state[2 * d + d * d:], djv.reshape(d * d, -1)])

        return rhs

    def _valid_rows(self) -> RowMask | None:
        if self.valid is None:
            return None
        valid, d = self.valid, self.dim
        return lambda state: valid(state[:d])

    def exp_and_jacobian(self, v: NDArray, x: NDArray, rtol: float | NDArray = 1e-12,
                         ) -> tuple[NDArray, NDArray, NDArray]:
        """``(exp_x(v), ∂exp_x(v)/∂v, ok)`` for ``x, v`` of shape [B, dim]; NaN where not ok.

        ``rtol`` (scalar or per pair) is the tolerance of the position and velocity; the
        Jacobi fields ride along with the same steps.
        """
        batch, d = x.shape
        state = self._initial_states(x, v)
        end, ok, _ = integrate_rows(self._rows(True), state, rtol=rtol, atol=rtol,
                                    n_control=2 * d, valid=self._valid_rows())
        jac = np.moveaxis(end[2 * d:2 * d + d * d].reshape(d, d, batch), -1, 0)
        return end[:d].T, jac, ok

    def _initial_states(self, x: NDArray, v: NDArray) -> NDArray:
        """States ``[x, v, J = 0, J' = I]`` of shape [n, B] for ``x, v`` of shape [B, d]."""
        batch, d = x.shape
        return np.concatenate([x.T, v.T, np.zeros((d * d, batch)),
                               np.repeat(np.eye(d).reshape(-1, 1), batch, axis=1)])

    def _shoot(self, x: NDArray, y: NDArray, v: NDArray, tol: float,
               max_iter: int) -> ShootingResult:
        """Newton shooting with the iterations pipelined through the integrator: a pair
        whose geodesic is done takes its Newton step and restarts at once, without
        waiting for the slowest pair of the batch (see ``integrate_rows(on_finish=...)``)."""
        newton = _Newton(x, y, v, tol, max_iter, self.end_map)
        d = self.dim

        def on_finish(idx: NDArray, states: NDArray, ok: NDArray,
                      ) -> tuple[NDArray, NDArray, NDArray]:
            jac = np.moveaxis(states[2 * d:2 * d + d * d].reshape(d, d, -1), -1, 0)
            again = newton.update(idx, states[:d].T, jac, ok)
            return again, self._initial_states(x[again], newton.v[again]), newton.rtol[again]

        # A Newton iterate whose geodesic needs hundreds of steps is running off to the
        # boundary: fail it early (the line search then backtracks) instead of grinding.
        integrate_rows(self._rows(True), self._initial_states(x, newton.v), rtol=newton.rtol,
                       atol=newton.rtol, n_control=2 * d, valid=self._valid_rows(),
                       on_finish=on_finish, max_steps=_SHOOTING_MAX_STEPS)
        return newton.result()

    def exp(self, v: NDArray, x: NDArray, rtol: float = 1e-12) -> NDArray:
        """``exp_x(v)`` for ``x, v`` of shape [..., dim] (geodesic ODE at t = 1).

        Raises
        ------
        GeodesicIntegrationError
            If a geodesic leaves the domain or cannot be integrated before t = 1.
        """
        shape = np.broadcast_shapes(x.shape, v.shape)
        flat_x = np.broadcast_to(x, shape).reshape(-1, self.dim)
        flat_v = np.broadcast_to(v, shape).reshape(-1, self.dim)
        end, ok, _ = integrate_rows(self._rows(False), np.concatenate([flat_x.T, flat_v.T]),
                                    rtol=rtol, atol=rtol, valid=self._valid_rows())
        if not np.all(ok):
            raise GeodesicIntegrationError(
                f"geodesic integration failed for {np.sum(~ok)} of {ok.size} geodesics (the "
                "geodesic may leave the parameter domain before t = 1; try a shorter "
                "tangent vector)")
        return end[:self.dim].T.reshape(shape)

    def log(self, y: NDArray, x: NDArray, tol: float = 1e-10, max_iter: int = 50,
            v_init: NDArray | None = None) -> ShootingResult:
        """Shooting with exact Jacobians for ``x, y`` of shape [..., dim]; the initial
        velocity is ``v_init`` (default ``y - x``)."""
        shape = np.broadcast_shapes(x.shape, y.shape)
        flat_x = np.broadcast_to(x, shape).reshape(-1, self.dim)
        flat_y = np.broadcast_to(y, shape).reshape(-1, self.dim)
        if v_init is not None:
            v0 = np.broadcast_to(v_init, shape).reshape(-1, self.dim)
        elif self.initial_velocity is not None:
            v0 = self.initial_velocity(flat_x, flat_y)
        else:
            v0 = flat_y - flat_x
        res = self._shoot(flat_x, flat_y, np.array(v0, dtype=float), tol, max_iter)
        return ShootingResult(res.tangent_vec.reshape(shape), res.converged.reshape(shape[:-1]),
                              res.residual.reshape(shape[:-1]), res.n_iter, res.message)


#: ODE tolerances of the Newton iterations: loose while far from the target, then tight
_LOOSE_RTOL, _FINAL_RTOL = 1e-5, 1e-12
#: integration steps allowed per Newton evaluation (well-behaved geodesics need 5-40)
_SHOOTING_MAX_STEPS = 300


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
