"""What a family declares about itself: its parameters, their domains, its counterparts.

A numeric family lists its base-chart parameters as blocks (:class:`Parameter` for
coordinates in an interval, :class:`ProbabilityVector` and :class:`CovarianceMatrix` for
the joint domains) and names its counterparts in scipy.stats, the symbolic catalogue and
geomstats. Everything else is derived from that: validation of points, random points,
the test strategies (points from the *typical* range and from the *edges* of the domain),
the family registry and the interop conversions.

The idea follows scipy.stats' new distribution infrastructure (parameters declared with
their domain, methods derived from the declaration); the code is infogeo's own.

A family module declares, e.g. (``infogeo/manifolds/weibull.py``)::

    class Weibull(StatisticalManifold):
        parameters = (Parameter("k", POSITIVE, typical=(0.5, 5.0), log_scale=True,
                                edges=(1e-4, 1e4), description="shape"),
                      Parameter("lambda", POSITIVE, typical=(0.37, 2.7), log_scale=True))
        scipy_counterpart = ScipyCounterpart("weibull_min", {"c": "k", "scale": "lambda"},
                                             fixed={"loc": 0.0})
        symbolic_counterpart = SymbolicCounterpart("weibull")

        def _charts(self): ...      # the base chart and the others, from chart builders
        def _metric(self, x): ...   # and the closed forms it has

and one line in ``docs/api.rst``; the registry, ``infogeo.manifolds``, the interop
adapters and the generic test suites pick it up.

Each block maps a point ``u`` of the unit cube ``[0, 1]^size`` onto its domain
(``from_unit``): onto the typical range for random points and demos, or onto the *edge
range* — the most extreme values the family promises to handle correctly (σ from 1e-8 to
1e8, probabilities down to 1e-15, shapes from 1e-4 to 1e4) — for the edge tests.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from .._checks import check_in_interval, check_positive

__all__ = ["Interval", "REAL", "POSITIVE", "NEGATIVE", "UNIT", "ParameterBlock", "Parameter",
           "ProbabilityVector", "CovarianceMatrix", "ScipyCounterpart", "Reciprocal", "Size",
           "SymbolicCounterpart", "GeomstatsCounterpart"]

#: default edge ranges: what "the edges of the domain" means for the usual domains
EDGE_SCALE = (1e-8, 1e8)
EDGE_PROBABILITY = 1e-15


@dataclass(frozen=True)
class Interval:
    """An interval of the real line; ``closed`` says which ends belong to it."""

    low: float = -np.inf
    high: float = np.inf
    closed: tuple[bool, bool] = (False, False)

    def contains(self, values: NDArray) -> NDArray:
        """Elementwise membership (False for NaN)."""
        above = values >= self.low if self.closed[0] else values > self.low
        below = values <= self.high if self.closed[1] else values < self.high
        return above & below

    def check(self, values: NDArray, label: str) -> None:
        """Raise ``ValueError`` naming ``label`` and the interval for values outside it."""
        if self.low == 0 and self.high == np.inf:
            check_positive(values, label, strict=not self.closed[0])
        elif self.low == -np.inf and self.high == 0:
            bad = ~self.contains(values)
            if np.any(bad):
                op = "<=" if self.closed[1] else "<"
                raise ValueError(f"{label} must be {op} 0, got "
                                 f"{float(np.asarray(values)[bad].flat[0])!r}")
        elif self.low > -np.inf or self.high < np.inf:
            check_in_interval(values, label, self.low, self.high, self.closed)

    def default_edges(self) -> tuple[float, float]:
        """The edge range of an interval without declared edges."""
        if self.low == -np.inf and self.high == np.inf:
            return -EDGE_SCALE[1], EDGE_SCALE[1]
        if self.low == 0 and self.high == np.inf:
            return EDGE_SCALE
        if self.low == -np.inf and self.high == 0:
            return -EDGE_SCALE[1], -EDGE_SCALE[0]
        width = self.high - self.low
        return self.low + EDGE_PROBABILITY * width, self.high - EDGE_PROBABILITY * width

    def outside(self) -> list[float]:
        """Values just outside the interval (its open ends included), for bad-input tests."""
        values = []
        for end, is_closed, step in ((self.low, self.closed[0], -1.0),
                                     (self.high, self.closed[1], 1.0)):
            if np.isfinite(end):
                values.append(end + step * max(1.0, abs(end)))
                if not is_closed:
                    values.append(end)
        return values


REAL = Interval()
POSITIVE = Interval(0.0, np.inf)
NEGATIVE = Interval(-np.inf, 0.0)
UNIT = Interval(0.0, 1.0)


class ParameterBlock(abc.ABC):
    """One block of consecutive base-chart coordinates with a joint domain."""

    name: str

    @property
    @abc.abstractmethod
    def size(self) -> int:
        """Number of coordinates of the block."""

    @property
    @abc.abstractmethod
    def coordinate_names(self) -> tuple[str, ...]:
        """Names of the coordinates, in order."""

    @abc.abstractmethod
    def check(self, x: NDArray, label: str) -> None:
        """Raise ``ValueError`` naming ``label`` if ``x [..., size]`` is outside the domain."""

    @abc.abstractmethod
    def from_unit(self, u: NDArray, edges: bool = False) -> NDArray:
        """Map ``u [..., size]`` in the unit cube onto the typical range or the edge range."""

    @abc.abstractmethod
    def outside(self) -> list[NDArray]:
        """Blocks ``[size]`` just outside the domain, for bad-input tests."""

    def to_value(self, x: NDArray) -> NDArray:
        """The block as its natural value (a matrix for a covariance); ``x`` by default."""
        return x[..., 0] if self.size == 1 and self.scalar else x

    def from_value(self, value: NDArray) -> NDArray:
        """Inverse of :meth:`to_value`: coordinates ``[..., size]``."""
        value = np.asarray(value, dtype=float)
        return value[..., None] if self.size == 1 and self.scalar else value

    #: a one-coordinate block that is a scalar (not a vector of length 1)
    scalar: bool = True


def _interpolate(u: NDArray, low: float, high: float, log_scale: bool) -> NDArray:
    if log_scale:
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


@dataclass(frozen=True)
class Parameter(ParameterBlock):
    """Coordinates that each lie in an interval.

    Parameters
    ----------
    name : str
        Name in messages and (with ``size`` 1) the coordinate name, e.g. ``"sigma"``.
    domain : Interval
        ``POSITIVE`` for (0, ∞), ``UNIT`` for (0, 1), ``REAL``, or any ``Interval``.
    typical : (float, float)
        Range of random points (uniform, or log-uniform with ``log_scale``).
    log_scale : bool
        Draw in log space (positive parameters that act as scales or shapes).
    edges : (float, float), optional
        The extreme values the family handles correctly; by default 1e-8..1e8 for a
        positive parameter, ±1e8 on the real line, 1e-15 from the ends of a bounded
        interval.
    size : int
        Number of coordinates (a vector parameter such as Dirichlet's α).
    coordinates : tuple of str, optional
        Coordinate names; ``name`` (size 1) or ``name_1 .. name_size`` by default.
    description : str
        Words for messages, e.g. ``"shape"``.
    scalar : bool
        False for a vector parameter (its value keeps the last axis even with size 1).
    """

    name: str
    domain: Interval = REAL
    typical: tuple[float, float] = (-1.0, 1.0)
    log_scale: bool = False
    edges: tuple[float, float] | None = None
    size: int = 1
    coordinates: tuple[str, ...] | None = None
    description: str = ""
    scalar: bool = True

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        if self.coordinates is not None:
            return self.coordinates
        if self.size == 1 and self.scalar:
            return (self.name,)
        return tuple(f"{self.name}_{i + 1}" for i in range(self.size))

    @property
    def edge_range(self) -> tuple[float, float]:
        return self.edges if self.edges is not None else self.domain.default_edges()

    def _label(self, label: str) -> str:
        extra = f" ({self.description})" if self.description else ""
        return f"{label}: {self.name}{extra}"

    def check(self, x: NDArray, label: str) -> None:
        self.domain.check(x, self._label(label))

    def from_unit(self, u: NDArray, edges: bool = False) -> NDArray:
        low, high = self.edge_range if edges else self.typical
        log_scale = self.log_scale and low > 0
        return _interpolate(np.asarray(u, dtype=float), low, high, log_scale)

    def outside(self) -> list[NDArray]:
        inside = self.from_unit(np.full(self.size, 0.5))
        out = []
        for value in self.domain.outside():
            block = inside.copy()
            block[-1] = value
            out.append(block)
        return out


@dataclass(frozen=True)
class ProbabilityVector(ParameterBlock):
    """The first k − 1 probabilities of a distribution on k labels (the open simplex)."""

    n_categories: int
    name: str = "p"
    scalar: bool = False

    @property
    def size(self) -> int:
        return self.n_categories - 1

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        return tuple(f"{self.name}_{i}" for i in range(self.size))

    def check(self, x: NDArray, label: str) -> None:
        check_positive(x, f"{label}: probabilities {self.name}_0..{self.name}_{self.size - 1}")
        check_positive(1.0 - x.sum(-1), f"{label}: last probability 1 - sum({self.name})")

    def from_unit(self, u: NDArray, edges: bool = False) -> NDArray:
        u = np.asarray(u, dtype=float)
        if edges:
            # each probability log-uniform down to 1e-15 relative to the last one
            weights = np.exp(np.log(EDGE_PROBABILITY) * (1.0 - u))
            full = np.concatenate([weights, np.ones(u.shape[:-1] + (1,))], axis=-1)
        else:
            # uniform on the simplex (spacings of sorted uniforms), mixed with the uniform
            # distribution: every p_a >= 0.7/k keeps unit-size geodesic steps inside
            cuts = np.sort(u, axis=-1)
            edges_ = np.concatenate([np.zeros(u.shape[:-1] + (1,)), cuts,
                                     np.ones(u.shape[:-1] + (1,))], axis=-1)
            full = 0.7 / self.n_categories + 0.3 * np.diff(edges_, axis=-1)
        full = full / full.sum(-1, keepdims=True)
        return full[..., :-1]

    def outside(self) -> list[NDArray]:
        k = self.n_categories
        negative = np.full(k - 1, 1.0 / k)
        negative[0] = -0.1
        overfull = np.full(k - 1, 1.5 / (k - 1))
        zero = np.full(k - 1, 1.0 / k)
        zero[-1] = 0.0
        return [negative, overfull, zero]


@dataclass(frozen=True)
class CovarianceMatrix(ParameterBlock):
    """A symmetric positive-definite d × d matrix, stored as its row-major upper triangle."""

    d: int
    name: str = "sigma"
    scalar: bool = False

    @property
    def size(self) -> int:
        return self.d * (self.d + 1) // 2

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        rows, cols = np.triu_indices(self.d)
        return tuple(f"{self.name}{i}{j}" for i, j in zip(rows, cols, strict=True))

    def to_value(self, x: NDArray) -> NDArray:
        rows, cols = np.triu_indices(self.d)
        out = np.zeros(x.shape[:-1] + (self.d, self.d))
        out[..., rows, cols] = x
        out[..., cols, rows] = x
        return out

    def from_value(self, value: NDArray) -> NDArray:
        value = np.asarray(value, dtype=float)
        if value.shape[-2:] != (self.d, self.d):
            raise ValueError(f"{self.name} must be a {self.d} x {self.d} matrix, got shape "
                             f"{value.shape}")
        if not np.allclose(value, np.swapaxes(value, -1, -2), rtol=1e-12, atol=0.0):
            raise ValueError(f"{self.name} must be symmetric, got an asymmetric matrix")
        rows, cols = np.triu_indices(self.d)
        return value[..., rows, cols]

    def check(self, x: NDArray, label: str) -> None:
        smallest = np.linalg.eigvalsh(self.to_value(x))[..., 0]
        bad = ~(smallest > 0)
        if np.any(bad):
            raise ValueError(f"{label}: the covariance (upper-triangular entries) must be "
                             f"symmetric positive definite, got smallest eigenvalue "
                             f"{float(smallest[bad].flat[0])!r}")

    def from_unit(self, u: NDArray, edges: bool = False) -> NDArray:
        u = np.asarray(u, dtype=float)
        d, batch = self.d, u.shape[:-1]
        rows, cols = np.triu_indices(d)
        diagonal = rows == cols
        if edges:
            # a common scale log-uniform in [1e-6, 1e6] times relative eigenvalues in
            # [1e-2, 1e2] (so every eigenvalue is in [1e-8, 1e8] and the condition number,
            # at most 1e4, leaves the stored triangle meaningful digits), eigenvectors
            # from a Givens rotation per off-diagonal coordinate (angles in [0, π))
            first = u[..., diagonal][..., :1]
            lam = (_interpolate(first, 1e-6, 1e6, log_scale=True)
                   * _interpolate(u[..., diagonal], 1e-2, 1e2, log_scale=True))
            rot = np.broadcast_to(np.eye(d), batch + (d, d)).copy()
            for angle, (i, j) in zip(np.moveaxis(np.pi * u[..., ~diagonal], -1, 0),
                                     zip(rows[~diagonal], cols[~diagonal], strict=True),
                                     strict=True):
                givens = np.broadcast_to(np.eye(d), batch + (d, d)).copy()
                c, s = np.cos(angle), np.sin(angle)
                givens[..., i, i], givens[..., j, j] = c, c
                givens[..., i, j], givens[..., j, i] = -s, s
                rot = rot @ givens
            cov = np.einsum("...ij,...j,...kj->...ik", rot, lam, rot)
        else:
            # L Lᵀ with log-uniform diagonal in [e^-0.5, e^0.5] and N(0, 0.3²) below it
            u = np.clip(u, 1e-12, 1 - 1e-12)
            chol = np.zeros(batch + (d, d))
            chol[..., cols, rows] = np.where(diagonal, np.exp(u - 0.5), 0.3 * ndtri(u))
            cov = chol @ np.swapaxes(chol, -1, -2)
        return self.from_value(0.5 * (cov + np.swapaxes(cov, -1, -2)))

    def outside(self) -> list[NDArray]:
        indefinite = -np.eye(self.d)
        indefinite[0, 0] = 1.0
        return [self.from_value(indefinite), self.from_value(np.zeros((self.d, self.d)))]


# ---------------------------------------------------------------------- counterparts
@dataclass(frozen=True)
class Reciprocal:
    """A scipy argument that is the reciprocal of a parameter (``scale = 1/rate``)."""

    parameter: str


@dataclass(frozen=True)
class Size:
    """A hyper-parameter read off the length of a scipy argument (Dirichlet's k = len α)."""

    argument: str


@dataclass(frozen=True)
class ScipyCounterpart:
    """How a family maps onto ``scipy.stats.<name>``.

    Parameters
    ----------
    name : str
        The scipy.stats distribution, e.g. ``"gamma"`` or ``"multivariate_normal"``.
    arguments : mapping
        scipy argument → parameter block name (or :class:`Reciprocal` of one).
    fixed : mapping
        scipy arguments that must have this value (``loc = 0``, ``scale = 1``).
    hyper : mapping
        Constructor keyword of the family → scipy argument that carries it (it must be
        one value for the whole batch), or :class:`Size` of an argument.
    batched : bool
        False if the scipy distribution takes one point only (multivariate ones).
    dispatch : bool
        True if ``from_scipy(frozen)`` picks this family for ``name`` (one per name).
    """

    name: str
    arguments: Mapping[str, str | Reciprocal]
    fixed: Mapping[str, float] = field(default_factory=dict)
    hyper: Mapping[str, str | Size] = field(default_factory=dict)
    batched: bool = True
    dispatch: bool = True


@dataclass(frozen=True)
class SymbolicCounterpart:
    """The family's twin in :mod:`infogeo.symbolic.catalogue`, in the same base chart.

    ``kwargs`` maps catalogue keyword arguments to instance attributes (``n`` →
    ``"n_trials"``), ``hyper`` maps names of symbolic hyper-parameters to instance
    attributes (``nu`` → ``"nu"``); ``requires`` lists attribute values the catalogue
    version is written for (the catalogue categorical has 3 labels).
    """

    name: str
    kwargs: Mapping[str, str] = field(default_factory=dict)
    hyper: Mapping[str, str] = field(default_factory=dict)
    requires: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class GeomstatsCounterpart:
    """The family's geomstats space in ``geomstats.information_geometry``.

    ``space`` is ``"<module>.<class>"`` inside that package, ``chart`` the infogeo chart
    of geomstats' coordinates; ``hyper`` maps constructor keywords to attributes of the
    geomstats space, with an integer offset (``n_categories`` = ``dim`` + 1);
    ``points = "full_probabilities"`` when geomstats stores all k probabilities.
    """

    space: str
    chart: str
    hyper: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    points: str = "same"
