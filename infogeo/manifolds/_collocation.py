r"""The geodesic boundary-value problem by Chebyshev collocation.

The logarithm :math:`\log_a b` is the initial velocity of the geodesic with
:math:`x(0) = a`, :math:`x(1) = b`. Represent the geodesic by its values at the
Chebyshev–Lobatto nodes :math:`t_j = (1 - \cos(\pi j/N))/2`, differentiate with the
spectral matrices :math:`D`, :math:`D^2` (Trefethen, *Spectral Methods in MATLAB*, 2000,
ch. 6) and ask the geodesic equation at the interior nodes:

.. math::

    R_j = (D^2X)_j - a\big(X_j, (DX)_j\big) = 0, \quad j = 1..N-1, \qquad
    \frac{\partial R_j}{\partial X_k} = D^2_{jk} - \frac{\partial a}{\partial x}\delta_{jk}
    - \frac{\partial a}{\partial \dot x} D_{jk},

with :math:`a(x, \dot x) = -\Gamma(\dot x, \dot x)`, solved by the one Newton loop
(:class:`~infogeo.manifolds._newton.DampedNewton`). The acceleration and its partial
derivatives are those of the flow's Jacobi equation, evaluated at all nodes in one call:
where shooting integrates a few hundred sequential stages, collocation evaluates the
field a handful of times on all nodes at once, which is what makes a single ``log``
take about a millisecond in numpy.

Geodesics are analytic, so the Chebyshev coefficients of the solution decay geometrically;
the size of the last ones, measured in Fisher–Rao units at the end point, is the error
estimate. A pair whose estimate is above tolerance is solved again on twice as many nodes
(starting from its interpolated solution); one that still fails after the last level is
reported unconverged (the engine then shoots it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ._newton import DampedNewton, NewtonResult, newton_solve

__all__ = ["collocation_log", "chebyshev_nodes"]

#: ``field(x [d, m], v [d, m], (jx, jv) [d, r, m]) -> (a [d, m], (∂a/∂x) jx + (∂a/∂v) jv)``
Field = Callable[[NDArray, NDArray, tuple[NDArray, NDArray] | None],
                 tuple[NDArray, NDArray | None]]
#: ``metric(x [B, d]) -> g [B, d, d]`` (batch first)
Metric = Callable[[NDArray], NDArray]

#: node counts tried in turn (a pair moves on while its coefficient tail is too large)
LEVELS = (16, 32, 64)
_TAIL = 3  # trailing Chebyshev coefficients that make the error estimate


@lru_cache(maxsize=8)
def chebyshev_nodes(n: int) -> tuple[NDArray, NDArray, NDArray]:
    r"""``(t [n+1], D [n+1, n+1], D² )`` on [0, 1]: Lobatto nodes from t = 0 to t = 1 and
    the spectral differentiation matrices (Trefethen 2000, ``cheb.m``, with the
    negative-sum trick for the diagonal)."""
    j = np.arange(n + 1)
    s = np.cos(np.pi * j / n)
    c = np.where((j == 0) | (j == n), 2.0, 1.0) * (-1.0) ** j
    diff = s[:, None] - s[None, :]
    d = np.outer(c, 1.0 / c) / (diff + np.eye(n + 1))
    d -= np.diag(d.sum(axis=1))
    d *= -2.0  # t = (1 - s)/2
    return (1.0 - s) / 2.0, d, d @ d


def _coefficients(values: NDArray) -> NDArray:
    """Chebyshev coefficients along axis 1 of values at the Lobatto nodes (an FFT-free
    cosine transform: N is at most 64)."""
    n = values.shape[1] - 1
    j = np.arange(n + 1)
    w = np.where((j == 0) | (j == n), 0.5, 1.0)
    cos = np.cos(np.pi * np.outer(j, j) / n) * w[None, :] * (2.0 / n)
    coef = np.einsum("kj,pjb->pkb", cos, values)
    coef[:, 0] *= 0.5
    coef[:, n] *= 0.5
    return coef


def _resample(values: NDArray, n_new: int) -> NDArray:
    """Values at the Lobatto nodes of ``n_new`` from values on another Lobatto grid."""
    coef = _coefficients(values)
    theta = np.pi * np.arange(n_new + 1) / n_new
    basis = np.cos(np.outer(theta, np.arange(coef.shape[1])))  # T_k(s_j), s = cos θ
    return np.einsum("jk,pkb->pjb", basis, coef)


def _initial_path(x: NDArray, y: NDArray, v0: NDArray, t: NDArray) -> NDArray:
    """``x + t(y - x) + t(1 - t)(v0 - (y - x))``: through both ends with velocity v0 at
    t = 0; components first [d, N+1, B]."""
    tt = t[None, :, None]
    chord = (y - x).T[:, None, :]
    return x.T[:, None, :] + tt * chord + tt * (1 - tt) * (v0.T[:, None, :] - chord)


def _solve_level(field: Field, nodes: NDArray, tol: float, max_iter: int,
                 valid: Callable[[NDArray], NDArray] | None) -> tuple[NDArray, DampedNewton]:
    """Newton on the collocation equations for paths ``nodes [d, N+1, B]`` (ends fixed)."""
    d, n1, batch = nodes.shape
    n = n1 - 2
    _, dmat, d2mat = chebyshev_nodes(n1 - 1)
    d_in, d2_in = dmat[1:-1, 1:-1], d2mat[1:-1, 1:-1]
    eye = np.eye(d)
    lin = (d2_in[:, None, :, None] * eye[None, :, None, :]).reshape(n * d, n * d)
    probes = np.concatenate([np.eye(d), np.zeros((d, d))], axis=1), \
        np.concatenate([np.zeros((d, d)), np.eye(d)], axis=1)
    ends = nodes[:, [0, -1]]
    diag = np.arange(n)

    def full(idx: NDArray, z: NDArray) -> NDArray:
        inner = z.reshape(len(idx), n, d).transpose(2, 1, 0)
        return np.concatenate([ends[:, :1, idx], inner, ends[:, 1:, idx]], axis=1)

    def evaluate(idx: NDArray, z: NDArray, _rtol: NDArray):  # noqa: ANN202
        paths = full(idx, z)
        m = len(idx) * n
        xi = paths[:, 1:-1].reshape(d, m)
        vi = np.einsum("jk,pkb->pjb", dmat[1:-1], paths).reshape(d, m)
        acc = np.einsum("jk,pkb->pjb", d2mat[1:-1], paths).reshape(d, m)
        with np.errstate(all="ignore"):
            accel, partial = field(xi, vi, (np.broadcast_to(probes[0][:, :, None],
                                                            (d, 2 * d, m)),
                                            np.broadcast_to(probes[1][:, :, None],
                                                            (d, 2 * d, m))))
            res = -(acc - accel).reshape(d, n, len(idx)).transpose(2, 1, 0).reshape(
                len(idx), n * d)
            a_x = partial[:, :d].reshape(d, d, n, len(idx)).transpose(3, 2, 0, 1)
            a_v = partial[:, d:].reshape(d, d, n, len(idx)).transpose(3, 2, 0, 1)
            jac = np.broadcast_to(lin, (len(idx), n * d, n * d)).reshape(
                len(idx), n, d, n, d).copy()
            jac -= a_v[:, :, :, None, :] * d_in[None, :, None, :, None]
            jac[:, diag, :, diag, :] -= a_x.transpose(1, 0, 2, 3)
            ok = np.ones(len(idx), dtype=bool)
            if valid is not None:
                ok = valid(xi).reshape(n, len(idx)).all(axis=0)
            merit = np.max(np.abs(res), axis=-1)
        return res, jac.reshape(len(idx), n * d, n * d), ok, merit, None

    z0 = nodes[:, 1:-1].transpose(2, 1, 0).reshape(batch, n * d)
    scale = 1.0 + np.max(np.abs(nodes), axis=(0, 1))

    def step_error(idx: NDArray, step: NDArray) -> NDArray:
        return np.max(np.abs(step), axis=-1) / scale[idx]

    # the Newton tolerance is tight: Newton converges quadratically, so over-solving costs
    # at most one iteration, and the error estimate below then measures discretization only
    newton = newton_solve(evaluate, DampedNewton(z0, min(tol, 1e-13), max_iter,
                                                 step_error=step_error))
    return full(np.arange(batch), newton.z), newton


def collocation_log(field: Field, metric: Metric | None, x: NDArray, y: NDArray,
                    v0: NDArray, tol: float = 1e-10, max_iter: int = 30,
                    valid: Callable[[NDArray], NDArray] | None = None,
                    levels: tuple[int, ...] = LEVELS) -> NewtonResult:
    r"""``log_x(y)`` for ``x, y [B, d]`` by collocation, starting from the path with
    initial velocity ``v0``.

    Converged pairs have a coefficient-tail estimate :math:`\|c_{N-2..N}\|_{g(y)} \le`
    ``tol`` :math:`\cdot (1 + L)` (L the geodesic's length), which is also the
    ``residual`` reported (in Fisher–Rao units when ``metric`` is given, else relative
    to ``1 + max |y|``); the velocity is :math:`(DX)_0`.
    """
    batch, d = x.shape
    v = np.array(v0, dtype=float)
    converged = np.zeros(batch, dtype=bool)
    residual = np.full(batch, np.inf)
    n_iter, message = 0, "converged"
    todo = np.arange(batch)
    paths = _initial_path(x, y, v, chebyshev_nodes(levels[0])[0])
    g_y = None if metric is None else metric(y)
    for level, n in enumerate(levels):
        if level:
            paths = _resample(paths, n)
        paths, newton = _solve_level(field, paths, tol, max_iter, valid)
        n_iter += int(newton.n_iter.max(initial=0))
        solved = newton.converged
        coef = _coefficients(paths)
        tail = np.max(np.abs(coef[:, -_TAIL:]), axis=1).T  # [b, d]
        vel = np.einsum("k,pkb->bp", chebyshev_nodes(n)[1][0], paths)
        if g_y is None:
            err = np.max(np.abs(tail), axis=-1) / (1.0 + np.max(np.abs(y[todo]), axis=-1))
        else:
            g = g_y[todo]
            length = np.sqrt(np.abs(np.einsum("bi,bij,bj->b", vel, metric(x[todo]), vel)))
            err = np.sqrt(np.abs(np.einsum("bi,bij,bj->b", tail, g, tail))) / (1.0 + length)
        good = solved & (err <= tol)
        v[todo[solved]] = vel[solved]
        residual[todo] = np.where(solved, err, np.inf)
        converged[todo[good]] = True
        if not np.all(solved):
            message = newton.result("the collocation Newton iteration").message
        keep = solved & ~good  # only a too-coarse grid earns a finer one
        todo, paths = todo[keep], paths[:, :, keep]
        if not todo.size:
            break
    else:
        message = (f"the geodesic needs more than {levels[-1]} Chebyshev nodes (estimated "
                   f"error {np.max(residual[~converged]):.2g})")
    if np.all(converged):
        message = "converged"
    return NewtonResult(v, converged, residual, n_iter, message)
