"""A small training driver that reports whether and why it stopped."""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive, check_positive_int
from ..flows.transforms import GradientTransformation, apply_updates

__all__ = ["TrainResult", "train"]


class TrainResult(NamedTuple):
    """Outcome of :func:`train`.

    Attributes
    ----------
    params : list of arrays
        Last finite parameters.
    losses : array
        Training loss before each iteration (``losses[0]`` at the start).
    n_iter : int
        Updates applied.
    converged : bool
        True if ``target_loss`` was reached.
    reason : str
        ``"target loss reached"``, ``"max_iter reached"`` or ``"diverged: ..."``.
    wall_time : float
        Seconds spent in the loop.
    """

    params: Any
    losses: NDArray
    n_iter: int
    converged: bool
    reason: str
    wall_time: float


def _finite(tree: Any) -> bool:
    return all(bool(np.all(np.isfinite(w))) for w in tree)


def train(objective: Any, params: Any, optimizer: GradientTransformation, *,
          max_iter: int = 1000, target_loss: float | None = None,
          divergence_factor: float = 1e3) -> TrainResult:
    r"""Run ``optimizer`` on ``objective`` (anything with ``value_and_grad(params)`` and
    ``loss(params)``) until the loss reaches ``target_loss`` or ``max_iter`` updates.

    A run *diverges* — and stops, saying so — when the loss or the parameters become
    non-finite, the loss exceeds ``divergence_factor`` times :math:`\max(L_0, 1)`, or
    the optimizer raises ``ArithmeticError`` (a curvature solve that broke down).

    The update receives the extras ``value``, ``grad`` and ``loss_fn``
    (see :mod:`infogeo.flows.transforms`).
    """
    max_iter = check_positive_int(max_iter, "max_iter")
    check_positive(divergence_factor, "divergence_factor")
    state = optimizer.init(params)
    losses: list[float] = []
    start = time.perf_counter()
    reason, converged, n = "max_iter reached", False, 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        value, grads = objective.value_and_grad(params)
        limit = divergence_factor * max(abs(value), 1.0)
        while True:
            losses.append(value)
            if not np.isfinite(value) or value > limit:
                reason = f"diverged: loss {value:.3g} exceeds {limit:.3g} or is not finite"
                break
            if target_loss is not None and value <= target_loss:
                reason, converged = "target loss reached", True
                break
            if n >= max_iter:
                break
            try:
                updates, state = optimizer.update(grads, state, params, value=value,
                                                  grad=grads, loss_fn=objective.loss)
            except ArithmeticError as err:  # e.g. a curvature solve that broke down
                reason = f"diverged: {err}"
                break
            new_params = apply_updates(params, updates)
            if not _finite(new_params):
                reason = "diverged: parameters became non-finite"
                break
            params, n = new_params, n + 1
            value, grads = objective.value_and_grad(params)
    return TrainResult(params, np.asarray(losses), n, converged, reason,
                       time.perf_counter() - start)
