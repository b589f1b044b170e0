"""Read and validate the declarations of a :class:`~infogeo.symbolic.SymbolicFamily`.

Every argument may be a sympy object or a string; strings are parsed by the safe grammar
(:mod:`.inputs`, :mod:`.parsing`), never evaluated. The result is a
:class:`Declarations`: symbols, log-density, support (given or inferred), domains and
conditions, all validated. Nothing here integrates, caches or times anything but the
bounded search for where the log-density is defined.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ._grammar import shown
from .declarations import parse_param_specs, parse_variable
from .inputs import as_expr, as_interval, as_symbols, names_of, parse_conditions
from .parsing import parse_density, parse_support, split_bounds
from .support import default_domain, infer_support

__all__ = ["Declarations", "declare"]

Bound = tuple[sp.Expr, sp.Expr]


@dataclass(frozen=True)
class Declarations:
    logpdf: sp.Expr
    params: tuple[sp.Symbol, ...]
    hyperparams: tuple[sp.Symbol, ...]
    variables: tuple[sp.Symbol, ...]
    multivariate: bool
    discrete: bool
    support: tuple[Bound, ...]
    support_inferred: str  # "" when given, else how it was inferred
    domains: dict[sp.Symbol, sp.Interval]
    conditions: tuple[sp.Basic, ...]


def declare(logpdf: Any, params: Any, variable: Any, support: Any, discrete: bool | None,
            constraints: Mapping[Any, Any] | None, conditions: Any, hyperparams: Any
            ) -> Declarations:
    """Parse (strings) and validate every declaration of a family."""
    params_ = as_symbols(params, "params")
    hyper = as_symbols(hyperparams, "hyperparams", allow_empty=True)
    variables, multivariate, support = read_variables(variable, support, discrete)
    expr = _logpdf(logpdf, params_ + hyper, variables)
    _check_symbols(expr, params_, hyper, variables)
    inferred = ""
    if support is None:
        support, inferred = infer_support(expr, variables, bool(discrete))
    is_discrete, bounds = _parse_support(support, discrete, variables, params_ + hyper)
    domains = _domains(constraints or {}, params_, hyper)
    names = names_of(params_ + hyper)
    empty = conditions is None or (isinstance(conditions, str | tuple | list)
                                   and not conditions)
    conds = () if empty else parse_conditions(conditions, names)
    for cond in conds:
        if not cond.free_symbols <= set(params_ + hyper):
            raise ValueError(f"conditions may only use the parameters "
                             f"{[s.name for s in params_ + hyper]}, got {cond}")
    return Declarations(expr, params_, hyper, variables, multivariate, is_discrete, bounds,
                        inferred, domains, conds)


def read_variables(variable: Any, support: Any, discrete: bool | None
                   ) -> tuple[tuple[sp.Symbol, ...], bool, Any]:
    """The variable symbol(s); a string support of one variable is parsed here, because the
    variable's assumptions come from it (x on (0, oo) is positive)."""
    if isinstance(support, str) and ";" not in support:
        try:
            support = parse_support(support)
        except ValueError:
            pass  # bounds with names (e.g. "mu, oo"): parsed with the symbol table later
    if isinstance(variable, str):
        specs = parse_param_specs(variable, "variable")
        if len(specs) == 1:
            simple = support is None or (isinstance(support, tuple) and len(support) == 2
                                         and all(isinstance(b, sp.Basic) for b in support))
            bounds = support if simple and support is not None else None
            return (parse_variable(variable, bounds, bool(discrete)),), False, support
        return tuple(s.symbol for s in specs), True, support
    multivariate = isinstance(variable, tuple | list)
    return as_symbols(variable if multivariate else [variable], "variable"), multivariate, \
        support


def _logpdf(logpdf: Any, symbols: tuple[sp.Symbol, ...], variables: tuple[sp.Symbol, ...]
            ) -> sp.Expr:
    if isinstance(logpdf, str):
        return parse_density(logpdf, symbols, variables, check_params=False)
    if isinstance(logpdf, sp.Basic):
        expr = logpdf
    else:
        try:
            expr = as_expr(logpdf, "logpdf")
        except TypeError as err:
            raise TypeError(f"logpdf must be a sympy expression or a string, got "
                            f"{type(logpdf).__name__}") from err
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"logpdf must be a sympy expression, got {type(logpdf).__name__}")
    return expr


def _check_symbols(expr: sp.Expr, params: tuple, hyper: tuple, variables: tuple) -> None:
    free = expr.free_symbols
    var_text = variables[0] if len(variables) == 1 else variables
    for p in params:
        if p not in free:
            raise ValueError(f"params: parameter {p} does not appear in logpdf {expr}")
    if not any(v in free for v in variables):
        raise ValueError(f"variable: {var_text} does not appear in logpdf {expr}")
    clash = set(params) & (set(variables) | set(hyper))
    if clash:
        raise ValueError(f"params and variable/hyperparams overlap: {sorted(map(str, clash))}")
    unknown = free - set(params) - set(variables) - set(hyper)
    if unknown:
        raise ValueError(
            f"logpdf has undeclared symbol(s) {sorted(map(str, unknown))}: declare them in "
            f"params, variable or hyperparams (variable is {var_text}, params are "
            f"{list(params)})")


def _parse_support(support: Any, discrete: bool | None, variables: tuple, symbols: tuple
                   ) -> tuple[bool, tuple[Bound, ...]]:
    nvar = len(variables)
    if nvar == 1 and not (isinstance(support, tuple | list) and len(support) == 1):
        parts = [support]
    else:
        if isinstance(support, str):
            support = [part for part in support.split(";") if part.strip()]
        elif isinstance(support, tuple) and len(support) == 2 and not any(
                isinstance(b, tuple | list | str | sp.Set) for b in support):
            raise ValueError(f"support of several variables must give one 'low,high' per "
                             f"variable, separated by ';' (e.g. '0,1; 0,1-x1'), got "
                             f"{shown(support)}")
        try:
            parts = list(support)
        except TypeError as err:
            raise ValueError(f"support must be (low, high), a sympy Interval/Range or one "
                             f"of those per variable, got {shown(support)}") from err
    if len(parts) != nvar:
        raise ValueError(f"support must give one interval per variable ({nvar}), "
                         f"got {shown(support)}")
    is_range = [isinstance(p, sp.Range | sp.FiniteSet) for p in parts]
    is_discrete = bool(discrete) or any(is_range)
    if is_discrete and nvar != 1:
        raise ValueError("support: discrete families must have a single variable")
    return is_discrete, tuple(_bound(part, is_discrete, i, variables, symbols)
                              for i, part in enumerate(parts))


def _bound(part: Any, is_discrete: bool, i: int, variables: tuple, symbols: tuple) -> Bound:
    var = variables[i]
    earlier = tuple(variables[:i]) + tuple(symbols)
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
    if isinstance(part, str):
        part = split_bounds(part, f"support for {var}")[:2]
    try:
        lo_raw, hi_raw = part
    except (TypeError, ValueError):
        raise ValueError(f"support for {var} must be (low, high), got {shown(part)}") from None
    names = names_of(earlier)
    lo, hi = (as_expr(b, f"support bound for {var}", names) for b in (lo_raw, hi_raw))
    for b in (lo, hi):
        if not b.free_symbols <= set(earlier):
            raise ValueError(f"support bound {b} for {var} may only use earlier variables "
                             f"{list(variables[:i])}")
    if (lo.is_comparable or lo.is_infinite) and (hi.is_comparable or hi.is_infinite):
        if not bool(lo < hi):
            raise ValueError(f"support for {var} must satisfy low < high, got ({lo}, {hi})")
    return lo, hi


def _domains(constraints: Mapping[Any, Any], params: tuple, hyper: tuple
             ) -> dict[sp.Symbol, sp.Interval]:
    known = params + hyper
    by_name = names_of(known)
    given: dict[sp.Symbol, Any] = {}
    for key, value in constraints.items():
        sym = by_name.get(key) if isinstance(key, str) else key
        if sym not in known:
            raise ValueError(f"constraints: {shown(key)} is not a parameter or hyperparameter "
                             f"(params are {list(params)})")
        given[sym] = value
    return {s: as_interval(given[s], f"constraints[{s}]") if s in given else default_domain(s)
            for s in known}
