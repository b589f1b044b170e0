"""One-parameter families whose Fisher arc length has a closed form.

A one-dimensional Riemannian manifold is flat: the arc length

.. math::

    \\varphi(x) = \\int^x \\sqrt{g(u)}\\, du

is an isometry onto an interval :math:`(\\varphi_-, \\varphi_+)` of the real line, so
geodesics are straight lines in :math:`\\varphi` and

.. math::

    d(a, b) = |\\varphi(a) - \\varphi(b)|, \\qquad
    \\exp_x(v) = \\varphi^{-1}\\!\\left(\\varphi(x) + v\\sqrt{g(x)}\\right), \\qquad
    \\log_a(b) = \\frac{\\varphi(b) - \\varphi(a)}{\\sqrt{g(a)}}, \\qquad
    \\Gamma^x_{xx} = \\frac{g'(x)}{2 g(x)}.

A family subclasses :class:`AbstractOneParameterFamily` and gives ``g``, ``Γ``, ``φ``,
``φ⁻¹`` and the range of ``φ``; it also gets an ``"arc_length"`` chart, in which the
metric is identically 1.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .base import StatisticalManifold
from .charts import Chart

__all__ = ["AbstractOneParameterFamily", "scalar_chart", "check_integer_data"]

ScalarMap = Callable[[NDArray], NDArray]


def scalar_chart(name: str, coordinate: str, to_base: ScalarMap, from_base: ScalarMap,
                 derivative: ScalarMap,
                 check: Callable[[NDArray, str], None] | None = None,
                 second: ScalarMap | None = None) -> Chart:
    """A chart of a one-parameter family from scalar maps ``y -> x``, ``x -> y``, ``dx/dy``
    (and, optionally, ``d²x/dy²``; central differences of ``dx/dy`` otherwise).

    The maps act on arrays of shape ``[...]``; the chart wraps them to ``[..., 1]``. For
    the standard reparametrizations (log, reciprocal, …) use
    :func:`~infogeo.manifolds.charts.coordinate_chart`.
    """
    return Chart(
        name, (coordinate,),
        to_base=lambda y: to_base(y[..., 0])[..., None],
        from_base=lambda x: from_base(x[..., 0])[..., None],
        jacobian=lambda y: np.asarray(derivative(y[..., 0]), dtype=float)[..., None, None],
        check=None if check is None else (lambda y, nm: check(y[..., 0], nm)),
        second=None if second is None else (
            lambda y: np.asarray(second(y[..., 0]), dtype=float)[..., None, None, None]),
    )


def check_integer_data(data: NDArray, name: str, low: int = 0,
                       high: float = np.inf) -> None:
    """Raise ``ValueError`` unless every entry of ``data`` is an integer in [low, high]."""
    fractional = data != np.round(data)
    if np.any(fractional):
        raise ValueError(f"{name} must hold integer values (counts or labels), "
                         f"got {float(data[fractional].flat[0])!r}")
    outside = (data < low) | (data > high)
    if np.any(outside):
        upper = "" if np.isinf(high) else f", {int(high)}"
        raise ValueError(f"{name} must lie in the support {{{low}, ...{upper}}}, "
                         f"got {float(data[outside].flat[0])!r}")


class AbstractOneParameterFamily(StatisticalManifold):
    """Base of the one-parameter families with a closed-form arc length.

    Subclasses give, in the base chart and on arrays of shape ``[...]``: the metric
    ``_g``, the Christoffel symbol ``_gamma`` (:math:`g'/(2g)`), the skewness ``_skew``
    (:math:`E[(\\partial\\ell)^3]`), the arc length ``_arc_length``, its inverse
    ``_arc_length_inverse`` and its range ``_arc_length_range()``; plus the family
    charts ``_family_charts``.
    """

    dim = 1

    # ------------------------------------------------------------------ hooks
    @abc.abstractmethod
    def _g(self, p: NDArray) -> NDArray:
        """Scalar Fisher information, shape ``[...]``."""

    @abc.abstractmethod
    def _gamma(self, p: NDArray) -> NDArray:
        """Christoffel symbol :math:`\\Gamma = g'/(2g)`, shape ``[...]``."""

    @abc.abstractmethod
    def _skew(self, p: NDArray) -> NDArray:
        """Amari–Chentsov tensor :math:`T = E[(\\partial\\ell)^3]`, shape ``[...]``."""

    @abc.abstractmethod
    def _arc_length(self, p: NDArray) -> NDArray:
        """:math:`\\varphi(p) = \\int^p \\sqrt{g}`, shape ``[...]``."""

    @abc.abstractmethod
    def _arc_length_inverse(self, s: NDArray) -> NDArray:
        """:math:`\\varphi^{-1}(s)` for ``s`` inside ``_arc_length_range()``."""

    @abc.abstractmethod
    def _arc_length_range(self) -> tuple[float, float]:
        """The open interval :math:`(\\varphi_-, \\varphi_+)` that φ maps the domain onto."""

    @abc.abstractmethod
    def _family_charts(self) -> list[Chart]:
        """The family's own charts (exactly one base chart)."""

    # ------------------------------------------------------------------ charts
    def _charts(self) -> list[Chart]:
        # d²p/ds² = d(g^{-1/2})/ds = -g'/(2g²) = -Γ/g
        return self._family_charts() + [scalar_chart(
            "arc_length", "s", self._arc_length_inverse, self._arc_length,
            lambda s: 1.0 / np.sqrt(self._g(self._arc_length_inverse(s))),
            check=self._check_arc_length,
            second=lambda s: -self._gamma(p := self._arc_length_inverse(s)) / self._g(p))]

    def _check_arc_length(self, s: NDArray, name: str) -> None:
        lo, hi = self._arc_length_range()
        bad = ~((s > lo) & (s < hi))
        if np.any(bad):
            raise ValueError(f"{name}: arc length s must lie in ({lo}, {hi}), "
                             f"got {float(s[bad].flat[0])!r}")

    # ------------------------------------------------------------------ geometry
    def _metric(self, x: NDArray) -> NDArray:
        return self._g(x[..., 0])[..., None, None]

    def _christoffels(self, x: NDArray) -> NDArray:
        return self._gamma(x[..., 0])[..., None, None, None]

    def _skewness(self, x: NDArray) -> NDArray:
        return self._skew(x[..., 0])[..., None, None, None]

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        return np.abs(self._arc_length(xa[..., 0]) - self._arc_length(xb[..., 0]))

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        p = x[..., 0]
        return ((self._arc_length(y[..., 0]) - self._arc_length(p)) / np.sqrt(self._g(p)))[
            ..., None]

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        p = x[..., 0]
        s = self._arc_length(p) + v[..., 0] * np.sqrt(self._g(p))
        lo, hi = self._arc_length_range()
        # The manifold is an open interval: a geodesic that reaches φ_± has left it.
        outside = ~((s > lo) & (s < hi))
        if np.any(outside):
            i = np.flatnonzero(outside.ravel())[0]
            raise ValueError(
                f"tangent_vec leaves the parameter domain: the geodesic from "
                f"{float(p.ravel()[i])!r} with velocity {float(v[..., 0].ravel()[i])!r} "
                f"reaches the boundary (arc length {float(s.ravel()[i])!r} outside "
                f"({lo}, {hi})) before t = 1")
        with np.errstate(over="ignore"):
            end = self._arc_length_inverse(s)[..., None]
        if not np.all(np.isfinite(end)):
            raise ValueError("tangent_vec is too long: exp(tangent_vec, base_point) "
                             "overflows the floating-point range")
        # Rounding can land exactly on the boundary (e.g. p = 1.0); report it, never NaN.
        self._check_base(end, "exp(tangent_vec, base_point)")
        return end
