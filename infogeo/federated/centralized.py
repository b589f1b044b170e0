r"""Centralized natural gradient on the pooled data: the baseline every federated run is
compared with, and the reference optimum of a problem.

.. math::

    \theta_{t+1} = \theta_t - \eta_t\,(F(\theta_t) + (\lambda + \rho) I)^{-1}
    \nabla L(\theta_t),

with :math:`F` the Fisher of the pooled mean loss (exact, diagonal or K-FAC) and
:math:`\eta_t` the first of :math:`1, \frac12, \frac14, \dots` that decreases the loss
(backtracking; the pooled loss is available here, unlike on a federated server).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .aggregation import aggregate_natural_gradient

__all__ = ["CentralizedResult", "centralized_natural_gradient", "pooled_statistics"]


@dataclass(frozen=True)
class CentralizedResult:
    """``theta`` reached, ``losses`` per iteration (``losses[0]`` at the start),
    ``converged`` and why it stopped (``reason``)."""

    theta: NDArray
    losses: NDArray
    converged: bool
    reason: str

    @property
    def n_iter(self) -> int:
        return len(self.losses) - 1


def pooled_statistics(problem, theta: NDArray, approximation: str, chunk: int = 256):
    """Loss, gradient and Fisher of the pooled data, computed over chunks of examples
    (each an example average, combined with weights = chunk sizes) to bound memory."""
    X, y = problem.X, problem.y
    starts = range(0, len(X), chunk)
    grads, fishers, sizes, losses = [], [], [], []
    for s in starts:
        Xc, yc = X[s:s + chunk], None if y is None else y[s:s + chunk]
        value, g = problem.model.value_and_grad(theta, Xc, yc)
        losses.append(value)
        grads.append(g)
        fishers.append(problem.model.fisher(theta, Xc, yc, approximation))
        sizes.append(len(Xc))
    w = np.asarray(sizes, dtype=float) / len(X)
    return float(w @ losses), grads, fishers, w


def centralized_natural_gradient(problem, approximation: str | None = None,
                                 max_iter: int = 100, damping: float = 1e-8,
                                 gtol: float = 1e-10, target_loss: float | None = None
                                 ) -> CentralizedResult:
    """Run the centralized natural gradient (see module docstring) on ``problem``.

    Stops when the gradient norm is below ``gtol`` times its initial value, the loss is
    at most ``target_loss``, no step of the backtracking decreases the loss, or after
    ``max_iter`` iterations.

    K-FAC factors are computed from all pooled examples at once (averaging chunk
    factors would be a different, coarser approximation).
    """
    approximation = approximation or problem.default_fisher
    damp = damping + problem.model.l2
    theta = problem.theta0.copy()
    chunk = len(problem.X) if approximation == "kfac" else 256
    losses, g0 = [], None
    for _ in range(max_iter + 1):
        loss, grads, fishers, w = pooled_statistics(problem, theta, approximation, chunk)
        losses.append(loss)
        grad = w @ np.asarray(grads)
        gnorm = float(np.linalg.norm(grad))
        g0 = gnorm if g0 is None else g0
        if gnorm <= gtol * max(g0, 1e-300):
            return CentralizedResult(theta, np.asarray(losses), True,
                                     f"gradient norm {gnorm:.3g} <= gtol * initial")
        if target_loss is not None and loss <= target_loss:
            return CentralizedResult(theta, np.asarray(losses), True,
                                     f"loss {loss:.6g} <= target {target_loss:.6g}")
        if len(losses) > max_iter:
            break
        step = aggregate_natural_gradient(grads, fishers, w, damp)
        for eta in 0.5 ** np.arange(30):
            trial = theta - eta * step
            if np.all(np.isfinite(trial)) and _safe_loss(problem, trial) < loss:
                theta = trial
                break
        else:
            return CentralizedResult(theta, np.asarray(losses), True,
                                     "no step decreases the loss (at a minimum to rounding)")
    return CentralizedResult(theta, np.asarray(losses), False, "max_iter reached")


def _safe_loss(problem, theta: NDArray) -> float:
    try:
        return problem.loss(theta)
    except ValueError:  # outside the parameter domain (e.g. natural parameters)
        return np.inf
