"""Counterparts of a declared family elsewhere: its scipy.stats distribution, its entry
in the symbolic catalogue and its geomstats space (part of the declaration of a family,
see :mod:`.declarations`, which re-exports these names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ScipyCounterpart", "Reciprocal", "Size", "SymbolicCounterpart",
           "GeomstatsCounterpart"]


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
