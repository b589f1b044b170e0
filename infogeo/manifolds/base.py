"""The abstract statistical manifold every numeric family derives from.

A family is written in one *base chart*. It declares its parameters (``parameters``: the
blocks of base-chart coordinates with their domains, see :mod:`.declarations`), from which
validation and random points derive, and its counterparts in scipy.stats, the symbolic
catalogue and geomstats. It implements the hooks ``_charts`` and ``_metric`` (required)
and, where it has closed forms, ``_christoffels``, ``_exp``, ``_log``,
``_dist``, ``_log_prob``, ``_score``, ``_sample``, ``_kl`` and ``_skewness``. The public
methods validate their input, move points between the current chart and the base chart,
and fall back to generic machinery for every hook the family leaves out:

metric → (finite differences, Koszul) → Christoffel symbols → the geodesic engine
(:class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow`: ``exp`` by integration, ``log``
by collocation and shooting) → ``dist``.

Shapes: points and tangent vectors ``[..., dim]``; data ``[..., *event_shape]``.
"""

from __future__ import annotations

import abc
import copy
import re
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_points, broadcast_batch
from ..errors import OutOfRangeError, ShootingError
from . import _connection_methods, _geodesic_methods, _statistics_methods
from .charts import (
    Chart,
    identity_chart,
    numeric_jacobian,
    pullback_metric,
)
from .declarations import (
    GeomstatsCounterpart,
    ParameterBlock,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .differential import (
    koszul_christoffels,
)
from .geodesic_flow import GeodesicFlow

__all__ = ["StatisticalManifold"]


class StatisticalManifold(abc.ABC):
    """A parametric family p(x | θ) with the Fisher metric.

    Parameters
    ----------
    chart : str, optional
        Name of the parametrization the public methods use (``self.chart_names`` lists
        them); the family's base chart by default.

    Notes
    -----
    The Fisher information is

    .. math::

        I(\\theta)_{ij} = E\\left[\\partial_i \\ell\\, \\partial_j \\ell\\right]
        = -E\\left[\\partial_i\\partial_j \\ell\\right], \\qquad \\ell = \\log p(x\\mid\\theta),

    and Christoffel symbols are indexed ``gamma[..., k, i, j] = Γ^k_ij``.
    """

    #: number of parameters (the total size of ``parameters`` when they are declared)
    dim: int
    #: shape of one observation: () for scalar families
    event_shape: tuple[int, ...] = ()
    #: True for families on the integers
    discrete: bool = False
    #: the base-chart coordinates in blocks with their domains (a property where they
    #: depend on hyper-parameters); validation and random points derive from them
    parameters: tuple[ParameterBlock, ...] = ()
    #: counterparts elsewhere, by name (None: there is none)
    scipy_counterpart: ClassVar[ScipyCounterpart | None] = None
    symbolic_counterpart: ClassVar[SymbolicCounterpart | None] = None
    geomstats_counterpart: ClassVar[GeomstatsCounterpart | None] = None
    #: registry name -> factory of a representative instance (the generic test suites run
    #: over these); ``{snake_case(class name): class}`` when not declared
    examples: ClassVar[dict[str, Callable[[], StatisticalManifold]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("parameters")
        if isinstance(declared, tuple) and declared:  # a class-level declaration fixes dim
            cls.dim = sum(block.size for block in declared)

    def __init__(self, chart: str | None = None) -> None:
        if self.parameters:
            size = sum(block.size for block in self.parameters)
            if getattr(self, "dim", size) != size:
                raise TypeError(f"{type(self).__name__}: dim = {self.dim} but the declared "
                                f"parameters have {size} coordinates")
            self.dim = size
        charts = {c.name: c for c in self._charts()}
        base = [c for c in charts.values() if c.is_base]
        if len(base) != 1:
            raise TypeError(f"{type(self).__name__}._charts() must return exactly one base chart")
        self._base_chart = base[0]
        name = self._base_chart.name if chart is None else chart
        if name not in charts:
            raise ValueError(f"chart must be one of {sorted(charts)}, got {chart!r}")
        self._all_charts = charts
        self.chart = charts[name]

    # ------------------------------------------------------------------ family hooks
    @abc.abstractmethod
    def _charts(self) -> list[Chart]:
        """All charts of the family; exactly one has ``is_base=True``."""

    def _check_base(self, x: NDArray, name: str) -> None:
        """Raise ``ValueError`` naming ``name`` if ``x`` is outside the parameter domain
        (by default: each declared parameter block checks its coordinates)."""
        if not self.parameters:
            raise NotImplementedError(f"{type(self).__name__} declares no parameters and "
                                      "does not implement _check_base")
        for block, part in self._blocks(x):
            block.check(part, name)

    def _blocks(self, x: NDArray) -> list[tuple[ParameterBlock, NDArray]]:
        """The declared parameter blocks with their coordinates of ``x [..., dim]``."""
        out, start = [], 0
        for block in self.parameters:
            out.append((block, x[..., start:start + block.size]))
            start += block.size
        return out

    def _declared_base_chart(self, name: str) -> Chart:
        """The base chart named ``name``, coordinates from the declared parameters."""
        coords = tuple(c for block in self.parameters for c in block.coordinate_names)
        return identity_chart(name, coords)

    @abc.abstractmethod
    def _metric(self, x: NDArray) -> NDArray:
        """Fisher metric in the base chart, shape ``[..., dim, dim]``."""

    def _christoffels(self, x: NDArray) -> NDArray:
        return koszul_christoffels(self._metric, x)

    def _skewness(self, x: NDArray) -> NDArray:
        raise NotImplementedError(
            f"{type(self).__name__} has no closed-form skewness tensor (_skewness)")

    def _geodesic_flow(self) -> GeodesicFlow:
        """The geodesic engine in the base chart, built once per instance from
        ``_christoffels`` (derivatives of Γ for the Jacobi equation by central
        differences) and ``_metric``; families with a better flow override this."""
        flow = self.__dict__.get("_engine")
        if flow is None:
            flow = GeodesicFlow.from_christoffels(self._christoffels, self.dim,
                                                  valid=self._valid_columns,
                                                  metric=self._metric)
            self.__dict__["_engine"] = flow
        return flow

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        return self._geodesic_flow().exp(v, x)

    def _in_domain(self, x: NDArray) -> bool:
        try:
            with np.errstate(all="ignore"):
                self._check_base(x, "x")
        except ValueError:
            return False
        return True

    def _valid_columns(self, x: NDArray) -> NDArray:
        """Domain test on points stored components first, ``x [dim, m] -> bool [m]``."""
        rows = x.T
        if np.all(np.isfinite(rows)) and self._in_domain(rows):
            return np.ones(len(rows), dtype=bool)
        return np.array([bool(np.all(np.isfinite(r))) and self._in_domain(r[None])
                         for r in rows], dtype=bool)

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        result = self._shoot(y, x)
        if not result.success:
            raise ShootingError(
                f"{type(self).__name__}.log did not converge ({result.message}; largest "
                f"endpoint error {np.max(result.residual):.3g} in Fisher-Rao units relative "
                "to 1 + the distance); use log_shooting() to inspect the result")
        return result.tangent_vec.reshape(x.shape)

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        v = self._log(xb, xa)
        return np.sqrt(np.maximum(np.einsum("...i,...ij,...j->...", v, self._metric(xa), v), 0))

    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        # Central differences of log_prob; see numeric_jacobian for the step size.
        return numeric_jacobian(lambda xx: self._log_prob(data, xx), x)

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        raise NotImplementedError(f"{type(self).__name__} does not implement sample")

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        raise NotImplementedError(f"{type(self).__name__} has no kl_divergence")

    def _check_data(self, data: NDArray, name: str) -> None:
        """Raise ``ValueError`` if ``data`` is outside the support; nothing by default."""
        return None

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        if not self.parameters:
            raise NotImplementedError(f"{type(self).__name__} does not implement random_point")
        # one uniform draw per declared block, in order
        u = np.concatenate([rng.uniform(size=size + (block.size,)) for block in self.parameters],
                           axis=-1)
        return self._base_from_unit(u, edges=False)

    def _base_from_unit(self, u: NDArray, edges: bool) -> NDArray:
        """The base-chart point each declared block assigns to its part of ``u``."""
        return np.concatenate([block.from_unit(part, edges) for block, part in self._blocks(u)],
                              axis=-1)

    # ------------------------------------------------------------------ charts
    @property
    def chart_names(self) -> list[str]:
        """Names of the available parametrizations."""
        return list(self._all_charts)

    @property
    def coordinates(self) -> tuple[str, ...]:
        """Coordinate names of the current chart."""
        return self.chart.coordinates

    def in_chart(self, chart: str) -> StatisticalManifold:
        """The same family with its public methods in another chart."""
        if chart not in self._all_charts:
            raise ValueError(f"chart must be one of {self.chart_names}, got {chart!r}")
        other = copy.copy(self)
        other.chart = self._all_charts[chart]
        return other

    def change_chart(self, theta: ArrayLike, to: str) -> NDArray:
        """Coordinates of the points ``theta`` (in the current chart) in chart ``to``."""
        if to not in self._all_charts:
            raise ValueError(f"to must be one of {self.chart_names}, got {to!r}")
        return self._all_charts[to].from_base(self._to_base(theta))

    def _to_base(self, theta: ArrayLike, name: str = "theta") -> NDArray:
        y = as_points(theta, self.dim, name)
        if self.chart.check is not None:
            self.chart.check(y, name)
        if self.chart.is_base:
            self._check_base(y, name)
            return y
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            x = self.chart.to_base(y)
        if not np.all(np.isfinite(x)):
            bad = ~np.all(np.isfinite(x), axis=-1)
            raise OutOfRangeError(
                f"{name} = {y[bad][0].tolist()} in chart {self.chart.name!r} maps outside the "
                f"floating-point range of the base chart {self._base_chart.name!r}: "
                f"{x[bad][0].tolist()}")
        try:
            self._check_base(x, name)
        except ValueError as err:  # e.g. an exponential that underflowed to 0
            raise type(err)(f"{err} (the base-chart image of {name}, given in chart "
                            f"{self.chart.name!r})") from None
        return x

    def _from_base(self, x: NDArray) -> NDArray:
        return x if self.chart.is_base else self.chart.from_base(x)

    def _jac(self, theta: ArrayLike) -> NDArray:
        return self.chart.jacobian_at(np.asarray(theta, dtype=float))

    def _tangent(self, v: ArrayLike, theta: NDArray, name: str,
                 theta_name: str = "base_point") -> NDArray:
        """``v`` as tangent vectors ``[..., dim]`` broadcast against the points ``theta``
        (named ``theta_name`` in the error when the batch shapes do not broadcast)."""
        vec = as_points(v, self.dim, name)
        batch = broadcast_batch(None, **{name: vec, theta_name: theta})
        return np.broadcast_to(vec, batch + (self.dim,))

    # ------------------------------------------------------------------ metric
    def metric_matrix(self, theta: ArrayLike) -> NDArray:
        """Fisher information matrix at ``theta``.

        Parameters
        ----------
        theta : array-like, shape=[..., dim]

        Returns
        -------
        ndarray, shape=[..., dim, dim]
            :math:`I(\\theta)`; in a non-base chart :math:`J^\\top I(x) J`.
        """
        return self._metric_at(theta, "theta")

    def _metric_at(self, theta: ArrayLike, name: str) -> NDArray:
        x = self._to_base(theta, name)
        g = self._metric(x)
        return g if self.chart.is_base else pullback_metric(g, self._jac(theta))

    def inverse_metric_matrix(self, theta: ArrayLike) -> NDArray:
        """Inverse Fisher matrix, shape ``[..., dim, dim]``."""
        return np.linalg.inv(self.metric_matrix(theta))

    def inner_product(self, tangent_vec_a: ArrayLike, tangent_vec_b: ArrayLike,
                      base_point: ArrayLike) -> NDArray:
        """:math:`\\langle u, v\\rangle_\\theta = u^\\top I(\\theta) v`, shape ``[...]``."""
        g = self._metric_at(base_point, "base_point")
        u = as_points(tangent_vec_a, self.dim, "tangent_vec_a")
        v = as_points(tangent_vec_b, self.dim, "tangent_vec_b")
        broadcast_batch(tangent_vec_a=u, tangent_vec_b=v, base_point=g[..., 0])
        return np.einsum("...i,...ij,...j->...", u, g, v)

    def squared_norm(self, vector: ArrayLike, base_point: ArrayLike) -> NDArray:
        """:math:`\\|v\\|^2_\\theta`."""
        return self.inner_product(vector, vector, base_point)

    def norm(self, vector: ArrayLike, base_point: ArrayLike) -> NDArray:
        """:math:`\\|v\\|_\\theta = \\sqrt{v^\\top I(\\theta) v}`."""
        return np.sqrt(np.maximum(self.squared_norm(vector, base_point), 0.0))

    # ------------------------------------------------------------------ connections
    # (in _connection_methods.py)
    christoffels = _connection_methods.christoffels
    _in_chart_connection = _connection_methods._in_chart_connection
    skewness_tensor = _connection_methods.skewness_tensor
    alpha_christoffels = _connection_methods.alpha_christoffels
    _alpha_christoffels = _connection_methods._alpha_christoffels
    riemann_tensor = _connection_methods.riemann_tensor
    alpha_riemann_tensor = _connection_methods.alpha_riemann_tensor
    alpha_scalar_curvature = _connection_methods.alpha_scalar_curvature
    ricci_tensor = _connection_methods.ricci_tensor
    scalar_curvature = _connection_methods.scalar_curvature

    # ------------------------------------------------------------------ geodesics
    # (in _geodesic_methods.py)
    exp = _geodesic_methods.exp
    _check_end = _geodesic_methods._check_end
    log = _geodesic_methods.log
    log_shooting = _geodesic_methods.log_shooting
    _shoot = _geodesic_methods._shoot
    dist = _geodesic_methods.dist
    squared_dist = _geodesic_methods.squared_dist
    geodesic = _geodesic_methods.geodesic

    # ------------------------------------------------------------------ statistics
    # (in _statistics_methods.py)
    _data = _statistics_methods._data
    _data_and_point = _statistics_methods._data_and_point
    log_prob = _statistics_methods.log_prob
    score = _statistics_methods.score
    log_prob_hessian = _statistics_methods.log_prob_hessian
    _log_prob_hessian = _statistics_methods._log_prob_hessian
    sample = _statistics_methods.sample
    kl_divergence = _statistics_methods.kl_divergence
    random_point = _statistics_methods.random_point
    point_from_unit = _statistics_methods.point_from_unit

    # ------------------------------------------------------------------ counterparts
    @classmethod
    def registry_examples(cls) -> dict[str, Callable[[], StatisticalManifold]]:
        """``examples`` if the class declares them, else ``{snake_case name: class}``."""
        declared = cls.__dict__.get("examples")
        if declared is not None:
            return dict(declared)
        return {re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower(): cls}

    @property
    def to_scipy(self) -> Callable[[ArrayLike], Any]:
        """``to_scipy(theta)``: the frozen ``scipy.stats`` distribution at ``theta``
        (current chart). Only families that declare a scipy counterpart have it."""
        if self.scipy_counterpart is None:
            raise AttributeError(f"{type(self).__name__} has no scipy.stats counterpart")
        from .scipy_conversion import to_scipy

        return lambda theta: to_scipy(self, theta)

    @property
    def from_scipy(self) -> Callable[[Any], NDArray]:
        """``from_scipy(dist)``: the point (current chart) of a frozen ``scipy.stats``
        distribution of this family, validated against the parameter domain."""
        if self.scipy_counterpart is None:
            raise AttributeError(f"{type(self).__name__} has no scipy.stats counterpart")
        from .scipy_conversion import point_from_scipy

        return lambda dist: point_from_scipy(self, dist)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(chart={self.chart.name!r})"
