"""A parametric family given by its log-density: the input of every symbolic derivation.

A :class:`SymbolicFamily` is a few declarations (sympy.stats style): the log-density
ℓ(x | θ), the parameters θ, the variable(s) x, the support and the parameter domains. It
reads and validates them — from sympy objects or from strings, which are parsed by the
safe grammar of :mod:`.parsing`, never evaluated — and does nothing else: it integrates
nothing and touches no cache. Checking that exp(ℓ) is normalized is the first step of
every derivation (:func:`~infogeo.symbolic.check_normalization`).

Internally every symbol is replaced by a twin carrying the strongest assumptions the
declarations allow (real, positive, integer), which sympy needs to close integrals; the
results are mapped back to the user's symbols.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ._declare import declare
from ._grammar import shown
from .inputs import as_expr, as_float, names_of
from .piecewise import fold_indicators

__all__ = ["SymbolicFamily"]

#: bumped when the meaning of a family's key changes (cache records of older keys are
#: simply never looked up again)
KEY_FORMAT = "3"

Bound = tuple[sp.Expr, sp.Expr]


@dataclass(frozen=True)
class _Internal:
    """The family in internal symbols (with assumptions)."""

    logpdf: sp.Expr
    params: tuple[sp.Symbol, ...]
    hyper: tuple[sp.Symbol, ...]
    variables: tuple[sp.Symbol, ...]
    support: tuple[Bound, ...]
    discrete: bool
    #: points carrying a unit point mass in the dominating measure (mixed laws)
    atoms: tuple[sp.Expr, ...] = ()


def _internal_symbol(sym: sp.Symbol, domain: sp.Interval, integer: bool = False) -> sp.Symbol:
    assumptions: dict[str, bool] = {"real": True}
    if integer or sym.is_integer:
        assumptions["integer"] = True
    if domain.inf.is_comparable and domain.inf >= 0:
        assumptions["nonnegative" if domain.inf == 0 and not domain.left_open else
                    "positive"] = True
    elif domain.sup.is_comparable and domain.sup <= 0:
        assumptions["negative"] = True
    return sp.Dummy(sym.name, **assumptions)


class SymbolicFamily:
    r"""A parametric family p(x | θ) = exp ℓ(x | θ) given symbolically.

    Every argument may be given as sympy objects or as strings in the safe grammar of
    :mod:`infogeo.symbolic.parsing` (``"-(x-mu)**2/(2*sigma**2) - log(sigma) - ..."``,
    ``"mu sigma>0"``, ``"0,oo"``, ``"p1 + p2 < 1"``): strings are parsed, never evaluated.

    Parameters
    ----------
    logpdf : sympy expression or str
        The log-density (log-mass for discrete families) ℓ(x | θ), normalized.
    params : sequence of sympy.Symbol, or str
        The coordinates θ, in order, e.g. ``"mu sigma>0 p:(0,1)"``. Each must appear in
        ``logpdf``. A symbol declared in an interval (``p:(0,1)``, see
        :func:`~infogeo.symbolic.parse_params`) brings that interval as its domain.
    variable : sympy.Symbol, tuple of sympy.Symbol, or str
        The observation x (a tuple, or ``"x1 x2"``, for multivariate families).
    support : tuple, sympy.Interval, sympy.Range, str, or tuple of those, optional
        Continuous: ``(low, high)`` with ``-oo``/``oo`` allowed, e.g. ``(0, oo)`` or
        ``"0,oo"``. For several variables one ``(low, high)`` per variable, integrated in
        order; a bound may depend on earlier variables (the simplex
        ``((0, 1), (0, 1 - x1))``). Discrete: a ``sympy.Range`` (``Range(0, oo)`` = 0, 1,
        2, ...), or ``(low, high)`` with ``discrete=True`` meaning the integers
        ``low <= k <= high``. Omitted: inferred from where ℓ is defined (``log(x)``
        → (0, ∞)) and from the variable's declaration; see :attr:`support_inferred`.
    discrete : bool, optional
        Force the support to be read as a range of integers.
    constraints : mapping Symbol (or name) -> (low, high), Interval or str, optional
        Open interval of each parameter or hyperparameter; defaults to its declared
        interval, else to what the symbol's assumptions say (``positive=True`` → (0, ∞)).
    conditions : sequence of sympy relationals or str, optional
        Joint constraints on the parameters, e.g. ``[p1 + p2 < 1]`` or ``"p1 + p2 < 1"``.
    hyperparams : sequence of sympy.Symbol, or str, optional
        Fixed symbols that are not coordinates (e.g. ν of a Student-t, n of a binomial).
    atoms : sequence of numbers or expressions in the hyperparameters, optional
        Points of the variable that carry a probability mass of their own (a mixed law,
        e.g. the censoring point of a censored family, see
        :func:`~infogeo.symbolic.censored`): the dominating measure is Lebesgue measure
        on the support plus a unit point mass at each atom, and exp(ℓ(a)) is the mass at
        ``a``. One continuous variable only; ℓ is then usually a ``Piecewise`` in x.
    name : str, optional
    check_normalization : bool
        Whether derivations first verify that exp(ℓ) integrates (sums) to one (default).
    normalization_time_limit : float
        Seconds the symbolic part of that check may take.

    Raises
    ------
    ValueError
        If a parameter does not appear in ``logpdf``, ``logpdf`` has an undeclared symbol,
        the support is malformed, or a string does not parse.
    TypeError
        If an argument has the wrong type.
    """

    def __init__(self, logpdf: Any, params: Any, variable: Any, support: Any = None, *,
                 discrete: bool | None = None,
                 constraints: Mapping[Any, Any] | None = None,
                 conditions: Any = (), hyperparams: Any = (), atoms: Any = (),
                 name: str | None = None, check_normalization: bool = True,
                 normalization_time_limit: float = 1.5) -> None:
        d = declare(logpdf, params, variable, support, discrete, constraints, conditions,
                    hyperparams)
        self.logpdf: sp.Expr = d.logpdf
        self.params = d.params
        self.hyperparams = d.hyperparams
        self.variables = d.variables
        self.variable = self.variables if d.multivariate else self.variables[0]
        self.discrete = d.discrete
        self.support = d.support
        #: how the support was inferred ("" when it was given)
        self.support_inferred = d.support_inferred
        self.domains = d.domains
        self.conditions = d.conditions
        self.name = name or "custom"
        self.check_normalization = bool(check_normalization)
        self.normalization_time_limit = float(normalization_time_limit)
        self.atoms = self._atoms(atoms)
        self._build_internal()

    def _atoms(self, atoms: Any) -> tuple[sp.Expr, ...]:
        if isinstance(atoms, str) or not isinstance(atoms, Sequence):
            raise TypeError(f"atoms must be a sequence of points, got {shown(atoms)}")
        out = tuple(as_expr(a, "atoms", names_of(self.hyperparams)) for a in atoms)
        if out and (self.discrete or len(self.variables) != 1):
            raise ValueError("atoms: point masses are for a family of one continuous "
                             "variable (a discrete family already has them)")
        for a in out:
            if a.free_symbols - set(self.hyperparams):
                raise ValueError(f"atoms: {shown(a)} may involve hyperparameters only "
                                 f"(hyperparameters: {list(self.hyperparams)})")
        return out

    # ------------------------------------------------------------------ internal twins
    def _build_internal(self) -> None:
        to_int: dict[sp.Symbol, sp.Symbol] = {}
        for s in self.params + self.hyperparams:
            to_int[s] = _internal_symbol(s, self.domains[s])
        for i, v in enumerate(self.variables):
            lo, hi = self.support[i]
            dom = sp.Interval(lo, hi) if not (lo.free_symbols or hi.free_symbols) else \
                sp.Interval(0 if (lo.is_comparable and lo >= 0) else -sp.oo, sp.oo)
            to_int[v] = _internal_symbol(v, dom, integer=self.discrete)
        self._to_internal = to_int
        self._to_user = {b: a for a, b in to_int.items()}
        sub = self.to_internal
        self.internal = _Internal(
            # 0**k indicators become Piecewise pieces (see .piecewise)
            logpdf=fold_indicators(sub(self.logpdf), [to_int[v] for v in self.variables]),
            params=tuple(to_int[p] for p in self.params),
            hyper=tuple(to_int[h] for h in self.hyperparams),
            variables=tuple(to_int[v] for v in self.variables),
            support=tuple((sub(lo), sub(hi)) for lo, hi in self.support),
            discrete=self.discrete, atoms=tuple(sub(a) for a in self.atoms))

    def _names(self) -> dict[str, sp.Symbol]:
        return names_of(self.params + self.hyperparams + self.variables)

    def to_internal(self, expr: Any) -> Any:
        """Replace the user's symbols by the internal ones (with assumptions); a string is
        parsed safely over the family's names."""
        return as_expr(expr, "expression", self._names()).xreplace(self._to_internal)

    def to_user(self, expr: Any) -> Any:
        """Replace the internal symbols by the user's ones."""
        return as_expr(expr, "expression").xreplace(self._to_user)

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        """Number of parameters."""
        return len(self.params)

    @property
    def density(self) -> sp.Expr:
        """p(x | θ) = exp ℓ(x | θ)."""
        return sp.exp(self.logpdf)

    def key(self) -> str:
        """A hash of the declarations (names the family's records in the derivation cache)."""
        from .. import __version__

        parts = [sp.srepr(self.logpdf), sp.srepr(self.params), sp.srepr(self.variables),
                 sp.srepr(self.hyperparams), sp.srepr(self.support), str(self.discrete),
                 sp.srepr(sorted(self.domains.items(), key=lambda kv: kv[0].name)),
                 sp.srepr(self.conditions), __version__, KEY_FORMAT]
        if self.atoms:  # absent from the keys of families without atoms (kept stable)
            parts.append("atoms=" + sp.srepr(self.atoms))
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    def parameter_values(self, values: Mapping[Any, Any], what: str = "values"
                         ) -> dict[sp.Symbol, float]:
        """``{symbol or name: number or numeric string}`` -> ``{symbol: float}``."""
        by_name = names_of(self.params + self.hyperparams)
        out: dict[sp.Symbol, float] = {}
        for key, value in values.items():
            sym = by_name.get(key) if isinstance(key, str) else key
            if sym not in self.domains:
                raise ValueError(f"{what}: {shown(key)} is not a parameter of {self.name} "
                                 f"(parameters: {sorted(by_name)})")
            out[sym] = as_float(value, f"{what}[{sym}]")
        return out

    def in_domain(self, values: Mapping[Any, Any]) -> bool:
        """Whether the parameter values lie in the declared domain and conditions."""
        point = self.parameter_values(values)
        for s, dom in self.domains.items():
            if s in point and not bool(dom.contains(sp.Float(point[s]))):
                return False
        sub = {s: sp.Float(v) for s, v in point.items()}
        return all(bool(c.xreplace(sub)) for c in self.conditions)

    def random_parameters(self, rng: np.random.Generator, max_tries: int = 1000
                          ) -> dict[sp.Symbol, float]:
        """A random point of the parameter domain (user symbols → floats), for checks.

        Shape-like positive parameters are drawn from (1.1, 2.9) so that test densities are
        bounded and quadrature is accurate; integer hyperparameters from {2, ..., 6}.
        """
        for _ in range(max_tries):
            values = {s: self._draw(s, rng) for s in self.params + self.hyperparams}
            if self.in_domain(values):
                return values
        raise ValueError(f"could not draw parameters satisfying {self.conditions}")

    def _draw(self, s: sp.Symbol, rng: np.random.Generator) -> float:
        dom = self.domains[s]
        lo, hi = dom.inf, dom.sup
        if s.is_integer:
            base = float(lo) if lo.is_finite else 0.0
            return float(max(int(np.ceil(base)), 1) + rng.integers(1, 5))
        if lo.is_finite and hi.is_finite:
            return float(lo + (hi - lo) * rng.uniform(0.2, 0.8))
        if lo.is_finite:
            return float(lo) + rng.uniform(1.1, 2.9)
        if hi.is_finite:
            return float(hi) - rng.uniform(1.1, 2.9)
        return float(rng.uniform(-1.0, 1.0))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_sympy_stats(cls, random_variable: Any, params: Sequence[sp.Symbol] | None = None,
                         **kwargs: Any) -> SymbolicFamily:
        """Build a family from a ``sympy.stats`` random variable.

        Parameters
        ----------
        random_variable : sympy.stats random symbol, e.g. ``Normal("X", mu, sigma)``
        params : sequence of Symbol, optional
            Coordinates in order; by default the free symbols of the density, sorted by name.
        """
        from sympy import stats

        pspace = getattr(random_variable, "pspace", None)
        if pspace is None or not hasattr(pspace, "distribution"):
            raise TypeError(f"random_variable must be a univariate sympy.stats random "
                            f"symbol, got {shown(random_variable)}")
        dist = pspace.distribution
        integer = isinstance(dist.set, sp.Range) or dist.set == sp.S.Naturals0
        x = sp.Symbol(str(random_variable.symbol).lower(), integer=True if integer else None)
        pdf = stats.density(random_variable)(x)
        support = {sp.S.Naturals0: sp.Range(0, sp.oo),
                   sp.S.Naturals: sp.Range(1, sp.oo)}.get(dist.set, dist.set)
        if isinstance(pdf, sp.Piecewise):  # sympy.stats wraps the support in a Piecewise
            pdf = pdf.args[0][0]
        logpdf = sp.expand_log(sp.log(pdf), force=True)
        if params is None:
            params = sorted(logpdf.free_symbols - {x}, key=lambda s: s.name)
        kwargs.setdefault("name", type(dist).__name__.replace("Distribution", "").lower())
        return cls(logpdf, params, x, support, **kwargs)

    def __repr__(self) -> str:
        return (f"SymbolicFamily(name={self.name!r}, logpdf={self.logpdf}, "
                f"params={list(self.params)}, variable={self.variable}, "
                f"support={self.support}, discrete={self.discrete}"
                + (f", atoms={list(self.atoms)})" if self.atoms else ")"))
