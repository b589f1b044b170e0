"""Symbolic expectations E_θ[f(x)] under a family, by linearity and substitution.

The engine never integrates a whole Fisher entry at once. It

1. moves to a standardized variable when the family is a location and/or scale family
   (x = μ + σz leaves a parameter-free density, so each integral is a pure number or
   depends only on shape parameters);
2. splits f into terms c(θ)·g(z) (linearity of expectation) and integrates each distinct
   g once (moments are reused across entries);
3. treats non-smooth factors: sign(u)² = 1, |u|² = u², and splits the support at the
   kinks of the remaining |u|, sign(u);
4. splits the support where a ``Piecewise`` in the variable changes branch (atoms
   k = c and ranges of a discrete support, intervals of a continuous one; see
   :mod:`.piecewise`) and takes one expectation per region;
5. tries, for each integral: sympy's ``integrate``; then substitutions u = e^{−z},
   u = e^{z} (on ℝ), z = e^{u} (on (0, ∞)), u = z^p (when the density has exp(−z^p)),
   folding an even integrand and u = z²/(c + z²) (Beta integrals); then, for a
   parameter-free integral only, high-precision quadrature with constant recognition
   (π, π², γ_E, log 2, ζ(3)), flagged as such.

Every attempt runs under a time limit, and each closed form must agree with quadrature
at a parameter point before it is accepted (the caller cross-checks the final result too).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from ._timeout import DerivationTimeout, outer_limit_expired, time_limit
from .inputs import as_expr
from .integrals import (
    SUBSTITUTIONS,
    convergent_branch,
    density_from_log,
    falling_factorial_sum,
    fits,
    integrate_1d,
    is_closed,
    mp_function,
    recognize,
)
from .piecewise import regions, resolve, variable_pieces

__all__ = ["ExpectationEngine", "NotClosed", "integrate_over_support", "is_closed"]

_ERRORS = (DerivationTimeout, NotImplementedError, ValueError, TypeError, RecursionError,
           ZeroDivisionError, AttributeError, IndexError, KeyError, sp.PolynomialError,
           sp.polys.polyerrors.CoercionFailed)


#: closed 1-D integrals already found in this process (keys use canonical dummies)
_INTEGRALS: dict[tuple, tuple[sp.Expr, tuple[str, ...]] | None] = {}
_Z_REAL = sp.Dummy("z", real=True)
_Z_POS = sp.Dummy("z", positive=True)


class NotClosed(Exception):
    """No strategy produced a closed form for an expectation."""


def integrate_over_support(fi: Any, integrand: sp.Expr) -> sp.Expr | None:
    """∫ (or Σ) of ``integrand`` over the support, innermost variable last; None if open.

    A 1-D integrand that is piecewise in the variable is split at its pieces."""
    if len(fi.variables) == 1 and variable_pieces(integrand, fi.variables):
        var, (lo, hi) = fi.variables[0], fi.support[0]
        total = sp.Integer(0)
        for region in regions([integrand], var, lo, hi, fi.discrete):
            piece = resolve(integrand, var, region.point)
            if region.is_atom:
                total += piece.xreplace({var: region.lo})
                continue
            part = _Interval1D(fi, var, (region.lo, region.hi))
            value = integrate_over_support(part, piece)
            if value is None:
                return None
            total += value
        return total + _atom_terms(fi, integrand)
    result = integrand
    for var, (lo, hi) in reversed(list(zip(fi.variables, fi.support, strict=True))):
        if fi.discrete:
            result = sp.summation(result, (var, lo, hi))
            if not is_closed(result):
                return None
        else:
            result = integrate_1d(result, var, lo, hi)
            if result is None:
                return None
    return result


def _atom_terms(fi: Any, integrand: sp.Expr) -> sp.Expr:
    """Σ over the point masses of a mixed law (``fi.atoms``) of the integrand there."""
    atoms = getattr(fi, "atoms", ())
    if not atoms:
        return sp.Integer(0)
    var = fi.variables[0]
    return sp.Add(*[resolve(integrand, var, a).xreplace({var: a}) for a in atoms])


@dataclass(frozen=True)
class _Interval1D:
    """A 1-D family's variable restricted to one region (for :func:`integrate_over_support`)."""

    fi: Any
    var: sp.Symbol
    bounds: tuple[Any, Any]

    @property
    def variables(self) -> tuple[sp.Symbol]:
        return (self.var,)

    @property
    def support(self) -> tuple[tuple[Any, Any]]:
        return (self.bounds,)

    @property
    def discrete(self) -> bool:
        return self.fi.discrete


@dataclass
class _Standardization:
    """x = loc + scale·z with density q(z) free of the location/scale parameters."""

    z: sp.Symbol
    x_of_z: sp.Expr
    logq: sp.Expr
    support: tuple[Any, Any]


def _standardize(fi: Any) -> _Standardization | None:
    """Detect a location-scale, scale or location structure of a 1-D continuous family."""
    if fi.discrete or len(fi.variables) != 1 or fi.atoms or \
            variable_pieces(fi.logpdf, fi.variables):
        return None  # x = μ + σz would make the pieces' break points depend on θ
    x = fi.variables[0]
    lo, hi = fi.support[0]
    locs = [p for p in fi.params if not p.is_positive and lo == -sp.oo and hi == sp.oo]
    scales = [p for p in fi.params if p.is_positive and {lo, hi} <= {-sp.oo, 0, sp.oo}]
    candidates = [(m, s) for m in locs for s in scales] + [(None, s) for s in scales] + \
        [(m, None) for m in locs]
    z = _Z_POS if lo == 0 else _Z_REAL
    for loc, scale in candidates:
        x_of_z = (loc if loc is not None else 0) + (scale if scale is not None else 1) * z
        logq = fi.logpdf.xreplace({x: x_of_z}) + (sp.log(scale) if scale is not None else 0)
        logq = sp.expand(sp.expand_log(logq))
        if not logq.free_symbols & {loc, scale}:
            return _Standardization(z, x_of_z, logq, (lo, hi))
    return None


def _split_non_smooth(expr: sp.Expr, var: sp.Symbol, lo: Any, hi: Any
                      ) -> list[tuple[sp.Expr, Any, Any]]:
    """Pieces (integrand, lo, hi) on which |u| and sign(u) (u linear in var) are smooth."""
    expr = expr.replace(lambda e: e.is_Pow and isinstance(e.base, sp.sign) and e.exp.is_even,
                        lambda e: sp.Integer(1))
    expr = expr.replace(lambda e: e.is_Pow and isinstance(e.base, sp.Abs) and e.exp.is_even,
                        lambda e: e.base.args[0] ** e.exp)
    atoms = [a for a in expr.atoms(sp.Abs, sp.sign) if var in a.free_symbols]
    if not atoms:
        return [(expr, lo, hi)]
    roots = set()
    for a in atoms:
        arg = a.args[0]
        if sp.degree(arg, var) != 1:
            raise NotImplementedError(f"cannot split non-smooth factor {a}")
        roots.add(sp.solve(arg, var)[0])
    if len(roots) > 1:
        raise NotImplementedError("several kinks: not supported")
    root = roots.pop()
    pieces = []
    for a, b, side in ((lo, root, -1), (root, hi, 1)):
        def piece(e: sp.Expr, side: int = side) -> sp.Expr:
            arg = e.args[0]
            sgn = side * sp.sign(sp.diff(arg, var))
            return sgn * arg if isinstance(e, sp.Abs) else sgn
        pieces.append((expr.replace(lambda e: isinstance(e, sp.Abs | sp.sign)
                                    and var in e.free_symbols, piece), a, b))
    return pieces


@dataclass
class ExpectationEngine:
    """Closed-form E_θ[f(x)] under ``family`` with per-term caching.

    Parameters
    ----------
    family : SymbolicFamily
    time_limit_s : float
        Limit for each sympy attempt (seconds).
    allow_recognition : bool
        Allow constant recognition of parameter-free integrals (see module docstring).
    """

    family: Any
    time_limit_s: float = 8.0
    allow_recognition: bool = True
    methods_used: set[str] = field(default_factory=set)
    _cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fi = self.family.internal
        self.piecewise = bool(len(self.fi.variables) == 1 and (
            self.fi.atoms or variable_pieces(self.fi.logpdf, self.fi.variables)))
        self.std = _standardize(self.fi)
        if self.std is not None:
            self.methods_used.add("location-scale standardization")

    # ------------------------------------------------------------------ public
    def expect(self, expr: sp.Expr) -> sp.Expr:
        """E_θ[expr] in internal symbols; raises :class:`NotClosed` if no strategy works."""
        expr = as_expr(expr, "expectation argument")
        fi = self.fi
        if not expr.free_symbols & set(fi.variables):
            return expr
        if self.piecewise or (len(fi.variables) == 1 and variable_pieces(expr, fi.variables)):
            return self._expect_piecewise(expr)
        if fi.discrete:
            return self._expect_discrete(expr, fi.logpdf, *fi.support[0])
        if self.std is not None:
            var, logq, (lo, hi) = self.std.z, self.std.logq, self.std.support
            expr = expr.xreplace({fi.variables[0]: self.std.x_of_z})
        elif len(fi.variables) == 1:
            var, logq, (lo, hi) = fi.variables[0], fi.logpdf, fi.support[0]
        else:
            return self._expect_multivariate(expr)
        return self._expect_interval(expr, var, logq, lo, hi)

    def _expect_interval(self, expr: sp.Expr, var: sp.Symbol, logq: sp.Expr, lo: Any,
                         hi: Any) -> sp.Expr:
        """E[expr] over (lo, hi) for the density exp(logq), term by term."""
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(sp.expand_log(expr))):
            # factor_terms pulls parameters out of sums: 1/(s²eᶻ + s²) → 1/(s²(eᶻ + 1))
            coeff, g = sp.factor_terms(term).as_independent(var, as_Add=False)
            total += coeff * self._moment(g, var, logq, lo, hi)
        return total

    def _show(self, expr: Any) -> str:
        """An expression for messages: the user's symbols, dummies by their plain names."""
        expr = self.family.to_user(expr)
        return str(expr.xreplace({d: sp.Symbol(d.name) for d in expr.atoms(sp.Dummy)}))

    # ------------------------------------------------------------------ continuous 1-D
    def _moment(self, g: sp.Expr, var: sp.Symbol, logq: sp.Expr, lo: Any, hi: Any) -> sp.Expr:
        key = (g, var, logq, lo, hi)
        if key not in self._cache:
            total = sp.Integer(0)
            density = density_from_log(logq)
            for piece, a, b in _split_non_smooth(g, var, lo, hi):
                total += self._integral(piece * density, var, a, b)
            self._cache[key] = total
        return self._cache[key]

    def _integral(self, integrand: sp.Expr, var: sp.Symbol, lo: Any, hi: Any) -> sp.Expr:
        key = (integrand, lo, hi)
        if key in _INTEGRALS:
            known = _INTEGRALS[key]
            if known is None:
                raise NotClosed(f"no strategy closed the integral of {self._show(integrand)} "
                                "(cached)")
            self.methods_used.update(known[1])
            return known[0]
        parameter_free = integrand.free_symbols <= {var}
        if (lo, hi) == (-sp.oo, sp.oo) and sp.expand(integrand.xreplace({var: -var})
                                                     + integrand) == 0:
            self.methods_used.add("odd integrand")
            return sp.Integer(0)
        attempts: list[tuple[str, Any]] = []
        if parameter_free and self.allow_recognition:
            # a pure number: PSLQ on a 55-digit quadrature (a fraction of a second) is fast
            # and reliable where sympy's integrate is slow or silently wrong (REFERENCE.md,
            # "sympy pitfalls"); tried first so that a time budget is not spent waiting
            attempts.append(("constant recognition", lambda: recognize(integrand, var, lo, hi)))
        attempts.append(("integrate", lambda: integrate_1d(integrand, var, lo, hi)))
        substitutions = [(f"substitution {name}", (lambda f=f: f(integrand, var, lo, hi)))
                         for name, f in SUBSTITUTIONS]
        # a substitution made for this integrand's shape goes before integrate (cheap first)
        made_for = [a for (name, _), a in zip(SUBSTITUTIONS, substitutions, strict=True)
                    if fits(name, integrand, var, lo, hi)]
        attempts[-1:-1] = made_for
        attempts += [a for a in substitutions if a not in made_for]
        timed_out = False
        for name, attempt in attempts:
            _t0 = time.perf_counter()
            limit = min(self.time_limit_s, 1.5 if name == "integrate" else 4.0)
            try:
                with time_limit(limit):
                    value = attempt()
                    if value is not None and name != "constant recognition":
                        value = sp.simplify(value)
            except _ERRORS as err:
                _log(name, integrand, "error/timeout", _t0)
                if isinstance(err, DerivationTimeout):
                    if outer_limit_expired():
                        raise  # the caller's budget is spent: stop, do not try the rest
                    timed_out = True
                continue
            _log(name, integrand, value, _t0)
            if value is not None and is_closed(value) and self._plausible(integrand, var,
                                                                          lo, hi, value):
                used = () if name == "integrate" else (name,)
                self.methods_used.update(used)
                _INTEGRALS[key] = (value, used)
                return value
        if not timed_out:  # a failure for lack of time is not remembered
            _INTEGRALS[key] = None
        raise NotClosed(f"no strategy closed the integral of {self._show(integrand)} d{var.name} "
                        f"over ({self._show(lo)}, {self._show(hi)})")

    def _plausible(self, integrand: sp.Expr, var: sp.Symbol, lo: Any, hi: Any,
                   value: sp.Expr) -> bool:
        """Compare with mpmath quadrature at a fixed parameter point (sympy can be wrong)."""
        values = self.family.random_parameters(_rng())
        sub = {self.family._to_internal[k]: sp.Float(v, 30) for k, v in values.items()}
        f = mp_function(integrand.xreplace(sub), var)
        try:
            with mpmath.workdps(30):
                pts = [lo, hi] if not (integrand.has(sp.Abs, sp.sign)) else [lo, 0, hi]
                pts = [mpmath.mpf(float(p)) if p.is_finite else
                       (mpmath.inf if p > 0 else -mpmath.inf)
                       # a bound may be a hyperparameter (a censoring point c)
                       for p in (as_expr(q, "integration bound").xreplace(sub)
                                 for q in pts)]
                numeric = complex(mpmath.quad(f, pts))
            closed = complex(sp.N(value.xreplace(sub), 20))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return False
        return abs(closed - numeric) <= 1e-7 * max(1.0, abs(numeric))

    # ------------------------------------------------------------------ other supports
    def _expect_multivariate(self, expr: sp.Expr) -> sp.Expr:
        fi = self.fi
        total = sp.Integer(0)
        density = sp.exp(fi.logpdf)
        for term in sp.Add.make_args(sp.expand(expr)):
            coeff, g = term.as_independent(*fi.variables, as_Add=False)
            key = ("multi", g)
            if key not in self._cache:
                try:
                    with time_limit(self.time_limit_s * 3):
                        value = integrate_over_support(fi, g * density)
                except _ERRORS as err:
                    if isinstance(err, DerivationTimeout) and outer_limit_expired():
                        raise
                    raise NotClosed(f"integral of {self._show(g)} timed out or failed") from err
                if value is None:
                    raise NotClosed(f"sympy could not integrate {self._show(g)} over the "
                                    "support")
                self._cache[key] = sp.simplify(value)
            total += coeff * self._cache[key]
        return total

    # ------------------------------------------------------------------ piecewise in x
    def _expect_piecewise(self, expr: sp.Expr) -> sp.Expr:
        """Σ over the regions where every Piecewise in the variable has one branch."""
        fi = self.fi
        var, (lo, hi) = fi.variables[0], fi.support[0]
        try:
            parts = regions([expr, fi.logpdf], var, lo, hi, fi.discrete)
        except NotImplementedError as err:
            raise NotClosed(f"ℓ is piecewise in {var.name}, but {err}") from err
        self.methods_used.add(f"split at the pieces in {var.name}")
        total = sp.Integer(0)
        for region in parts:
            try:
                g, logp = (resolve(e, var, region.point) for e in (expr, fi.logpdf))
            except NotImplementedError as err:
                raise NotClosed(f"ℓ is piecewise in {var.name}, but {err}") from err
            if region.is_atom:
                value = (g * density_from_log(logp)).xreplace({var: region.lo})
            elif fi.discrete:
                value = self._expect_discrete(g, logp, region.lo, region.hi)
            else:
                value = self._expect_interval(g, var, logp, region.lo, region.hi)
            if value.has(sp.nan, sp.zoo):
                raise NotClosed(f"no piece of ℓ holds at {var.name} = {region.point}")
            total += value
        for atom in fi.atoms:  # the point masses of a mixed law (a censoring point)
            self.methods_used.add(f"point mass at {var.name} = {self._show(atom)}")
            g, logp = (resolve(e, var, atom).xreplace({var: atom}) for e in (expr, fi.logpdf))
            total += g * density_from_log(logp)
        return total

    def _expect_discrete(self, expr: sp.Expr, logpdf: sp.Expr, lo: Any, hi: Any
                         ) -> sp.Expr:
        """E[expr] over the integers lo..hi for the pmf exp(logpdf)."""
        k = self.fi.variables[0]
        # e^{−loggamma(k+1)} → 1/k!: summation recognizes factorials, not loggamma
        pmf = density_from_log(logpdf).rewrite(sp.factorial)
        if hi.is_number and hi.is_finite:
            return sp.Add(*[(expr * pmf).xreplace({k: sp.Integer(v)})
                            for v in range(int(lo), int(hi) + 1)])
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(expr)):
            coeff, g = term.as_independent(k, as_Add=False)
            total += coeff * self._discrete_moment(g, pmf, k, lo, hi)
        return total

    def _discrete_moment(self, g: sp.Expr, pmf: sp.Expr, k: sp.Symbol, lo: Any, hi: Any
                         ) -> sp.Expr:
        key = ("sum", g, pmf, lo, hi)
        if key in self._cache:
            return self._cache[key]
        value = None
        try:
            with time_limit(self.time_limit_s):
                value = convergent_branch(sp.summation(g * pmf, (k, lo, hi)))
                if not is_closed(value):
                    value = falling_factorial_sum(g, pmf, k, lo, hi)
        except _ERRORS as err:
            if isinstance(err, DerivationTimeout) and outer_limit_expired():
                raise
            value = None
        if value is None or not is_closed(value):
            raise NotClosed(f"no strategy closed the sum of {self._show(g)}·p({k.name}) over "
                            f"{k.name} in [{self._show(lo)}, {self._show(hi)}]")
        self._cache[key] = sp.simplify(value)
        return self._cache[key]


def _log(name: str, integrand: Any, value: Any, t0: float) -> None:
    if os.environ.get("INFOGEO_SYMBOLIC_DEBUG"):
        print(f"[{time.perf_counter() - t0:6.2f}s] {name}: {integrand} -> {value}")


def _rng() -> Any:
    import numpy as np

    return np.random.default_rng(2718)

