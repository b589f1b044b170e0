"""What the flows need of a manifold, a curvature and an objective, stated as Protocols.

``flows`` never imports :mod:`infogeo.manifolds`: any object with these methods works
(a :class:`~infogeo.manifolds.StatisticalManifold`, a compiled symbolic family, or a
user's own class). Each driver asks only for the capabilities it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from numpy.typing import ArrayLike, NDArray

__all__ = ["Chart", "ChartedManifold", "MetricManifold", "ConnectionManifold",
           "ExpManifold", "SkewnessManifold", "InvarianceManifold", "FisherEstimate",
           "CurvatureSolver", "QuadraticForm", "Objective"]


class Chart(Protocol):
    """A coordinate chart: only its name is used."""

    @property
    def name(self) -> str: ...


@runtime_checkable
class ChartedManifold(Protocol):
    """A manifold in a current chart, with validation through ``change_chart``.

    ``change_chart(theta, manifold.chart.name)`` must raise ``ValueError`` for a point
    outside the parameter domain (this is the drivers' domain check).
    """

    @property
    def chart(self) -> Chart: ...

    def change_chart(self, theta: ArrayLike, chart: str) -> NDArray: ...


@runtime_checkable
class MetricManifold(ChartedManifold, Protocol):
    """A charted manifold with its Fisher metric :math:`I(\\theta)`, ``[..., dim, dim]``."""

    def metric_matrix(self, theta: ArrayLike) -> NDArray: ...


class ConnectionManifold(Protocol):
    """Levi-Civita Christoffel symbols ``gamma[..., k, i, j]`` (for ``geodesic_step``)."""

    def christoffels(self, theta: ArrayLike) -> NDArray: ...


class SkewnessManifold(MetricManifold, Protocol):
    """Third-order geometry (for ``kl_expansion``, ``alpha_geodesic_step``): Levi-Civita
    symbols, the Amari–Chentsov tensor ``T[..., i, j, k]`` and the α-connections
    ``alpha_christoffels(theta, alpha)[..., k, i, j] = Γ^(α)k_ij``."""

    def christoffels(self, theta: ArrayLike) -> NDArray: ...

    def skewness_tensor(self, theta: ArrayLike) -> NDArray: ...

    def alpha_christoffels(self, theta: ArrayLike, alpha: float) -> NDArray: ...


class ExpManifold(Protocol):
    """The exponential map (for ``exp_map_step``)."""

    def exp(self, tangent_vec: ArrayLike, base_point: ArrayLike) -> NDArray: ...


class InvarianceManifold(MetricManifold, Protocol):
    """What :func:`~infogeo.flows.check_invariance` needs: several charts."""

    @property
    def chart_names(self) -> Sequence[str]: ...

    def in_chart(self, chart: str) -> Any: ...


@runtime_checkable
class FisherEstimate(Protocol):
    """A curvature estimate: :math:`(F + \\lambda I)^{-1} v` for ``v`` shaped like the
    parameters. A damped matrix that cannot be solved with raises
    :class:`~infogeo.errors.SingularCurvatureError`."""

    def solve(self, v: Any, damping: float) -> Any: ...


class CurvatureSolver(Protocol):
    """The one solver signature of the preconditioners,
    ``solve(params, v, damping) -> u`` with :math:`(F(\\theta) + \\lambda I)\\,u = v`
    (built by :func:`~infogeo.flows.as_solver`)."""

    def __call__(self, params: Any, v: Any, damping: float) -> Any: ...


class QuadraticForm(Protocol):
    """``quadratic_form(params, vectors) -> Gram matrix [k, k]`` of the curvature,
    :math:`C_{ij} = v_i^\\top F(\\theta) v_j` (the quadratic model of a step)."""

    def __call__(self, params: Any, vectors: Sequence[Any]) -> NDArray: ...


@runtime_checkable
class Objective(Protocol):
    """A training objective: loss and gradient in one pass, and the loss alone."""

    def value_and_grad(self, params: Any) -> tuple[float, Any]: ...

    def loss(self, params: Any) -> float: ...
