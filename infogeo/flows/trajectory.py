"""The result of an optimizer run or a flow integration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array

__all__ = ["Trajectory"]


@dataclass(frozen=True)
class Trajectory:
    """Iterates of a descent method or samples of a flow, with the reason it stopped.

    Attributes
    ----------
    params : ndarray, shape=[T, dim]
        Accepted points, the start first; never NaN.
    losses : ndarray, shape=[T], or None
        Loss at each point (None for a flow run without a loss).
    grad_norms : ndarray, shape=[T]
        Euclidean norm of the loss gradient at each point (in the run's chart).
    step_sizes : ndarray, shape=[T - 1]
        Step size of each step (after shortening to stay in the domain); for a flow, the
        time increments.
    times : ndarray, shape=[T]
        Flow time: the integration time for a flow, the cumulative step size for a
        discrete method (step α approximates the flow over time α).
    converged : bool
        Whether the convergence criterion was met.
    reason : str
        Why the run stopped.
    n_iter : int
        Steps taken (accepted solver steps for a flow).
    dense : callable or None
        ``t -> params`` (shape ``[dim]`` or ``[len(t), dim]``), the continuous solution of
        a flow; None for discrete methods.
    chart : str or None
        Name of the chart ``params`` are expressed in.
    """

    params: NDArray
    losses: NDArray | None
    grad_norms: NDArray
    step_sizes: NDArray
    times: NDArray
    converged: bool
    reason: str
    n_iter: int
    dense: Callable[[ArrayLike], NDArray] | None = None
    chart: str | None = None

    def __post_init__(self) -> None:
        if not np.all(np.isfinite(self.params)):
            raise ValueError("Trajectory.params must be finite (a run never returns NaN points)")

    @property
    def final(self) -> NDArray:
        """The last accepted point, shape ``[dim]``."""
        return self.params[-1]

    @property
    def final_loss(self) -> float:
        """Loss at the last point (NaN-free; raises if the run recorded no loss)."""
        if self.losses is None:
            raise ValueError("this trajectory recorded no losses (pass loss= to record them)")
        return float(self.losses[-1])

    def __len__(self) -> int:
        return int(self.params.shape[0])

    def at(self, t: ArrayLike) -> NDArray:
        """Points of a flow at times ``t`` inside the integrated interval.

        Returns
        -------
        ndarray, shape=[dim] for scalar ``t``, ``[len(t), dim]`` otherwise.
        """
        if self.dense is None:
            raise ValueError("at() needs a flow trajectory with dense output (fisher_flow)")
        times = as_finite_array(t, "t")
        lo, hi = sorted((self.times[0], self.times[-1]))
        span = hi - lo
        if np.any(times < lo - 1e-12 * span) or np.any(times > hi + 1e-12 * span):
            raise ValueError(f"t must lie in the integrated interval [{lo}, {hi}], got {t!r}")
        return self.dense(times)

    def map_params(self, func: Callable[[NDArray], NDArray], chart: str | None = None
                   ) -> Trajectory:
        """The same run with every point (and the dense output) mapped by ``func``,
        e.g. to another chart: ``traj.map_params(lambda y: M.change_chart(y, "natural"))``.
        """
        dense = None
        if self.dense is not None:
            inner = self.dense

            def dense(t: ArrayLike) -> NDArray:
                return func(inner(t))

        return replace(self, params=func(self.params), dense=dense, chart=chart)

    def __repr__(self) -> str:
        loss = "" if self.losses is None else f", final_loss={self.final_loss:.6g}"
        return (f"Trajectory(n_iter={self.n_iter}, converged={self.converged}, "
                f"reason={self.reason!r}{loss}, final={self.final.tolist()})")
