"""scipy.stats frozen distributions ↔ (infogeo manifold, point).

Each numeric family that scipy has carries ``to_scipy(theta)`` / ``from_scipy(frozen)``
methods; this module adds the registry-level dispatch: which family (with which fixed
hyper-parameters: number of trials, degrees of freedom, dimension) a frozen scipy
distribution belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import manifolds as _m
from ..manifolds import StatisticalManifold
from ..manifolds.beta import frozen_parameters

__all__ = ["from_scipy", "to_scipy", "SCIPY_FAMILIES"]


def _scalar_hyper(value: Any, name: str, dist: Any) -> float:
    """A hyper-parameter that fixes the family (n, df, ...): one number for the batch."""
    arr = np.asarray(value, dtype=float)
    if arr.size == 0 or not np.all(arr == arr.flat[0]):
        raise ValueError(f"dist must have a single {name} for the whole batch (it fixes the "
                         f"infogeo family), got {name}={value!r}")
    return float(arr.flat[0])


def _binomial(dist: Any) -> StatisticalManifold:
    n, _p, _loc, _scale = frozen_parameters(dist, "binom", ("n", "p"))
    n = _scalar_hyper(n, "n", dist)
    if n != int(n) or n < 1:
        raise ValueError(f"dist must have an integer number of trials n >= 1, got n={n!r}")
    return _m.Binomial(n_trials=int(n))


def _negative_binomial(dist: Any) -> StatisticalManifold:
    n, _p, _loc, _scale = frozen_parameters(dist, "nbinom", ("n", "p"))
    return _m.NegativeBinomial(r=_scalar_hyper(n, "n", dist))


def _student_t(dist: Any) -> StatisticalManifold:
    df, _loc, _scale = frozen_parameters(dist, "t", ("df",))
    return _m.StudentT(nu=_scalar_hyper(df, "df", dist))


def _dirichlet(dist: Any) -> StatisticalManifold:
    return _m.Dirichlet(k=np.asarray(dist.alpha).shape[-1])


def _multivariate_normal(dist: Any) -> StatisticalManifold:
    return _m.MultivariateNormal(d=int(dist.dim))


#: scipy name (``frozen.dist.name``, or the frozen class name for multivariate
#: distributions) → builder of the infogeo family from the frozen distribution
SCIPY_FAMILIES: dict[str, Callable[[Any], StatisticalManifold]] = {
    "norm": lambda d: _m.Normal(),
    "t": _student_t,
    "cauchy": lambda d: _m.Cauchy(),
    "vonmises": lambda d: _m.VonMises(),
    "poisson": lambda d: _m.Poisson(),
    "expon": lambda d: _m.Exponential(),
    "bernoulli": lambda d: _m.Bernoulli(),
    "binom": _binomial,
    "geom": lambda d: _m.Geometric(),
    "nbinom": _negative_binomial,
    "gamma": lambda d: _m.Gamma(),
    "beta": lambda d: _m.Beta(),
    "dirichlet_frozen": _dirichlet,
    "multivariate_normal_frozen": _multivariate_normal,
}


def _scipy_name(frozen: Any) -> str:
    name = getattr(getattr(frozen, "dist", None), "name", None)
    if name is None:  # multivariate frozen distributions are named by their class
        name = type(frozen).__name__
    return name


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
    name = _scipy_name(frozen)
    if name not in SCIPY_FAMILIES:
        raise ValueError(f"frozen must be one of the scipy.stats distributions "
                         f"{sorted(SCIPY_FAMILIES)}, got {name!r}")
    manifold = SCIPY_FAMILIES[name](frozen)
    if chart is not None:
        manifold = manifold.in_chart(chart)
    point: NDArray = getattr(manifold, "from_scipy")(frozen)  # noqa: B009 - not on the base class
    return manifold, point


def to_scipy(manifold: StatisticalManifold, theta: ArrayLike) -> Any:
    """The frozen ``scipy.stats`` distribution of ``manifold`` at ``theta`` (its chart).

    Raises
    ------
    TypeError
        If the family has no scipy counterpart (e.g. regression models, a generic
        exponential family).
    """
    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be an infogeo StatisticalManifold, "
                        f"got {type(manifold).__name__}")
    method = getattr(manifold, "to_scipy", None)
    if method is None:
        raise TypeError(f"{type(manifold).__name__} has no scipy.stats counterpart "
                        "(no to_scipy method)")
    try:
        return method(theta)
    except NotImplementedError as err:
        raise TypeError(f"{type(manifold).__name__} has no scipy.stats counterpart: "
                        f"{err}") from err
