"""scipy.stats frozen distributions ↔ (infogeo manifold, point), from the declarations.

A family declares its scipy counterpart (:class:`~infogeo.manifolds.declarations.
ScipyCounterpart`): the scipy name, which scipy argument carries which parameter block
(possibly as a reciprocal, ``scale = 1/rate``), the arguments that must have a fixed value
(``loc = 0``) and the hyper-parameters that fix the family (Binomial's ``n``). The
conversions of one manifold live in :mod:`infogeo.manifolds.scipy_conversion` (re-exported
here); this module adds the dispatch from a scipy name to the infogeo family.

Every point read from scipy is validated against the family's parameter domain: scipy
freezes ``norm(0, -1)`` or ``beta(-1, 2)`` without complaint, infogeo refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numpy.typing import ArrayLike, NDArray

from ..manifolds import StatisticalManifold, scipy_conversion
from ..manifolds.registry import family_classes
from ..manifolds.scipy_conversion import frozen_arguments, hyper_value, point_from_scipy

__all__ = ["from_scipy", "to_scipy", "point_from_scipy", "frozen_arguments", "SCIPY_FAMILIES"]


def to_scipy(manifold: StatisticalManifold, theta: ArrayLike) -> Any:
    """The frozen ``scipy.stats`` distribution of ``manifold`` at ``theta`` (its chart).

    Raises
    ------
    TypeError
        If ``manifold`` is not an infogeo manifold, or its family has no scipy
        counterpart (e.g. regression models, a generic exponential family).
    """
    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be an infogeo StatisticalManifold, "
                        f"got {type(manifold).__name__}")
    return scipy_conversion.to_scipy(manifold, theta)


def _builder(cls: type[StatisticalManifold]) -> Callable[[Any], StatisticalManifold]:
    counterpart = cls.scipy_counterpart
    assert counterpart is not None

    def build(dist: Any) -> StatisticalManifold:
        _, values = frozen_arguments(dist)
        kwargs = {kw: hyper_value(values, src) for kw, src in counterpart.hyper.items()}
        try:
            return cls(**kwargs)
        except ValueError as err:
            raise ValueError(f"dist does not fix a valid {cls.__name__}: {err}") from None

    return build


#: scipy.stats name → builder of the infogeo family (with the hyper-parameters the frozen
#: distribution fixes), for every family that declares a dispatching scipy counterpart
SCIPY_FAMILIES: dict[str, Callable[[Any], StatisticalManifold]] = {
    cls.scipy_counterpart.name: _builder(cls) for cls in family_classes()
    if cls.scipy_counterpart is not None and cls.scipy_counterpart.dispatch}


def from_scipy(frozen: Any, chart: str | None = None) -> tuple[StatisticalManifold, NDArray]:
    """The infogeo family and point of a frozen ``scipy.stats`` distribution.

    Parameters
    ----------
    frozen : frozen scipy.stats distribution
        E.g. ``scipy.stats.gamma(2.0, scale=0.5)``; parameters may be arrays (a batch).
    chart : str, optional
        Chart of the returned manifold and point (the family's base chart by default).

    Returns
    -------
    manifold : StatisticalManifold
        With the hyper-parameters the distribution fixes (n trials, degrees of freedom,
        dimension).
    point : ndarray, shape=[..., dim]

    Raises
    ------
    TypeError
        If ``frozen`` is not a frozen scipy.stats distribution.
    ValueError
        For a distribution without infogeo family, or parameters outside its domain
        (``norm(0, -1)``, ``norm(nan, 1)``, ``beta(-1, 2)``).

    Examples
    --------
    >>> from scipy import stats
    >>> manifold, point = from_scipy(stats.binom(10, 0.3))
    >>> manifold.n_trials, point
    (10, array([0.3]))
    """
    if not hasattr(frozen, "rvs"):
        raise TypeError(f"frozen must be a frozen scipy.stats distribution, "
                        f"got {type(frozen).__name__}")
    name, _ = frozen_arguments(frozen)
    if name not in SCIPY_FAMILIES:
        raise ValueError(f"frozen must be one of the scipy.stats distributions "
                         f"{sorted(SCIPY_FAMILIES)}, got {name!r}")
    manifold = SCIPY_FAMILIES[name](frozen)
    if chart is not None:
        manifold = manifold.in_chart(chart)
    return manifold, point_from_scipy(manifold, frozen)
