"""infogeo manifolds as geomstats spaces, and geomstats information-geometry spaces as
infogeo manifolds.

geomstats is an optional extra (it imports only with numpy < 2.4): it is imported inside
the functions here, never when :mod:`infogeo.interop` is imported. ``GEOMSTATS_BACKEND``
defaults to ``"numpy"``; set it to ``"autograd"`` before the first call to use geomstats'
autodiff-based tools (e.g. its ``FisherRaoMetric``).

Conventions on both sides: points ``[..., dim]``, Christoffel symbols
``gamma[..., k, i, j] = Γ^k_ij``. The Riemann tensors differ only in the position of the
upper index: infogeo's ``R[..., l, i, j, k] = R^l_{ijk}`` is geomstats'
``riemann[..., i, j, k, l]`` (both :math:`R^l{}_{ijk} = \\partial_j\\Gamma^l_{ki} -
\\partial_k\\Gamma^l_{ji} + \\Gamma^l_{jm}\\Gamma^m_{ki} - \\Gamma^l_{km}\\Gamma^m_{ji}`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..manifolds import StatisticalManifold
from ..manifolds.declarations import GeomstatsCounterpart

__all__ = [
    "to_geomstats",
    "from_geomstats",
    "point_to_geomstats",
    "point_from_geomstats",
    "tangent_to_geomstats",
    "tangent_from_geomstats",
    "import_geomstats",
]


def import_geomstats() -> Any:
    """Import geomstats (numpy backend unless ``GEOMSTATS_BACKEND`` is set).

    Raises
    ------
    ImportError
        With installation advice, if geomstats is missing or cannot import (it needs
        numpy < 2.4).
    """
    os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")
    try:
        import geomstats
        import geomstats.backend  # noqa: F401 - selects the backend
    except Exception as err:  # geomstats 2.8 fails with AttributeError on numpy >= 2.4
        raise ImportError(
            "infogeo.interop geomstats functions need the optional geomstats extra "
            "(pip install 'infogeo[geomstats]', which needs numpy < 2.4): "
            f"{type(err).__name__}: {err}") from err
    return geomstats


# ---------------------------------------------------------------------- infogeo → geomstats
def _required(base_point: ArrayLike | None) -> ArrayLike:
    """geomstats lets flat metrics omit the base point; the Fisher metric depends on it."""
    if base_point is None:
        raise ValueError("base_point is required: the Fisher metric depends on the point")
    return base_point


@functools.cache
def _adapter_classes() -> tuple[type, type]:
    """The geomstats space and metric classes that wrap an infogeo manifold (built once,
    lazily, because their bases live in geomstats)."""
    import_geomstats()
    from geomstats.geometry.base import VectorSpaceOpenSet
    from geomstats.geometry.euclidean import Euclidean
    from geomstats.geometry.riemannian_metric import RiemannianMetric

    class InfogeoFisherMetric(RiemannianMetric):
        """The Fisher metric of an infogeo manifold, every operation computed by infogeo."""

        def __init__(self, space: Any) -> None:
            super().__init__(space, signature=(space.dim, 0))
            self.manifold: StatisticalManifold = space.manifold

        def metric_matrix(self, base_point: ArrayLike | None = None) -> NDArray:
            return self.manifold.metric_matrix(_required(base_point))

        def cometric_matrix(self, base_point: ArrayLike | None = None) -> NDArray:
            return self.manifold.inverse_metric_matrix(_required(base_point))

        def christoffels(self, base_point: ArrayLike | None = None) -> NDArray:
            return self.manifold.christoffels(_required(base_point))

        def inner_product(self, tangent_vec_a: ArrayLike, tangent_vec_b: ArrayLike,
                          base_point: ArrayLike | None = None) -> NDArray:
            return self.manifold.inner_product(tangent_vec_a, tangent_vec_b,
                                              _required(base_point))

        def squared_norm(self, vector: ArrayLike, base_point: ArrayLike | None = None) -> NDArray:
            return self.manifold.squared_norm(vector, _required(base_point))

        def norm(self, vector: ArrayLike, base_point: ArrayLike | None = None) -> NDArray:
            return self.manifold.norm(vector, _required(base_point))

        def exp(self, tangent_vec: ArrayLike, base_point: ArrayLike) -> NDArray:
            return self.manifold.exp(tangent_vec, base_point)

        def log(self, point: ArrayLike, base_point: ArrayLike) -> NDArray:
            return self.manifold.log(point, base_point)

        def dist(self, point_a: ArrayLike, point_b: ArrayLike) -> NDArray:
            return self.manifold.dist(point_a, point_b)

        def squared_dist(self, point_a: ArrayLike, point_b: ArrayLike) -> NDArray:
            return self.manifold.squared_dist(point_a, point_b)

        def riemann_tensor(self, base_point: ArrayLike | None = None) -> NDArray:
            # infogeo R[..., l, i, j, k] = R^l_ijk; geomstats puts l last
            return np.moveaxis(self.manifold.riemann_tensor(_required(base_point)), -4, -1)

        def scalar_curvature(self, base_point: ArrayLike | None = None) -> NDArray:
            return self.manifold.scalar_curvature(_required(base_point))

    class InfogeoSpace(VectorSpaceOpenSet):
        """An infogeo manifold as a geomstats open set of R^dim (current chart)."""

        def __init__(self, manifold: StatisticalManifold,
                     rng: np.random.Generator | None = None, equip: bool = True) -> None:
            self.manifold = manifold
            self.rng = rng
            super().__init__(dim=manifold.dim, embedding_space=Euclidean(manifold.dim,
                                                                         equip=False),
                             equip=equip)

        @staticmethod
        def default_metric() -> type:
            return InfogeoFisherMetric

        def _in_domain(self, point: NDArray) -> bool:
            try:
                self.manifold.change_chart(point, self.manifold.chart.name)
            except ValueError:
                return False
            return True

        def belongs(self, point: ArrayLike, atol: float = 0.0) -> NDArray:
            point = np.asarray(point, dtype=float)
            if point.ndim == 0 or point.shape[-1] != self.dim:
                return np.zeros(point.shape[:-1] if point.ndim else (), dtype=bool)
            if self._in_domain(point):  # the common case: one vectorized check
                return np.ones(point.shape[:-1], dtype=bool)
            flat = point.reshape(-1, self.dim)
            inside = np.array([self._in_domain(p) for p in flat], dtype=bool)
            return inside.reshape(point.shape[:-1])

        def projection(self, point: ArrayLike) -> NDArray:
            # an open parameter domain has no canonical projection: points pass unchanged
            return np.asarray(point, dtype=float)

        def random_point(self, n_samples: int = 1, bound: float = 1.0) -> NDArray:
            if self.rng is None:
                raise ValueError("random_point needs a generator: build the space with "
                                 "to_geomstats(manifold, rng=np.random.default_rng(seed))")
            size = () if n_samples == 1 else (n_samples,)
            return self.manifold.random_point(self.rng, size)

    return InfogeoSpace, InfogeoFisherMetric


def to_geomstats(manifold: StatisticalManifold, rng: np.random.Generator | None = None) -> Any:
    """An infogeo manifold as a geomstats space equipped with its Fisher metric.

    The space is a subclass of geomstats' ``VectorSpaceOpenSet`` (points ``[..., dim]`` in
    the manifold's current chart) equipped with a ``RiemannianMetric`` subclass whose
    ``metric_matrix``, ``cometric_matrix``, ``christoffels``, ``inner_product``,
    ``squared_norm``, ``exp``, ``log``, ``dist``, ``squared_dist``, ``riemann_tensor`` and
    ``scalar_curvature`` call infogeo, so geomstats' own tools (``FrechetMean``,
    ``geodesic``, ``KMeans``, …) run on infogeo's geometry:

    .. math::

        g_{ij}(\\theta) = I(\\theta)_{ij}, \\qquad
        \\operatorname{Exp}_\\theta(v) = \\gamma_v(1), \\qquad
        \\operatorname{Log}_\\theta = \\operatorname{Exp}_\\theta^{-1}.

    Parameters
    ----------
    manifold : StatisticalManifold
    rng : numpy.random.Generator, optional
        Used by the space's ``random_point`` (geomstats' signature has no generator).

    Returns
    -------
    geomstats space, with ``.manifold`` (the infogeo manifold) and ``.metric``.
    """
    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be an infogeo StatisticalManifold, "
                        f"got {type(manifold).__name__}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    space_class, _ = _adapter_classes()
    return space_class(manifold, rng=rng)


# ---------------------------------------------------------------------- geomstats → infogeo
def _identity(x: NDArray) -> NDArray:
    return np.asarray(x, dtype=float)


def _drop_last(p: NDArray) -> NDArray:
    return np.asarray(p, dtype=float)[..., :-1]


def _append_complement(x: NDArray) -> NDArray:
    x = np.asarray(x, dtype=float)
    return np.concatenate([x, 1.0 - x.sum(-1, keepdims=True)], axis=-1)


def _append_negative_sum(v: NDArray) -> NDArray:
    v = np.asarray(v, dtype=float)
    return np.concatenate([v, -v.sum(-1, keepdims=True)], axis=-1)


#: point layouts a family can declare: (point_in, point_out, tangent_in, tangent_out)
_POINT_LAYOUTS: dict[str, tuple[Callable[[NDArray], NDArray], ...]] = {
    "same": (_identity, _identity, _identity, _identity),
    # geomstats stores all k probabilities, infogeo the first k − 1
    "full_probabilities": (_drop_last, _append_complement, _drop_last, _append_negative_sum),
}


@dataclass(frozen=True)
class _Match:
    """How one geomstats space class maps onto an infogeo family (from its declaration)."""

    geomstats_class: type
    family: type[StatisticalManifold]

    @property
    def counterpart(self) -> GeomstatsCounterpart:
        counterpart = self.family.geomstats_counterpart
        assert counterpart is not None
        return counterpart

    def build(self, space: Any) -> StatisticalManifold:
        kwargs = {kw: int(getattr(space, attr)) + offset
                  for kw, (attr, offset) in self.counterpart.hyper.items()}
        return self.family(chart=self.counterpart.chart, **kwargs)

    def converter(self, which: int) -> Callable[[NDArray], NDArray]:
        return _POINT_LAYOUTS[self.counterpart.points][which]


def _matches() -> list[_Match]:
    import importlib

    from ..manifolds.registry import family_classes

    out = []
    for family in family_classes():
        counterpart = family.geomstats_counterpart
        if counterpart is None:
            continue
        module, name = counterpart.space.rsplit(".", 1)
        cls = getattr(importlib.import_module(f"geomstats.information_geometry.{module}"), name)
        out.append(_Match(cls, family))
    return out


def _match_for(space: Any) -> _Match | None:
    import_geomstats()
    found = [m for m in _matches() if isinstance(space, m.geomstats_class)]
    # the most derived geomstats class wins (Beta ⊂ Dirichlet, Categorical ⊂ Multinomial)
    return max(found, key=lambda m: len(m.geomstats_class.__mro__), default=None)


def from_geomstats(space: Any) -> StatisticalManifold:
    """A geomstats space as an infogeo manifold.

    The information-geometry spaces of geomstats map onto the infogeo family that
    declares them (``geomstats_counterpart``), in the chart of geomstats' coordinates:

    ==============================  ================================================
    geomstats                        infogeo
    ==============================  ================================================
    NormalDistributions(1)           ``Normal("mu_sigma")``  (μ, σ)
    BetaDistributions                ``Beta("a_b")``
    GammaDistributions               ``Gamma("shape_mean")``  (κ, γ = κ/ν)
    DirichletDistributions(k)        ``Dirichlet(k, "alpha")``
    CategoricalDistributions(n)      ``Categorical(n + 1, "probs")``  (first n of n + 1)
    PoissonDistributions             ``Poisson("rate")``
    ExponentialDistributions         ``Exponential("rate")``
    BinomialDistributions(n)         ``Binomial(n, "p")``
    GeometricDistributions           ``Geometric("p")``
    ==============================  ================================================

    Only the categorical points differ: convert with :func:`point_from_geomstats` /
    :func:`point_to_geomstats` (and the ``tangent_*`` twins). Any other equipped geomstats
    space whose points are vectors ``[..., dim]`` is wrapped generically
    (:class:`~infogeo.interop.geomstats_manifold.GeomstatsManifold`), its geometry
    computed by geomstats.
    """
    match = _match_for(space)
    if match is not None:
        return match.build(space)
    from .geomstats_manifold import GeomstatsManifold

    return GeomstatsManifold(space)


def _converter(space: Any, which: int) -> Callable[[NDArray], NDArray]:
    match = _match_for(space)
    return _identity if match is None else match.converter(which)


def point_from_geomstats(space: Any, point: ArrayLike) -> NDArray:
    """Coordinates in ``from_geomstats(space)`` of geomstats points of ``space``."""
    return _converter(space, 0)(np.asarray(point, dtype=float))


def point_to_geomstats(space: Any, theta: ArrayLike) -> NDArray:
    """geomstats points of ``space`` for points of ``from_geomstats(space)``."""
    return _converter(space, 1)(np.asarray(theta, dtype=float))


def tangent_from_geomstats(space: Any, tangent_vec: ArrayLike) -> NDArray:
    """Components in ``from_geomstats(space)`` of a geomstats tangent vector of ``space``
    (for the categorical: the first n components of a vector whose entries sum to 0)."""
    return _converter(space, 2)(np.asarray(tangent_vec, dtype=float))


def tangent_to_geomstats(space: Any, tangent_vec: ArrayLike) -> NDArray:
    """geomstats tangent vector of ``space`` for a tangent vector of
    ``from_geomstats(space)``."""
    return _converter(space, 3)(np.asarray(tangent_vec, dtype=float))
