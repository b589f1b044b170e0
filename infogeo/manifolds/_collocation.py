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
the size of the last ones times N² (the initial velocity :math:`(DX)_0` sees the
coefficient :math:`c_k` through :math:`T_k'(1) = k^2`), measured in Fisher–Rao units at
the end point, is the error estimate. A pair whose estimate is above tolerance is solved
again on twice as many nodes (starting from its interpolated solution); one that still
fails after the last level is reported unconverged (the engine then shoots it).
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
LEVELS = (24, 48, 96, 192)
_TAIL = 3  # trailing Chebyshev coefficients that make the error estimate
_STAGE_ITER = 12  # Newton iterations of one continuation stage
_CONTINUATION_NODES = 48  # continuation only on the cheap levels
_LEVEL_ITER = 25  # Newton iterations of one level


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
                 valid: Callable[[NDArray], NDArray] | None,
                 norm: Callable[[NDArray, NDArray], NDArray]) -> tuple[NDArray, NDArray, int]:
    """Newton on the collocation equations for paths ``nodes [d, N+1, B]`` (ends fixed).

    Returns the paths, which systems are solved and the iterations used. The Newton error
    is the step measured by ``norm(idx, step [r, N-1, d])`` (Fisher–Rao units relative to
    the length); it must fall below ``tol / 100``, or below ``tol`` when the iteration
    stalls at round-off.
    """
    d, n1, batch = nodes.shape
    n = n1 - 2
    _, dmat, d2mat = chebyshev_nodes(n1 - 1)
    d_in = dmat[1:-1, 1:-1]
    lin = d2mat[1:-1, 1:-1][:, None, :, None] * np.eye(d)[None, :, None, :]  # [n, d, n, d]
    zero, eye = np.zeros((d, d)), np.eye(d)
    probes = (np.concatenate([eye, zero], axis=1)[:, :, None],
              np.concatenate([zero, eye], axis=1)[:, :, None])
    ends = nodes[:, [0, -1]]
    diag = np.arange(n)

    def full(idx: NDArray, z: NDArray) -> NDArray:
        inner = z.reshape(len(idx), n, d).transpose(2, 1, 0)
        return np.concatenate([ends[:, :1, idx], inner, ends[:, 1:, idx]], axis=1)

    def evaluate(idx: NDArray, z: NDArray, _rtol: NDArray):  # noqa: ANN202
        paths, r = full(idx, z), len(idx)
        m = r * n
        xi = paths[:, 1:-1].reshape(d, m)
        vi = np.einsum("jk,pkb->pjb", dmat[1:-1], paths).reshape(d, m)
        acc = np.einsum("jk,pkb->pjb", d2mat[1:-1], paths).reshape(d, m)
        with np.errstate(all="ignore"):
            accel, partial = field(xi, vi, (np.broadcast_to(probes[0], (d, 2 * d, m)),
                                            np.broadcast_to(probes[1], (d, 2 * d, m))))
            if partial is None:  # a field must return its derivatives when probed
                raise TypeError("field returned no derivatives for the given probes")
            res = (accel - acc).reshape(d, n, r).transpose(2, 1, 0).reshape(r, n * d)
            a_x = partial[:, :d].reshape(d, d, n, r).transpose(3, 2, 0, 1)  # [b, j, p, q]
            a_v = partial[:, d:].reshape(d, d, n, r).transpose(3, 2, 0, 1)
            jac = lin - a_v[:, :, :, None, :] * d_in[None, :, None, :, None]
            jac[:, diag, :, diag, :] -= a_x.transpose(1, 0, 2, 3)
            ok = np.ones(r, dtype=bool) if valid is None else valid(xi).reshape(n, r).all(0)
            merit = np.max(np.abs(res), axis=-1)
        return res, jac.reshape(r, n * d, n * d), ok, merit, None

    newton = newton_solve(evaluate, DampedNewton(
        nodes[:, 1:-1].transpose(2, 1, 0).reshape(batch, n * d), 0.01 * tol, max_iter,
        step_error=lambda idx, step: norm(idx, step.reshape(len(idx), n, d)), floor=tol,
        quadratic=True))
    solved = newton.converged
    return full(np.arange(batch), newton.z), solved, int(newton.n_iter.max(initial=0))


def _restricted(norm: Callable[[NDArray, NDArray], NDArray],
                subset: NDArray) -> Callable[[NDArray, NDArray], NDArray]:
    """``norm`` for a sub-batch: index ``i`` of the sub-batch is ``subset[i]`` overall."""
    return lambda i, w: norm(subset[i], w)


def _continuation(field: Field, paths: NDArray, tol: float, max_iter: int,
                  valid: Callable[[NDArray], NDArray] | None,
                  norm: Callable[[NDArray, NDArray], NDArray]) -> tuple[NDArray, NDArray, int]:
    """Reach the far end of ``paths`` through the targets ``x + s (y - x)``: from the
    constant path (s = 0), each solved stage starts the next one with the end moved
    (``X + t Δy``); the step in s doubles after a success and halves after a failure
    (down to 1/16). A stage starts close to its solution, so Newton gets few iterations.
    """
    start, target = paths[:, :1], paths[:, -1:]
    t = chebyshev_nodes(paths.shape[1] - 1)[0][None, :, None]
    batch = paths.shape[2]
    done, step = np.zeros(batch), np.full(batch, 0.25)
    current = np.broadcast_to(start, paths.shape).copy()
    n_iter = 0
    active = np.arange(batch)
    while active.size:
        s_new = np.minimum(1.0, done[active] + step[active])
        shift = (s_new - done[active]) * (target - start)[:, :, active]
        trial, solved, used = _solve_level(field, current[:, :, active] + t * shift, tol,
                                           min(max_iter, _STAGE_ITER), valid,
                                           _restricted(norm, active))
        n_iter += used
        win = active[solved]
        current[:, :, win], done[win] = trial[:, :, solved], s_new[solved]
        step[win] *= 2.0
        step[active[~solved]] *= 0.5
        active = active[(done[active] < 1.0) & (step[active] >= 1.0 / 16)]
    return current, done >= 1.0, n_iter


def collocation_log(field: Field, metric: Metric | None, x: NDArray, y: NDArray,
                    v0: NDArray, tol: float = 1e-10, max_iter: int = 30,
                    valid: Callable[[NDArray], NDArray] | None = None,
                    levels: tuple[int, ...] = LEVELS, start: NDArray | None = None,
                    ) -> NewtonResult:
    r"""``log_x(y)`` for ``x, y [B, d]`` by collocation, starting from ``start`` (the path
    at the nodes of the first level, ``[B, N+1, d]``) or the path with initial velocity
    ``v0``.

    At each level (number of nodes): Newton from the start path; on the first, cheap
    levels the pairs it does not solve by continuation in the end point
    (:func:`_continuation`); solved pairs whose
    coefficient tail :math:`N^2\|c_{N-2..N}\|_{g(y)} / (1 + L)` (L the length) exceeds
    ``tol`` go on to the next level from their interpolated solution, unsolved ones from
    the start path. Converged pairs report that estimate as ``residual`` (in Fisher–Rao
    units when ``metric`` is given, else relative to ``1 + max |y|``); the velocity is
    :math:`(DX)_0`.
    """
    batch, d = x.shape
    v = np.array(v0, dtype=float)
    converged = np.zeros(batch, dtype=bool)
    residual = np.full(batch, np.inf)
    if metric is None:
        chol_y, chol_x = None, None
    else:
        with np.errstate(all="ignore"):
            g_yx = metric(np.concatenate([y, x]))  # one evaluation for both ends
        ok = np.all(np.isfinite(g_yx), axis=(1, 2))
        ok = ok[:batch] & ok[batch:]
        chol = np.linalg.cholesky(np.where(np.concatenate([ok, ok])[:, None, None], g_yx,
                                           np.eye(d)))
        chol_y, chol_x = chol[:batch], chol[batch:]
    scale = 1.0 + (np.max(np.abs(y), axis=-1) if chol_x is None
                   else np.linalg.norm(np.einsum("bji,bj->bi", chol_x, v), axis=-1))

    def norm(idx: NDArray, w: NDArray) -> NDArray:
        """Largest size of the vectors ``w [r, ..., d]`` of pairs ``idx``, relative."""
        if not len(idx):
            return np.zeros(0)
        if chol_y is None:
            size = np.max(np.abs(w.reshape(len(idx), -1)), axis=-1)
        else:
            size = np.linalg.norm(np.einsum("bji,b...j->b...i", chol_y[idx], w), axis=-1)
            size = size.reshape(len(idx), -1).max(axis=-1)
        return size / scale[idx]

    n_iter, message = 0, "converged"
    same = np.all(x == y, axis=-1)  # log_x(x) = 0 exactly
    v[same], residual[same], converged[same] = 0.0, 0.0, True
    todo = np.flatnonzero(~same)
    starts = (_initial_path(x, y, v, chebyshev_nodes(levels[0])[0]) if start is None
              else np.transpose(start, (2, 1, 0)).copy())
    paths = starts[:, :, todo]
    for level, n in enumerate(levels):
        if not todo.size:
            break
        if level:
            paths = _resample(paths, n)
        # Newton either converges within ~10 iterations of a level's start or not at all
        paths, solved, used = _solve_level(field, paths, tol, min(max_iter, _LEVEL_ITER),
                                           valid, _restricted(norm, todo))
        n_iter += used
        if not np.all(solved) and max_iter > 1 and n <= _CONTINUATION_NODES:
            lost = np.flatnonzero(~solved)
            again, fixed, used = _continuation(field, paths[:, :, lost], tol, max_iter,
                                               valid, _restricted(norm, todo[lost]))
            paths[:, :, lost[fixed]] = again[:, :, fixed]
            solved[lost[fixed]], n_iter = True, n_iter + used
        vel = np.einsum("k,pkb->bp", chebyshev_nodes(n)[1][0], paths)
        scale[todo[solved]] = 1.0 + (np.max(np.abs(y[todo[solved]]), axis=-1)
                                     if chol_x is None else np.linalg.norm(np.einsum(
                                         "bji,bj->bi", chol_x[todo[solved]], vel[solved]),
                                         axis=-1))
        # the velocity (DX)_0 sees a coefficient c_k through T_k'(1) = k^2
        tail = n**2 * np.max(np.abs(_coefficients(paths)[:, -_TAIL:]), axis=1).T  # [b, d]
        err = np.where(solved, norm(todo, tail[:, None, :]), np.inf)
        good = solved & (err <= tol)
        v[todo[solved]] = vel[solved]
        residual[todo] = err
        converged[todo[good]] = True
        if not np.all(solved):
            message = f"collocation: no solution on {n} nodes"
        # a coarse solution earns a finer grid; a failed solve another try on it only
        # when the caller's budget allows a full solve per level
        keep = ~good & (solved | (max_iter >= _LEVEL_ITER))
        todo, paths = todo[keep], paths[:, :, keep]
        if not todo.size:
            break
        # a pair that failed starts again from its start path, resampled below
        unsolved = ~solved[keep]
        paths[:, :, unsolved] = _resample(starts, n)[:, :, todo[unsolved]]
    else:
        message = (f"collocation: the geodesic needs more than {levels[-1]} Chebyshev "
                   f"nodes (estimated error {np.min(residual[~converged]):.2g})")
    if np.all(converged):
        message = "converged"
    return NewtonResult(v, converged, residual, n_iter, message)
