"""A batched Dormand–Prince 8(5,3) integrator with one adaptive step size per row.

``scipy.integrate.solve_ivp`` integrates one state vector with one step size and an RMS
error norm over *all* components. Stacking ``B`` independent geodesics into that vector
makes every geodesic take the steps of the hardest one and dilutes the error of a bad one
by up to ``sqrt(B * n)``. Here every column ``y[:, b]`` is its own initial value problem
on ``[0, t_end]`` with its own step size and its own error test, while each stage is still
one vectorized call of the right-hand side on all columns that are not finished yet.

States are stored *components first*, ``y[n, B]``: the right-hand side of a geodesic
equation is a handful of tiny (dim × dim) tensor contractions per geodesic, and numpy
does those far faster as elementwise operations on length-``B`` rows (``einsum`` over
``[i, j, B]``) than as ``B`` stacked small matrix products.

Tableau: Hairer, Nørsett & Wanner, *Solving Ordinary Differential Equations I* (1993),
§II.10 (DOP853), taken from scipy's implementation of the same method.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from . import _dop853_tableau as _dop

__all__ = ["integrate_rows"]

_N_STAGES = _dop.N_STAGES
_A = _dop.A[:_N_STAGES, :_N_STAGES]
_B = _dop.B
_C = _dop.C[:_N_STAGES]
_E3 = _dop.E3
_E5 = _dop.E5
_ORDER_EXPONENT = -1.0 / 8.0  # error ~ h^8 for the step-size controller
_SAFETY, _MIN_FACTOR, _MAX_FACTOR = 0.9, 0.2, 10.0

RowRHS = Callable[[NDArray], NDArray]


def _rms(values: NDArray) -> NDArray:
    return np.sqrt(np.mean(values**2, axis=0))


def _initial_step(rhs: RowRHS, y0: NDArray, f0: NDArray, rtol: NDArray, atol: NDArray,
                  n_control: int, t_end: float) -> NDArray:
    """Hairer's starting step, per column (Hairer, Nørsett & Wanner, §II.4)."""
    c = slice(0, n_control)
    scale = atol + np.abs(y0[c]) * rtol
    d0, d1 = _rms(y0[c] / scale), _rms(f0[c] / scale)
    with np.errstate(all="ignore"):  # d1 = 0 at rest: the where() picks the other branch
        h0 = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / d1)
        h0 = np.minimum(h0, t_end)
        f1 = rhs(y0 + h0 * f0)
        d2 = _rms((f1[c] - f0[c]) / scale) / h0
        big = np.maximum(d1, d2)
        h1 = np.where(big <= 1e-15, np.maximum(1e-6, 1e-3 * h0),
                      (0.01 / np.maximum(big, 1e-300)) ** (1.0 / 8.0))
    h1 = np.where(np.isfinite(h1), h1, 1e-6)
    return np.minimum(np.minimum(100 * h0, h1), t_end)


#: ``on_finish(idx [r], y_end [n, r], ok [r]) -> (restart [q], y0 [n, q], rtol [q])``
OnFinish = Callable[[NDArray, NDArray, NDArray], tuple[NDArray, NDArray, NDArray]]


def integrate_rows(rhs: RowRHS, y0: NDArray, t_end: float = 1.0,
                   rtol: float | NDArray = 1e-12, atol: float | NDArray = 1e-12,
                   n_control: int | None = None, valid: Callable[[NDArray], NDArray] | None = None,
                   max_steps: int = 2000, on_finish: OnFinish | None = None,
                   stops: NDArray | None = None,
                   ) -> tuple[NDArray, NDArray, NDArray]:
    r"""Integrate the autonomous systems :math:`\dot y_b = f(y_b)` from 0 to ``t_end``.

    Parameters
    ----------
    rhs : callable
        ``y [n, m] -> dy/dt [n, m]``, applied to any subset of columns.
    y0 : ndarray, shape=[n, B]
    rtol, atol : float or ndarray of shape [B]
        Per-column tolerances: a step is accepted when its error estimate is below
        ``atol + rtol * |y|`` (DOP853 norm over the controlled components).
    n_control : int, optional
        Only the first ``n_control`` components enter the error test (e.g. the position
        and velocity of a geodesic, not the Jacobi fields carried along); all by default.
    valid : callable, optional
        ``y [n, m] -> bool [m]``; a step whose stages leave the valid set is rejected and
        retried with a smaller step, so the right-hand side is never trusted outside it.
    max_steps : int
        Columns still unfinished after this many attempted steps are reported as failed.
    on_finish : callable, optional
        Called with the columns that just finished (or failed, with NaN states) as
        ``on_finish(idx, y_end, ok)``; it returns the columns to integrate again from
        new initial states ``y0`` with tolerance ``rtol`` (and ``atol = rtol``). An
        iterative method (Newton shooting) then runs its iterations without waiting for
        the slowest column, and every right-hand-side call works on a full batch.
    stops : ndarray, shape=[T], optional
        Increasing times in (0, t_end] at which to record every column's state: steps are
        shortened to land on them exactly. Not with ``on_finish``.

    Returns
    -------
    y : ndarray, shape=[n, B] (or [T, n, B] with ``stops``)
        States at ``t_end`` (at each stop) (NaN for failed columns) of each column's last
        run.
    ok : ndarray of bool, shape=[B]
        Whether each column's last run reached ``t_end``.
    n_steps : ndarray of int, shape=[B]
        Attempted steps per column (all runs).
    """
    y = np.array(y0, dtype=float)
    n, batch = y.shape
    with_stops = stops is not None
    stops = np.array([t_end]) if stops is None else np.asarray(stops, dtype=float)
    t_end = float(stops[-1])
    n_control = n if n_control is None else n_control
    rtol = np.array(np.broadcast_to(np.asarray(rtol, dtype=float), (batch,)))
    atol = np.array(np.broadcast_to(np.asarray(atol, dtype=float), (batch,)))
    t = np.zeros(batch)
    ok = np.ones(batch, dtype=bool)
    n_steps = np.zeros(batch, dtype=int)
    run_steps = np.zeros(batch, dtype=int)
    with np.errstate(all="ignore"):
        f = rhs(y)
    h = _initial_step(rhs, y, f, rtol, atol, n_control, t_end)
    h_start = h.copy()
    active = np.arange(batch)
    c = slice(0, n_control)
    out = np.full((len(stops), n, batch), np.nan)
    next_stop = np.zeros(batch, dtype=int)
    while active.size:
        ya, fa, ta = y[:, active], f[:, active], t[active]
        target = stops[next_stop[active]]
        ha = np.minimum(h[active], target - ta)
        clipped = ha < h[active]
        stages = np.empty((_N_STAGES + 1,) + ya.shape)
        stages[0] = fa
        bad = ~np.isfinite(fa).all(axis=0)
        with np.errstate(all="ignore"):
            for s in range(1, _N_STAGES):
                trial = ya + ha * np.tensordot(_A[s, :s], stages[:s], axes=1)
                if valid is not None:
                    bad |= ~valid(trial)
                stages[s] = rhs(trial)
            y_new = ya + ha * np.tensordot(_B, stages[:-1], axes=1)
            if valid is not None:
                bad |= ~valid(y_new)
            stages[-1] = rhs(y_new)
            scale = atol[active] + rtol[active] * np.maximum(np.abs(ya[c]), np.abs(y_new[c]))
            err5 = np.sum((np.tensordot(_E5, stages[:, c], axes=1) / scale) ** 2, axis=0)
            err3 = np.sum((np.tensordot(_E3, stages[:, c], axes=1) / scale) ** 2, axis=0)
            denom = err5 + 0.01 * err3
            err = np.where(denom > 0, ha * err5 / np.sqrt(np.where(denom > 0, denom, 1.0)
                                                            * n_control), 0.0)
            bad |= ~np.isfinite(err) | ~np.isfinite(stages[-1]).all(axis=0)
            err = np.where(bad, np.inf, err)
            factor = np.where(err == 0, _MAX_FACTOR,
                              np.clip(_SAFETY * err**_ORDER_EXPONENT, _MIN_FACTOR, _MAX_FACTOR))
        accept = err < 1.0
        acc = active[accept]
        y[:, acc], f[:, acc] = y_new[:, accept], stages[-1][:, accept]
        t[acc] = ta[accept] + ha[accept]
        # after a rejection never grow the step; a step shortened to land on a stop keeps
        # the step size it had
        h_new = ha * np.where(accept, factor, np.minimum(factor, 1.0))
        h[active] = np.where(accept & clipped, np.maximum(h_new, h[active]), h_new)
        n_steps[active] += 1
        run_steps[active] += 1
        landed = accept & (t[active] >= target * (1 - 1e-14))
        hit = active[landed]
        t[hit] = target[landed]
        out[next_stop[hit], :, hit] = y[:, hit].T
        next_stop[hit] += 1
        finished = next_stop[active] >= len(stops)
        failed = ~finished & ((run_steps[active] >= max_steps)
                              | (h[active] <= 1e-13 * t_end))
        stop = finished | failed
        done = active[stop]
        ok[done] = finished[stop]
        y[:, active[failed]] = np.nan
        active = active[~stop]
        if on_finish is not None and done.size:
            again, y_again, rtol_again = on_finish(done, y[:, done], ok[done])
            if again.size:
                with np.errstate(all="ignore"):
                    f_again = rhs(y_again)
                # reuse the column's last starting step, rescaled to the new tolerance
                h_start[again] *= np.clip((rtol_again / rtol[again]) ** (1.0 / 8.0), 0.1, 1.0)
                y[:, again], f[:, again], rtol[again], atol[again] = (y_again, f_again,
                                                                     rtol_again, rtol_again)
                t[again], h[again], run_steps[again], ok[again] = 0.0, h_start[again], 0, True
                next_stop[again] = 0
                active = np.concatenate([active, again])
    if with_stops:
        return out, ok, n_steps
    return y, ok, n_steps
