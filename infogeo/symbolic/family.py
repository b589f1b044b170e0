"""A parametric family given by its log-density: the input of every symbolic derivation.

A :class:`SymbolicFamily` is a few declarations (sympy.stats style): the log-density
ℓ(x | θ), the parameters θ, the variable(s) x, the support and the parameter domains.
It validates all of them and checks that exp(ℓ) is normalized, because an omitted
constant silently gives a wrong Fisher matrix.

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

from ._timeout import DerivationTimeout, time_limit

__all__ = ["SymbolicFamily"]

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


def _as_interval(value: Any, name: str) -> sp.Interval:
    if isinstance(value, sp.Interval):
        return value
    try:
        lo, hi = (sp.sympify(v) for v in value)
    except (TypeError, ValueError, sp.SympifyError) as err:
        raise ValueError(f"{name} must be an interval (low, high), got {value!r}") from err
    if not (lo.is_comparable or lo.is_infinite) or not (hi.is_comparable or hi.is_infinite):
        raise ValueError(f"{name} must have numeric bounds, got {value!r}")
    if not bool(lo < hi):
        raise ValueError(f"{name} must satisfy low < high, got ({lo}, {hi})")
    return sp.Interval.open(lo, hi)


def _default_domain(sym: sp.Symbol) -> sp.Interval:
    if sym.is_positive:
        return sp.Interval.open(0, sp.oo)
    if sym.is_nonnegative:
        return sp.Interval(0, sp.oo, right_open=True)
    if sym.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    return sp.Interval.open(-sp.oo, sp.oo)


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

    Parameters
    ----------
    logpdf : sympy expression
        The log-density (log-mass for discrete families) ℓ(x | θ), normalized.
    params : sequence of sympy.Symbol
        The coordinates θ, in order. Each must appear in ``logpdf``.
    variable : sympy.Symbol or tuple of sympy.Symbol
        The observation x (a tuple for multivariate families).
    support : tuple, sympy.Interval, sympy.Range, or tuple of those (one per variable)
        Continuous: ``(low, high)`` with ``-oo``/``oo`` allowed, e.g. ``(0, oo)``.
        For several variables one ``(low, high)`` per variable, integrated in order;
        a bound may depend on earlier variables (e.g. the simplex ``((0, 1), (0, 1 - x1))``).
        Discrete: a ``sympy.Range`` (``Range(0, oo)`` = 0, 1, 2, ...), or ``(low, high)``
        with ``discrete=True`` meaning the integers ``low <= k <= high``.
    discrete : bool, optional
        Force the support to be read as a range of integers.
    constraints : mapping Symbol -> (low, high), optional
        Open interval of each parameter or hyperparameter; defaults to what the symbol's
        assumptions say (``positive=True`` → (0, ∞)).
    conditions : sequence of sympy relationals, optional
        Joint constraints on the parameters, e.g. ``[p1 + p2 < 1]``.
    hyperparams : sequence of sympy.Symbol, optional
        Fixed symbols that are not coordinates (e.g. ν of a Student-t, n of a binomial).
    name : str, optional
    check_normalization : bool
        Verify that exp(ℓ) integrates (sums) to one; see :meth:`check_normalization`.

    Raises
    ------
    ValueError
        If a parameter does not appear in ``logpdf``, ``logpdf`` has an undeclared symbol,
        the support is malformed, or the density is not normalized.
    """

    def __init__(self, logpdf: Any, params: Sequence[sp.Symbol], variable: Any,
                 support: Any = (-sp.oo, sp.oo), *, discrete: bool | None = None,
                 constraints: Mapping[sp.Symbol, Any] | None = None,
                 conditions: Sequence[Any] = (), hyperparams: Sequence[sp.Symbol] = (),
                 name: str | None = None, check_normalization: bool = True,
                 normalization_time_limit: float = 1.5) -> None:
        try:
            self.logpdf = sp.sympify(logpdf)
        except sp.SympifyError as err:
            raise TypeError(f"logpdf must be a sympy expression, got {logpdf!r}") from err
        if not isinstance(self.logpdf, sp.Expr):
            raise TypeError(f"logpdf must be a sympy expression, got {type(logpdf).__name__}")
        self.params = self._symbols(params, "params")
        self.hyperparams = self._symbols(hyperparams, "hyperparams", allow_empty=True)
        multivariate = isinstance(variable, tuple | list)
        self.variables = self._symbols(variable if multivariate else [variable], "variable")
        self.variable = self.variables if multivariate else self.variables[0]
        self.name = name or "custom"
        self._check_symbols()
        self.discrete, self.support = self._parse_support(support, discrete)
        self.domains = self._parse_constraints(constraints or {})
        self.conditions = tuple(sp.sympify(c) for c in conditions)
        for cond in self.conditions:
            if not isinstance(cond, sp.core.relational.Relational):
                raise ValueError(f"conditions must be sympy relationals like p1 + p2 < 1, "
                                 f"got {cond!r}")
        self._build_internal()
        self.normalization: str = "unchecked"
        if check_normalization:
            self.check_normalization(normalization_time_limit)

    # ------------------------------------------------------------------ validation
    @staticmethod
    def _symbols(values: Any, name: str, allow_empty: bool = False) -> tuple[sp.Symbol, ...]:
        values = [values] if isinstance(values, sp.Symbol) else list(values)
        if not values and not allow_empty:
            raise ValueError(f"{name} must hold at least one sympy Symbol")
        for v in values:
            if not isinstance(v, sp.Symbol):
                raise TypeError(f"{name} must be sympy Symbols, got {v!r} "
                                f"({type(v).__name__})")
        if len(set(values)) != len(values):
            raise ValueError(f"{name} must not repeat a symbol, got {values}")
        return tuple(values)

    def _check_symbols(self) -> None:
        free = self.logpdf.free_symbols
        for p in self.params:
            if p not in free:
                raise ValueError(f"params: parameter {p} does not appear in logpdf {self.logpdf}")
        if not any(v in free for v in self.variables):
            raise ValueError(f"variable: {self.variable} does not appear in logpdf "
                             f"{self.logpdf}")
        clash = set(self.params) & (set(self.variables) | set(self.hyperparams))
        if clash:
            raise ValueError(f"params and variable/hyperparams overlap: {sorted(map(str, clash))}")
        unknown = free - set(self.params) - set(self.variables) - set(self.hyperparams)
        if unknown:
            raise ValueError(
                f"logpdf has undeclared symbol(s) {sorted(map(str, unknown))}: declare them in "
                f"params, variable or hyperparams (variable is {self.variable}, params are "
                f"{list(self.params)})")

    def _parse_support(self, support: Any, discrete: bool | None) -> tuple[bool, tuple]:
        nvar = len(self.variables)
        if nvar == 1 and not (isinstance(support, tuple | list) and len(support) == 1):
            parts = [support]
        else:
            try:
                parts = list(support)
            except TypeError as err:
                raise ValueError(f"support must be (low, high), a sympy Interval/Range or one "
                                 f"of those per variable, got {support!r}") from err
        if len(parts) != nvar:
            raise ValueError(f"support must give one interval per variable ({nvar}), "
                             f"got {support!r}")
        is_range = [isinstance(p, sp.Range | sp.FiniteSet) for p in parts]
        is_discrete = bool(discrete) or any(is_range)
        if is_discrete and nvar != 1:
            raise ValueError("support: discrete families must have a single variable")
        bounds = []
        for i, part in enumerate(parts):
            bounds.append(self._bound(part, is_discrete, i))
        return is_discrete, tuple(bounds)

    def _bound(self, part: Any, is_discrete: bool, i: int) -> Bound:
        earlier = set(self.variables[:i]) | set(self.hyperparams) | set(self.params)
        if isinstance(part, sp.Range):
            if part.step != 1 or part.size == 0:
                raise ValueError(f"support must be a Range with step 1, got {part}")
            lo = part.inf
            hi = part.sup if part.sup.is_finite or part.sup.free_symbols else sp.oo
            return lo, hi
        if isinstance(part, sp.FiniteSet):
            vals = sorted(part)
            if vals != list(range(int(vals[0]), int(vals[-1]) + 1)):
                raise ValueError(f"support: a finite set must be consecutive integers, got {part}")
            return sp.Integer(vals[0]), sp.Integer(vals[-1])
        if isinstance(part, sp.Interval):
            part = (part.start, part.end)
        try:
            lo, hi = (sp.sympify(b) for b in part)
        except (TypeError, ValueError, sp.SympifyError) as err:
            raise ValueError(f"support for {self.variables[i]} must be (low, high), "
                             f"got {part!r}") from err
        for b in (lo, hi):
            if not b.free_symbols <= earlier:
                raise ValueError(f"support bound {b} for {self.variables[i]} may only use "
                                 f"earlier variables {list(self.variables[:i])}")
        if (lo.is_comparable or lo.is_infinite) and (hi.is_comparable or hi.is_infinite):
            if not bool(lo < hi):
                raise ValueError(f"support for {self.variables[i]} must satisfy low < high, "
                                 f"got ({lo}, {hi})")
        if is_discrete and lo.is_infinite:
            raise ValueError(f"support: a discrete support needs a finite lower end, got {lo}")
        return lo, hi

    def _parse_constraints(self, constraints: Mapping[sp.Symbol, Any]) -> dict:
        known = set(self.params) | set(self.hyperparams)
        for key in constraints:
            if key not in known:
                raise ValueError(f"constraints: {key} is not a parameter or hyperparameter "
                                 f"(params are {list(self.params)})")
        return {s: (_as_interval(constraints[s], f"constraints[{s}]") if s in constraints
                    else _default_domain(s)) for s in self.params + self.hyperparams}

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
            logpdf=sub(self.logpdf), params=tuple(to_int[p] for p in self.params),
            hyper=tuple(to_int[h] for h in self.hyperparams),
            variables=tuple(to_int[v] for v in self.variables),
            support=tuple((sub(lo), sub(hi)) for lo, hi in self.support),
            discrete=self.discrete)

    def to_internal(self, expr: Any) -> Any:
        """Replace the user's symbols by the internal ones (with assumptions)."""
        return sp.sympify(expr).xreplace(self._to_internal)

    def to_user(self, expr: Any) -> Any:
        """Replace the internal symbols by the user's ones."""
        return sp.sympify(expr).xreplace(self._to_user)

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
        """A hash of the declarations (used by the derivation cache)."""
        from .. import __version__

        parts = [sp.srepr(self.logpdf), sp.srepr(self.params), sp.srepr(self.variables),
                 sp.srepr(self.hyperparams), sp.srepr(self.support), str(self.discrete),
                 sp.srepr(sorted(self.domains.items(), key=lambda kv: kv[0].name)),
                 sp.srepr(self.conditions), __version__]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    def in_domain(self, values: Mapping[sp.Symbol, float]) -> bool:
        """Whether the parameter values (user symbols) lie in the declared domain."""
        for s, dom in self.domains.items():
            if s in values and not bool(dom.contains(sp.Float(values[s]))):
                return False
        return all(bool(c.subs(values)) for c in self.conditions)

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

    # ------------------------------------------------------------------ normalization
    def check_normalization(self, time_limit_s: float = 3.0, rtol: float = 1e-6) -> None:
        """Verify ∫ p(x | θ) dx = 1 (Σ for discrete families).

        Symbolically first (within ``time_limit_s`` seconds); the answer is always
        confirmed numerically at random parameter values, since sympy's ``integrate`` can
        be silently wrong; when sympy cannot close the integral the numeric check decides.
        Sets ``self.normalization`` to ``"symbolic"`` or ``"numeric"``.

        Raises
        ------
        ValueError
            If the density does not integrate to one.
        """
        from . import cache
        from .numeric import numeric_expectation

        key = f"norm-{self.key()}"
        record = cache.load(key)
        if record is not None:
            self.normalization = record["normalization"]
            return
        symbolic = self._symbolic_total(time_limit_s)
        rng = np.random.default_rng(12345)
        for _ in range(2):
            values = self.random_parameters(rng)
            try:
                total = float(numeric_expectation(self, [sp.Integer(1)], values)[0])
            except ValueError as err:
                raise ValueError(f"logpdf is not normalized: the total mass does not converge "
                                 f"at {self._fmt(values)} ({err})") from err
            if not abs(total - 1.0) <= rtol * 10:
                raise ValueError(
                    f"logpdf is not normalized: exp(logpdf) integrates to {total:.8g}, not 1, "
                    f"at {self._fmt(values)} (a constant factor may be missing)")
        self.normalization = "symbolic" if symbolic is not None and symbolic == 1 else "numeric"
        cache.store(key, {"normalization": self.normalization})

    def _symbolic_total(self, seconds: float) -> sp.Expr | None:
        from .expectation import integrate_over_support

        try:
            with time_limit(seconds):
                total = integrate_over_support(self.internal, sp.exp(self.internal.logpdf))
                total = sp.simplify(total) if total is not None else None
        except (DerivationTimeout, NotImplementedError, ValueError, TypeError,
                RecursionError, ZeroDivisionError, AttributeError):
            return None
        return total

    @staticmethod
    def _fmt(values: Mapping[sp.Symbol, float]) -> str:
        return ", ".join(f"{k}={v:.4g}" for k, v in values.items())

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
        from .sympy_stats_input import family_from_sympy_stats

        return family_from_sympy_stats(random_variable, params, **kwargs)

    def __repr__(self) -> str:
        return (f"SymbolicFamily(name={self.name!r}, logpdf={self.logpdf}, "
                f"params={list(self.params)}, variable={self.variable}, "
                f"support={self.support}, discrete={self.discrete})")
