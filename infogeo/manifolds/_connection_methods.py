r"""Connection and curvature methods of :class:`~infogeo.manifolds.StatisticalManifold`:
Levi-Civita and α-connections, the skewness tensor, Riemann and Ricci tensors and the
scalar curvature, computed in the base chart and carried to the current chart by the
transformation laws (attached to the class in :mod:`.base`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .charts import pullback_tensor, transform_connection, transform_riemann
from .differential import ricci_from_riemann, riemann_from_christoffels, scalar_from_ricci

if TYPE_CHECKING:  # the methods are attached to the class in base.py
    from .base import StatisticalManifold

__all__: list[str] = []  # methods of StatisticalManifold, not a public API


def christoffels(self: StatisticalManifold, theta: ArrayLike) -> NDArray:
    """Levi-Civita Christoffel symbols, ``gamma[..., k, i, j] = Γ^k_ij``.

    .. math::

        \\Gamma^k_{ij} = \\tfrac12 g^{kl}(\\partial_i g_{jl} + \\partial_j g_{il}
        - \\partial_l g_{ij})
    """
    x = self._to_base(theta)
    return self._in_chart_connection(self._christoffels(x), theta)


def _in_chart_connection(self: StatisticalManifold, gamma: NDArray, theta: ArrayLike) -> NDArray:
    if self.chart.is_base:
        return gamma
    y = np.asarray(theta, dtype=float)
    return transform_connection(gamma, self._jac(y), self.chart.second_derivatives(y))


def skewness_tensor(self: StatisticalManifold, theta: ArrayLike) -> NDArray:
    """Amari–Chentsov tensor, shape ``[..., dim, dim, dim]``.

    .. math::

        T_{ijk} = E[\\partial_i\\ell\\,\\partial_j\\ell\\,\\partial_k\\ell]
    """
    x = self._to_base(theta)
    t = self._skewness(x)
    return t if self.chart.is_base else pullback_tensor(t, self._jac(theta))


def alpha_christoffels(self: StatisticalManifold, theta: ArrayLike, alpha: float) -> NDArray:
    """Christoffel symbols of Amari's α-connection (α = 1: e, α = −1: m, 0: Levi-Civita).

    .. math::

        \\Gamma^{(\\alpha)k}_{ij} = \\Gamma^k_{ij} - \\frac{\\alpha}{2} g^{kl} T_{ijl}
    """
    x = self._to_base(theta)
    return self._in_chart_connection(self._alpha_christoffels(x, float(alpha)), theta)


def _alpha_christoffels(self: StatisticalManifold, x: NDArray, alpha: float) -> NDArray:
    """:meth:`alpha_christoffels` in the base chart."""
    gamma = self._christoffels(x)
    if alpha == 0:
        return gamma
    return gamma - 0.5 * alpha * np.einsum(
        "...kl,...ijl->...kij", np.linalg.inv(self._metric(x)), self._skewness(x))


def riemann_tensor(self: StatisticalManifold, theta: ArrayLike) -> NDArray:
    r"""``R[..., l, i, j, k] = R^l_{ijk}`` in the current chart.

    Computed in the base chart by numeric differentiation of Γ, then transformed as a
    (1, 3) tensor:

    .. math::

        R^l{}_{ijk} = \partial_j \Gamma^l_{ki} - \partial_k \Gamma^l_{ji}
        + \Gamma^l_{jm}\Gamma^m_{ki} - \Gamma^l_{km}\Gamma^m_{ji}, \qquad
        R'^l{}_{ijk} = (J^{-1})^l{}_a R^a{}_{bcd} J^b{}_i J^c{}_j J^d{}_k
    """
    x = self._to_base(theta)
    riemann = riemann_from_christoffels(self._christoffels, x)
    return riemann if self.chart.is_base else transform_riemann(riemann, self._jac(theta))


def alpha_riemann_tensor(self: StatisticalManifold, theta: ArrayLike, alpha: float
                         ) -> NDArray:
    r"""``R[..., l, i, j, k] = R^{(\alpha)l}{}_{ijk}``, the Riemann tensor of Amari's
    α-connection in the current chart (α = 0: :meth:`riemann_tensor`; α = ±1 vanish on an
    exponential family, which is e- and m-flat):

    .. math::

        R^{(\alpha)l}{}_{ijk} = \partial_j \Gamma^{(\alpha)l}_{ki}
        - \partial_k \Gamma^{(\alpha)l}_{ji}
        + \Gamma^{(\alpha)l}_{jm}\Gamma^{(\alpha)m}_{ki}
        - \Gamma^{(\alpha)l}_{km}\Gamma^{(\alpha)m}_{ji}

    The α-connection is torsion-free, so its curvature is a (1, 3) tensor and transforms
    like the Levi-Civita one.
    """
    a = check_alpha(alpha)
    x = self._to_base(theta)
    riemann = riemann_from_christoffels(lambda y: self._alpha_christoffels(y, a), x)
    return riemann if self.chart.is_base else transform_riemann(riemann, self._jac(theta))


def alpha_scalar_curvature(self: StatisticalManifold, theta: ArrayLike, alpha: float
                           ) -> NDArray:
    r"""Scalar curvature of the α-connection, :math:`g^{ik} R^{(\alpha)j}{}_{ijk}` (the
    convention of :func:`infogeo.symbolic.alpha_scalar_curvature`; chart-independent),
    shape ``[...]``."""
    a = check_alpha(alpha)
    x = self._to_base(theta)
    return scalar_from_ricci(ricci_from_riemann(riemann_from_christoffels(
        lambda y: self._alpha_christoffels(y, a), x)), self._metric(x))


def check_alpha(alpha: object) -> float:
    """``alpha`` as a finite float (TypeError for a non-number, ValueError if not finite)."""
    try:
        value = float(alpha)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"alpha must be a real number, got {alpha!r}") from None
    if not np.isfinite(value):
        raise ValueError(f"alpha must be finite, got {alpha!r}")
    return value


def ricci_tensor(self: StatisticalManifold, theta: ArrayLike) -> NDArray:
    """Ricci tensor ``Ric[..., i, k] = R^j_{ijk}`` in the current chart, ``[..., dim, dim]``."""
    return ricci_from_riemann(self.riemann_tensor(theta))


def scalar_curvature(self: StatisticalManifold, theta: ArrayLike) -> NDArray:
    """Scalar curvature (a chart-independent invariant), shape ``[...]``."""
    x = self._to_base(theta)
    return scalar_from_ricci(ricci_from_riemann(riemann_from_christoffels(
        self._christoffels, x)), self._metric(x))
