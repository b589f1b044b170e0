"""scipy.stats frozen distributions ↔ (infogeo manifold, point), from the declarations.

A family declares its scipy counterpart (:class:`~infogeo.manifolds.declarations.
ScipyCounterpart`): the scipy name, which scipy argument carries which parameter block
(possibly as a reciprocal, ``scale = 1/rate``), the arguments that must have a fixed value
(``loc = 0``) and the hyper-parameters that fix the family (Binomial's ``n``). This module
is the one implementation of both directions for every family; ``manifold.to_scipy`` and
``manifold.from_scipy`` call it.

Every point read from scipy is validated against the family's parameter domain: scipy
freezes ``norm(0, -1)`` or ``beta(-1, 2)`` without complaint, infogeo refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..manifolds import StatisticalManifold
from ..manifolds.declarations import Reciprocal, ScipyCounterpart, Size
from ..manifolds.registry import family_classes

__all__ = ["from_scipy", "to_scipy", "point_from_scipy", "frozen_arguments", "SCIPY_FAMILIES"]


def frozen_arguments(frozen: Any) -> tuple[str, dict[str, Any]]:
    """``(scipy name, {argument: value})`` of a frozen scipy.stats distribution.

    Univariate distributions: the shape parameters, ``loc`` and (continuous ones)
    ``scale``, with scipy's defaults filled in. Multivariate ones (``dirichlet``,
    ``multivariate_normal``, …): their public attributes, read on demand.
    """
    from scipy import stats

    dist = getattr(frozen, "dist", None)
    if isinstance(dist, stats.rv_continuous | stats.rv_discrete):
        shapes = [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]
        continuous = isinstance(dist, stats.rv_continuous)
        order = shapes + ["loc"] + (["scale"] if continuous else [])
        values: dict[str, Any] = dict(zip(order, frozen.args, strict=False))
        values.update(frozen.kwds)
        values.setdefault("loc", 0.0)
        if continuous:
            values.setdefault("scale", 1.0)
        return dist.name, values
    name = type(frozen).__name__
    if name.endswith("_frozen"):
        return name[: -len("_frozen")], _AttributeArguments(frozen)
    raise TypeError(f"dist must be a frozen scipy.stats distribution, got {name}")


class _AttributeArguments(dict):
    """The arguments of a multivariate frozen distribution: its attributes."""

    def __init__(self, frozen: Any) -> None:
        super().__init__()
        self._frozen = frozen

    def __missing__(self, key: str) -> Any:
        return getattr(self._frozen, key)


def _counterpart(manifold: StatisticalManifold) -> ScipyCounterpart:
    counterpart = manifold.scipy_counterpart
    if counterpart is None:
        raise TypeError(f"{type(manifold).__name__} has no scipy.stats counterpart")
    return counterpart


def to_scipy(manifold: StatisticalManifold, theta: ArrayLike) -> Any:
    """The frozen ``scipy.stats`` distribution of ``manifold`` at ``theta`` (its chart).

    Raises
    ------
    TypeError
        If the family has no scipy counterpart (e.g. regression models, a generic
        exponential family).
    """
    from scipy import stats

    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be an infogeo StatisticalManifold, "
                        f"got {type(manifold).__name__}")
    counterpart = _counterpart(manifold)
    x = manifold._to_base(theta)
    if not counterpart.batched and x.ndim != 1:
        raise ValueError(f"theta must be a single point of shape ({manifold.dim},) "
                         f"(scipy.stats.{counterpart.name} is not batched), got shape {x.shape}")
    blocks = {block.name: block.to_value(part) for block, part in manifold._blocks(x)}
    kwargs: dict[str, Any] = {}
    for argument, source in counterpart.arguments.items():
        if isinstance(source, Reciprocal):
            kwargs[argument] = 1.0 / blocks[source.parameter]
        else:
            kwargs[argument] = blocks[source]
    for keyword, argument in counterpart.hyper.items():
        if isinstance(argument, str):
            kwargs[argument] = getattr(manifold, keyword)
    return getattr(stats, counterpart.name)(**kwargs)


def _read(values: dict[str, Any], argument: str, name: str) -> NDArray:
    try:
        arr = np.asarray(values[argument], dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"dist argument {argument} must be numeric, got "
                         f"{values[argument]!r}") from err
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"dist argument {argument} must be finite (no NaN or inf), got "
                         f"{arr!r} for the parameter {name}")
    return arr


def _hyper_value(values: dict[str, Any], source: str | Size) -> Any:
    """A hyper-parameter read off the distribution: one value for the whole batch."""
    if isinstance(source, Size):
        return int(np.shape(values[source.argument])[-1])
    arr = np.asarray(values[source], dtype=float)
    if arr.size == 0 or not np.all(arr == arr.flat[0]):
        raise ValueError(f"dist must have a single {source} for the whole batch (it fixes the "
                         f"infogeo family), got {source}={values[source]!r}")
    value = float(arr.flat[0])
    return int(value) if value.is_integer() else value


def _check_hyper(manifold: StatisticalManifold, values: dict[str, Any], keyword: str,
                 source: str | Size) -> None:
    mine, family = getattr(manifold, keyword), type(manifold).__name__
    if isinstance(source, Size):
        given = _hyper_value(values, source)
        if given != mine:
            raise ValueError(f"dist must have {mine} entries in {source.argument} ({keyword} "
                             f"of this {family}), got {given}")
        return
    given = np.asarray(values[source], dtype=float)
    same = np.shape(given) in ((), np.shape(mine)) or np.ndim(mine) == 0
    if not (same and np.allclose(given, mine, rtol=1e-12, atol=1e-12)):
        raise ValueError(f"dist must have {source} = {np.asarray(mine).tolist()!r} ({keyword} "
                         f"of this {family}), got {source} = {given.tolist()!r}")


def point_from_scipy(manifold: StatisticalManifold, dist: Any) -> NDArray:
    """The point of ``manifold`` (its chart) of a frozen scipy distribution of its family.

    Raises
    ------
    ValueError
        If ``dist`` is another distribution, has other fixed arguments or
        hyper-parameters than ``manifold``, or its parameters are outside the domain.
    """
    counterpart = _counterpart(manifold)
    try:
        name, values = frozen_arguments(dist)
    except TypeError:
        name, values = type(dist).__name__, {}
    if name != counterpart.name:
        raise ValueError(f"dist must be a frozen scipy.stats.{counterpart.name}, got {name!r}")
    for argument, value in counterpart.fixed.items():
        if np.any(np.asarray(values[argument]) != value):
            raise ValueError(f"dist must have {argument}={value} (the infogeo family has no "
                             f"{argument}), got {argument}={values[argument]!r}")
    for keyword, source in counterpart.hyper.items():
        _check_hyper(manifold, values, keyword, source)
    sources = {(s.parameter if isinstance(s, Reciprocal) else s): (a, s)
               for a, s in counterpart.arguments.items()}
    parts = []
    for block in manifold.parameters:
        argument, source = sources[block.name]
        value = _read(values, argument, block.name)
        if isinstance(source, Reciprocal):
            with np.errstate(divide="ignore"):
                value = 1.0 / value
            if not np.all(np.isfinite(value)):
                raise ValueError(f"dist argument {argument} must be nonzero: {block.name} = "
                                 f"1/{argument} is infinite, got {argument}={values[argument]!r}")
        parts.append(block.from_value(value))
    batch = np.broadcast_shapes(*(p.shape[:-1] for p in parts))
    x = np.concatenate([np.broadcast_to(p, batch + p.shape[-1:]) for p in parts], axis=-1)
    try:
        manifold._check_base(x, "dist")
    except ValueError as err:
        read = ", ".join(f"{a}={values[a]!r}" for a in counterpart.arguments)
        raise ValueError(f"{err} (read from scipy.stats.{name}({read}))") from None
    return manifold._from_base(x)


def _builder(cls: type[StatisticalManifold]) -> Callable[[Any], StatisticalManifold]:
    counterpart = cls.scipy_counterpart
    assert counterpart is not None

    def build(dist: Any) -> StatisticalManifold:
        _, values = frozen_arguments(dist)
        kwargs = {kw: _hyper_value(values, src) for kw, src in counterpart.hyper.items()}
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
