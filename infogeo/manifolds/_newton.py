r"""The one Newton loop of the manifolds layer, and its result type.

Every iterative solve of the numeric manifolds is a batch of independent square systems
:math:`F_b(z_b) = t_b`: shooting (:math:`\exp_x(v) = y`), the collocation equations of a
geodesic boundary-value problem, and the inversion :math:`\nabla\psi(\theta) = \eta` of an
exponential family. :class:`DampedNewton` holds the per-system state of Newton's method

.. math::

    z \leftarrow z + J^{-1}(t - F(z)), \qquad J = \partial F/\partial z,

with a backtracking line search (a step that does not reduce the merit is halved back
towards the last accepted iterate, at no extra cost: the next Jacobian is evaluated at the
backtracked point anyway), an optional trust region on the step, and an optional schedule
of evaluation tolerances for evaluations that are themselves approximate (ODE
integrations): loose while far from the solution, tight at the end. Systems leave the
batch as soon as they converge. The caller evaluates; the loop decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["NewtonResult", "DampedNewton", "newton_solve", "solve_steps",
           "LOOSE_RTOL", "FINAL_RTOL"]

#: evaluation tolerances of approximate evaluations: loose while far, then tight
LOOSE_RTOL, FINAL_RTOL = 1e-5, 1e-12


@dataclass(frozen=True)
class NewtonResult:
    """Outcome of an iterative solve (shooting, collocation, inversion), per system.

    Attributes
    ----------
    solution : ndarray, shape=[..., n]
        The solution found (the last accepted iterate where not converged). Also readable
        as ``tangent_vec`` (logarithms) and ``natural`` (exponential-family inversion).
    converged : ndarray of bool, shape=[...]
        Whether each system met its tolerance.
    residual : ndarray, shape=[...]
        The final error measure of each system (see the solver that produced it).
    n_iter : int
        Newton iterations used (the largest over the batch).
    message : str
        Why the iteration stopped.
    """

    solution: NDArray
    converged: NDArray
    residual: NDArray
    n_iter: int
    message: str

    @property
    def success(self) -> bool:
        """True if every system converged."""
        return bool(np.all(self.converged))

    @property
    def tangent_vec(self) -> NDArray:
        """The solution of a logarithm: the initial velocity of the geodesic."""
        return self.solution

    @property
    def natural(self) -> NDArray:
        """The solution of an exponential-family inversion: natural parameters."""
        return self.solution


def solve_steps(jac: NDArray, res: NDArray) -> NDArray:
    """``J⁻¹ r`` per system (least squares where J is singular)."""
    try:
        return np.linalg.solve(jac, res[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.lstsq(j, r, rcond=None)[0]
                         for j, r in zip(jac, res, strict=True)]).reshape(res.shape)


class DampedNewton:
    r"""Per-system state of a damped Newton iteration on a batch ``z [B, n]``.

    Parameters
    ----------
    z0 : ndarray, shape=[B, n]
        Starting iterates.
    tol : float
        A system converges when its ``error`` (given to :meth:`update`, or the step norm
        from ``step_error``) is at most ``tol`` on an evaluation at the final tolerance.
    max_iter : int
        Evaluations allowed per system.
    radius : callable, optional
        ``radius(idx, z) -> [r]``: largest 2-norm of one step (trust region).
    step_error : callable, optional
        ``step_error(idx, step) -> [r]``: the error measure of an accepted evaluation from
        its Newton step, for systems whose residual has no natural scale (collocation).
    approximate : bool
        Evaluations carry a tolerance ``self.rtol`` (ODE integrations): it starts at
        ``LOOSE_RTOL`` and follows :math:`10^{-4}\,\mathrm{err}^2` (Newton about squares
        the error, so a tighter evaluation would be wasted) down to ``FINAL_RTOL``; only an
        evaluation at ``FINAL_RTOL`` can converge. Exact evaluations otherwise.
    backtrack_to : ndarray, shape=[B, n], optional
        The iterate to backtrack towards before any evaluation was accepted (``z0`` by
        default: then a first evaluation that fails stalls; zeros for shooting, where
        ``exp_x(0) = x`` always exists).
    quadratic : bool
        Newton converges quadratically near the solution, :math:`e_{k+1} \approx C e_k^2`:
        with :math:`C` estimated from the last two errors, a system whose next error (that
        of the step just applied) is predicted below ``tol / 100`` stops without an
        evaluation only to confirm it (once its error is below 1e-6, deep in the quadratic
        regime). For exact evaluations.
    floor : float, optional
        Round-off floor: a system whose last accepted error is at most ``floor`` and whose
        next evaluation no longer decreases the merit has converged as far as the
        arithmetic allows, and stops there (converged, at the new iterate if it could be
        evaluated) instead of backtracking.

    The Newton step computed on the converging evaluation is applied too: it costs nothing
    and removes the last residual, so the answer is accurate to the evaluation, not just
    to ``tol``.
    """

    def __init__(self, z0: NDArray, tol: float, max_iter: int,
                 radius: Callable[[NDArray, NDArray], NDArray] | None = None,
                 step_error: Callable[[NDArray, NDArray], NDArray] | None = None,
                 approximate: bool = False, backtrack_to: NDArray | None = None,
                 floor: float | None = None, quadratic: bool = False) -> None:
        batch = len(z0)
        self.z = np.array(z0, dtype=float)
        self.z_prev = self.z.copy() if backtrack_to is None else np.array(backtrack_to,
                                                                           dtype=float)
        self.tol, self.max_iter, self.floor = tol, max_iter, floor
        self.quadratic = quadratic
        self.radius, self.step_error = radius, step_error
        self.error = np.full(batch, np.inf)
        self.merit_prev = np.full(batch, np.inf)
        self.converged = np.zeros(batch, dtype=bool)
        self.stuck = np.zeros(batch, dtype=bool)
        self.n_iter = np.zeros(batch, dtype=int)
        self.rtol = np.full(batch, LOOSE_RTOL if approximate else FINAL_RTOL)

    def update(self, idx: NDArray, res: NDArray, jac: NDArray, ok: NDArray,
               merit: NDArray, error: NDArray | None = None) -> NDArray:
        """Take the evaluation at ``self.z[idx]``: residual ``res = t - F(z)`` [r, n],
        Jacobian ``jac = ∂F/∂z`` [r, n, n], ``ok`` [r] (False: the evaluation failed),
        the ``merit`` [r] that a step must decrease and the convergence ``error`` [r]
        (or ``step_error``). Returns the systems that need another evaluation."""
        z = self.z
        self.n_iter[idx] += 1
        with np.errstate(all="ignore"):
            finite = (ok & np.all(np.isfinite(jac), axis=(-1, -2))
                      & np.all(np.isfinite(res), axis=-1) & np.isfinite(merit))
            err = np.full(len(idx), np.inf) if error is None else error
            good = finite & ((merit < self.merit_prev[idx]) | (err <= self.tol))
        back = idx[~good]
        if back.size:
            self._backtrack(back, finite[~good])
        acc = idx[good]
        step = solve_steps(jac[good], res[good])
        if self.radius is not None:
            limit = self.radius(acc, z[acc])
            norm = np.linalg.norm(step, axis=-1)
            step *= np.minimum(1.0, limit / np.maximum(norm, 1e-300))[:, None]
        if self.step_error is not None:
            err = self.step_error(acc, step)
        else:
            err = err[good]
        done = err <= self.tol
        if self.quadratic:
            with np.errstate(all="ignore"):
                prev = self.error[acc]
                rate = err / prev**2  # C of e_k = C e_{k-1}^2
                # only deep in the quadratic regime, and with a margin of 100 on C
                done |= np.isfinite(prev) & (err <= 1e-6) & (100 * rate * err**2 <= self.tol)
        self.error[acc] = err
        self.converged[acc] = (self.rtol[acc] <= FINAL_RTOL) & done
        self.z_prev[acc], self.merit_prev[acc] = z[acc], merit[good]
        z[acc] += step
        with np.errstate(all="ignore"):
            self.rtol[acc] = np.clip(1e-4 * np.minimum(merit[good], err) ** 2, FINAL_RTOL,
                                     np.maximum(self.rtol[acc], FINAL_RTOL))
        return idx[~self.converged[idx] & ~self.stuck[idx] & (self.n_iter[idx] < self.max_iter)]

    def _backtrack(self, back: NDArray, finite: NDArray) -> None:
        """Systems ``back`` whose evaluation did not decrease the merit (``finite``: it
        could be evaluated): converged at the round-off floor, else halved back."""
        z = self.z
        if self.floor is not None:
            # the last step was predicted below the floor: the iterate it gave is as good
            # as the arithmetic allows (keep it if it could be evaluated)
            at_floor = (self.error[back] <= self.floor) & (self.rtol[back] <= FINAL_RTOL)
            done = back[at_floor]
            failed = done[~finite[at_floor]]
            z[failed] = self.z_prev[failed]
            self.converged[done] = True
            back = back[~at_floor]
        z[back] = 0.5 * (z[back] + self.z_prev[back])
        tiny = np.max(np.abs(z[back] - self.z_prev[back]), axis=-1) <= 1e-14 * (
            1.0 + np.max(np.abs(self.z_prev[back]), axis=-1))
        self.stuck[back[tiny]] = True

    def result(self, what: str = "the Newton iteration") -> NewtonResult:
        """The outcome: converged systems at their final iterate, others at their last
        accepted one, with a message saying why the iteration stopped."""
        converged = self.converged
        message = "converged"
        if not np.all(converged):
            if np.any((self.n_iter >= self.max_iter) & ~converged):
                message = f"no convergence after {self.max_iter} Newton iterations"
            elif np.any(self.stuck & ~converged):
                message = (f"{what} stalled: the residual could not be evaluated or "
                           "stopped decreasing")
            else:
                message = "some systems did not converge"
        z = np.where(converged[:, None], self.z, self.z_prev)
        return NewtonResult(z, converged.copy(), self.error.copy(),
                            int(self.n_iter.max(initial=0)), message)


#: ``evaluate(idx, z [r, n], rtol [r]) -> (res [r, n], jac [r, n, n], ok [r], merit [r],
#: error [r] or None)``
Evaluate = Callable[[NDArray, NDArray, NDArray],
                    tuple[NDArray, NDArray, NDArray, NDArray, NDArray | None]]


def newton_solve(evaluate: Evaluate, newton: DampedNewton) -> DampedNewton:
    """Run ``newton`` to the end with one batched ``evaluate`` call per iteration on the
    systems still active."""
    active = np.arange(len(newton.z))
    while active.size:
        res, jac, ok, merit, error = evaluate(active, newton.z[active], newton.rtol[active])
        active = newton.update(active, res, jac, ok, merit, error)
    return newton
