"""The one result type of every optimizer run and flow integration."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array
from .transforms import tree_all_finite, tree_map

__all__ = ["Trajectory", "STATUSES"]

#: machine-readable reasons a run stops (``Trajectory.status``)
STATUSES = ("converged", "loss_target", "max_iter", "end_of_span", "callback", "diverged",
            "non_finite", "singular_curvature", "update_failed", "step_rule_failed",
            "domain", "integration_failed")


class Trajectory:
    """Iterates of a descent method or samples of a flow, with the reason it stopped.

    Attributes
    ----------
    params : ndarray, shape=[T, dim] (or a tree of arrays with a leading axis T)
        Accepted points, the start first; never NaN. A run over parameter trees that
        kept only its final point (``record=False``, e.g. :func:`infogeo.learning.train`)
        has no path: ``params`` then returns :attr:`final` with a ``DeprecationWarning``
        (the old ``TrainResult.params``); use :attr:`final`.
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
        Whether the convergence criterion (gradient norm, loss target, flow event) was met.
    reason : str
        Why the run stopped, in words.
    n_iter : int
        Steps taken (accepted solver steps for a flow).
    dense : callable or None
        ``t -> params`` (shape ``[dim]`` or ``[len(t), dim]``), the continuous solution of
        a flow; None for discrete methods.
    chart : str or None
        Name of the chart ``params`` are expressed in.
    final : array or tree, optional
        The last accepted point (default ``params[-1]``).
    status : str, optional
        Why the run stopped, as one of :data:`STATUSES`.
    wall_time : float or None
        Seconds spent in the run.
    """

    __slots__ = ("_path", "losses", "grad_norms", "step_sizes", "times", "converged",
                 "reason", "n_iter", "dense", "chart", "final", "status", "wall_time")
    _path: Any
    losses: NDArray | None
    grad_norms: NDArray
    step_sizes: NDArray
    times: NDArray
    converged: bool
    reason: str
    n_iter: int
    dense: Callable[[ArrayLike], NDArray] | None
    chart: str | None
    final: Any
    status: str
    wall_time: float | None

    def __init__(self, params: Any, losses: NDArray | None, grad_norms: NDArray,
                 step_sizes: NDArray, times: NDArray, converged: bool, reason: str,
                 n_iter: int, dense: Callable[[ArrayLike], NDArray] | None = None,
                 chart: str | None = None, *, final: Any = None, status: str | None = None,
                 wall_time: float | None = None) -> None:
        if params is None and final is None:
            raise ValueError("Trajectory needs params (the path) or final (the last point)")
        if params is not None and not tree_all_finite(params):
            raise ValueError("Trajectory.params must be finite (a run never returns NaN points)")
        if final is None:
            final = tree_map(lambda leaf: leaf[-1], params)
        elif not tree_all_finite(final):
            raise ValueError("Trajectory.final must be finite (a run never returns NaN points)")
        if status is None:
            status = "converged" if converged else "max_iter"
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        for name, value in (("_path", params), ("losses", losses), ("grad_norms", grad_norms),
                            ("step_sizes", step_sizes), ("times", times),
                            ("converged", bool(converged)), ("reason", reason),
                            ("n_iter", int(n_iter)), ("dense", dense), ("chart", chart),
                            ("final", final), ("status", status), ("wall_time", wall_time)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Trajectory is immutable (cannot set {name!r}); use map_params")

    @property
    def params(self) -> Any:
        """The accepted points (see the class docstring)."""
        if self._path is None:
            warnings.warn("this run kept only its final point (record=False): .params "
                          "returns it for compatibility with TrainResult; use .final",
                          DeprecationWarning, stacklevel=2)
            return self.final
        return self._path

    @property
    def has_path(self) -> bool:
        """True if every accepted point was kept (``params`` is the path)."""
        return self._path is not None

    @property
    def final_loss(self) -> float:
        """Loss at the last point (NaN-free; raises if the run recorded no loss)."""
        if self.losses is None:
            raise ValueError("this trajectory recorded no losses (pass loss= to record them)")
        return float(self.losses[-1])

    def __len__(self) -> int:
        return int(len(self.grad_norms))

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

        path = None if self._path is None else func(self._path)
        return Trajectory(path, self.losses, self.grad_norms, self.step_sizes, self.times,
                          self.converged, self.reason, self.n_iter, dense, chart,
                          final=func(self.final), status=self.status,
                          wall_time=self.wall_time)

    def __repr__(self) -> str:
        loss = "" if self.losses is None else f", final_loss={self.final_loss:.6g}"
        final = self.final
        shown = (final.tolist() if isinstance(final, np.ndarray) and final.size <= 8
                 else f"<{type(final).__name__}>")
        return (f"Trajectory(n_iter={self.n_iter}, converged={self.converged}, "
                f"status={self.status!r}, reason={self.reason!r}{loss}, final={shown})")
