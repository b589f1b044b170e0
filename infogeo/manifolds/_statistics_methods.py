"""Statistical methods of :class:`~infogeo.manifolds.StatisticalManifold`: log-density,
score, its Hessian, sampling, KL divergence and random points, with the validation of
data and points (attached to the class in :mod:`.base`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, as_points, broadcast_batch, check_positive_int, check_rng
from .charts import (
    numeric_jacobian,
)

if TYPE_CHECKING:  # the methods are attached to the class in base.py
    from .base import StatisticalManifold

__all__: list[str] = []  # methods of StatisticalManifold, not a public API


def _data(self: StatisticalManifold, x: ArrayLike, name: str = "x") -> NDArray:
    data = as_finite_array(x, name)
    if self.event_shape and data.shape[-len(self.event_shape):] != self.event_shape:
        event = ", ".join(map(str, self.event_shape))
        raise ValueError(f"{name} must have shape [..., {event}] (one observation per row),"
                         f" got {data.shape}")
    self._check_data(data, name)
    return data


def _data_and_point(self: StatisticalManifold, x: ArrayLike, theta: ArrayLike
                    ) -> tuple[NDArray, NDArray]:
    data, point = self._data(x), self._to_base(theta)
    broadcast_batch({"x": len(self.event_shape)}, x=data, theta=point)
    return data, point


def log_prob(self: StatisticalManifold, x: ArrayLike, theta: ArrayLike) -> NDArray:
    """Log-density (log-mass for discrete families) of data ``x`` at ``theta``."""
    return self._log_prob(*self._data_and_point(x, theta))


def score(self: StatisticalManifold, x: ArrayLike, theta: ArrayLike) -> NDArray:
    """Score :math:`\\nabla_\\theta \\log p(x\\mid\\theta)`, shape ``[..., dim]``."""
    s = self._score(*self._data_and_point(x, theta))
    if self.chart.is_base:
        return s
    jac = self._jac(np.asarray(theta, dtype=float))
    return np.einsum("...ai,...a->...i", jac, s)


def log_prob_hessian(self: StatisticalManifold, x: ArrayLike, theta: ArrayLike) -> NDArray:
    """Hessian :math:`\\nabla^2_\\theta \\log p(x\\mid\\theta)`, shape ``[..., dim, dim]``.

    Central differences of the score in the base chart; in another chart the chain
    rule :math:`H_y = J^\\top H_x J + \\sum_a s_a \\partial^2 x^a/\\partial y\\partial y`.
    """
    data, xb = self._data_and_point(x, theta)
    hess = self._log_prob_hessian(data, xb)
    if self.chart.is_base:
        return hess
    y = np.asarray(theta, dtype=float)
    jac = self._jac(y)
    s = self._score(data, xb)
    return (np.einsum("...ai,...ab,...bj->...ij", jac, hess, jac)
            + np.einsum("...a,...aij->...ij", s, self.chart.second_derivatives(y)))


def _log_prob_hessian(self: StatisticalManifold, data: NDArray, x: NDArray) -> NDArray:
    hess = numeric_jacobian(lambda xx: self._score(data, xx), x)
    return 0.5 * (hess + np.swapaxes(hess, -1, -2))


def sample(self: StatisticalManifold, theta: ArrayLike, n: int,
           rng: np.random.Generator) -> NDArray:
    """``n`` draws from p(· | θ), shape ``[n, ..., *event_shape]``."""
    n = check_positive_int(n, "n")
    return self._sample(self._to_base(theta), n, check_rng(rng))


def kl_divergence(self: StatisticalManifold, theta_p: ArrayLike, theta_q: ArrayLike) -> NDArray:
    """Kullback–Leibler divergence, shape ``[...]``.

    .. math::

        KL(p_{\\theta_p} \\| p_{\\theta_q}) = E_{p}\\left[\\log p_{\\theta_p}(x)
        - \\log p_{\\theta_q}(x)\\right]
    """
    xp = self._to_base(theta_p, "theta_p")
    xq = self._to_base(theta_q, "theta_q")
    broadcast_batch(theta_p=xp, theta_q=xq)
    return self._kl(*np.broadcast_arrays(xp, xq))


def random_point(self: StatisticalManifold, rng: np.random.Generator,
                 size: int | tuple[int, ...] = ()) -> NDArray:
    """Random points of the parameter domain (in the current chart), for tests and demos.

    Declared families draw each parameter uniformly (log-uniformly for scales and
    shapes) in its declared typical range.
    """
    shape = (size,) if not isinstance(size, tuple | list) else tuple(size)
    if not all(isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 0
               for n in shape):
        raise ValueError(f"size must be a nonnegative integer or a tuple of them, "
                         f"got {size!r}")
    return self._from_base(self._random_base_point(check_rng(rng), shape))


def point_from_unit(self: StatisticalManifold, u: ArrayLike, edges: bool = False) -> NDArray:
    """The point (current chart) that the declared parameters assign to ``u``.

    Parameters
    ----------
    u : array-like, shape=[..., dim]
        A point of the unit cube :math:`[0, 1]^{dim}`.
    edges : bool
        False: map onto the typical range (as ``random_point``); True: onto the edge
        range, the most extreme values the family promises to handle (scales 1e-8 to
        1e8, probabilities down to 1e-15, …): the source of the edge tests.
    """
    if not self.parameters:
        raise NotImplementedError(f"{type(self).__name__} declares no parameters")
    unit = as_points(u, self.dim, "u")
    if np.any((unit < 0) | (unit > 1)):
        raise ValueError("u must lie in the unit cube [0, 1]^dim")
    return self._from_base(self._base_from_unit(unit, edges))
