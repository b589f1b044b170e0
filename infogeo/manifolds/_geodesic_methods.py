"""Geodesic methods of :class:`~infogeo.manifolds.StatisticalManifold`: ``exp``, ``log``,
``dist``, ``geodesic``, with their validation, on the family's closed forms or the one
geodesic engine (attached to the class in :mod:`.base`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, as_points, broadcast_batch
from ..errors import OutOfRangeError
from ._newton import NewtonResult as ShootingResult

if TYPE_CHECKING:  # the methods are attached to the class in base.py
    from .base import StatisticalManifold

__all__: list[str] = []  # methods of StatisticalManifold, not a public API


def exp(self: StatisticalManifold, tangent_vec: ArrayLike, base_point: ArrayLike) -> NDArray:
    """Riemannian exponential: the geodesic from ``base_point`` with velocity
    ``tangent_vec``, evaluated at t = 1. Shapes ``[..., dim]``."""
    x = self._to_base(base_point, "base_point")
    v = self._tangent(tangent_vec, x, "tangent_vec", "base_point")
    x = np.broadcast_to(x, v.shape)
    v_base = v if self.chart.is_base else np.einsum(
        "...ai,...i->...a", self._jac(np.broadcast_to(base_point, v.shape)), v)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        try:
            end = self._exp(v_base, x)
        except np.linalg.LinAlgError:  # a closed form whose matrices overflowed
            end = np.full(x.shape, np.nan)
    self._check_end(end)
    return self._from_base(end)


def _check_end(self: StatisticalManifold, end: NDArray) -> None:
    """Refuse an end point that floating point cannot represent (a geodesic that runs
    to e^1000 overflows; one that runs towards the boundary underflows onto it)."""
    bad = ~np.all(np.isfinite(end), axis=-1)
    if not np.any(bad):
        try:
            self._check_base(end, "end")
            return
        except ValueError as err:
            reason = str(err)
    else:
        reason = "it overflows to inf/nan"
    raise OutOfRangeError(
        "tangent_vec is too long: the end point of its geodesic is not representable "
        f"in floating point ({reason}); use a shorter tangent vector")


def log(self: StatisticalManifold, point: ArrayLike, base_point: ArrayLike) -> NDArray:
    """Riemannian logarithm: the tangent vector at ``base_point`` whose geodesic reaches
    ``point`` at t = 1. Raises ``ShootingError`` if a numeric solve fails."""
    x = self._to_base(base_point, "base_point")
    y = self._to_base(point, "point")
    broadcast_batch(point=y, base_point=x)
    x, y = np.broadcast_arrays(x, y)
    v_base = self._log(y, x)
    if self.chart.is_base:
        return v_base
    jac = self._jac(np.broadcast_to(np.asarray(base_point, dtype=float), x.shape))
    return np.linalg.solve(jac, v_base[..., None])[..., 0]


def log_shooting(self: StatisticalManifold, point: ArrayLike, base_point: ArrayLike,
                 tol: float = 1e-10, max_iter: int = 50) -> ShootingResult:
    """Logarithm by the numeric geodesic engine (collocation, then shooting), in the
    base chart, with diagnostics: whether each pair converged, why it stopped, and its
    ``residual`` (end-point error in Fisher–Rao units relative to 1 + the distance).

    For a family with a closed-form ``log`` this is an independent numeric check."""
    x = self._to_base(base_point, "base_point")
    y = self._to_base(point, "point")
    broadcast_batch(point=y, base_point=x)
    x, y = np.broadcast_arrays(x, y)
    return self._shoot(y, x, tol, max_iter)


def _shoot(self: StatisticalManifold, y: NDArray, x: NDArray, tol: float = 1e-10,
           max_iter: int = 50) -> ShootingResult:
    return self._geodesic_flow().log(y, x, tol, max_iter)


def dist(self: StatisticalManifold, point_a: ArrayLike, point_b: ArrayLike) -> NDArray:
    """Fisher–Rao geodesic distance, shape ``[...]`` (chart-independent)."""
    xa = self._to_base(point_a, "point_a")
    xb = self._to_base(point_b, "point_b")
    broadcast_batch(point_a=xa, point_b=xb)
    xa, xb = np.broadcast_arrays(xa, xb)
    return self._dist(xa, xb)


def squared_dist(self: StatisticalManifold, point_a: ArrayLike, point_b: ArrayLike) -> NDArray:
    """Squared Fisher–Rao distance."""
    return self.dist(point_a, point_b) ** 2


def geodesic(self: StatisticalManifold, initial_point: ArrayLike,
             end_point: ArrayLike | None = None,
             initial_tangent_vec: ArrayLike | None = None) -> Any:
    """The geodesic through ``initial_point``, given its end point or initial velocity.

    Returns
    -------
    callable
        ``path(t)`` with ``t`` of shape ``[T]``; returns points of shape
        ``[..., T, dim]`` in the current chart.
    """
    if (end_point is None) == (initial_tangent_vec is None):
        raise ValueError("give exactly one of end_point and initial_tangent_vec")
    if initial_tangent_vec is None:
        assert end_point is not None  # exactly one of the two is given (checked above)
        initial_tangent_vec = self.log(end_point, initial_point)
    base = as_points(initial_point, self.dim, "initial_point")
    velocity = as_points(initial_tangent_vec, self.dim, "initial_tangent_vec")
    broadcast_batch(initial_point=base, initial_tangent_vec=velocity)
    base, velocity = np.broadcast_arrays(base, velocity)
    self._to_base(base, "initial_point")

    def path(t: ArrayLike) -> NDArray:
        t = np.atleast_1d(as_finite_array(t, "t"))
        scaled = t[:, None] * velocity[..., None, :]
        return self.exp(scaled, base[..., None, :])

    return path
