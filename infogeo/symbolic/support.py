"""Where a log-density is defined: the support used when the user gives none.

A log-density with ``log(x)``, ``sqrt(x)``, ``x**(a - 1)`` or ``loggamma(x)`` is only real
for x > 0, so a family declared without a support lives on (0, ∞) — not on the real line,
where the normalization check would integrate NaNs or a divergent tail. The support is
inferred from the arguments of such functions when they involve the variable alone
(bounds that depend on parameters are left to the user), intersected with what the
variable's own declaration says (``x>0``, ``x:(0,1)``). A discrete variable without a
support counts from 0.

:func:`candidate_supports` lists the usual supports, which the normalization check tries
when a density does not integrate to one, to say "did you mean ...?".
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ._timeout import DerivationTimeout, outer_limit_expired, time_limit
from .declarations import declared_domain

__all__ = ["infer_support", "natural_domain", "candidate_supports", "default_domain"]

_ERRORS = (DerivationTimeout, NotImplementedError, ValueError, TypeError, AttributeError,
           RecursionError, sp.PolynomialError)


def default_domain(sym: sp.Symbol) -> sp.Interval:
    """The declared interval of a symbol (``p:(0,1)``), else what its assumptions say."""
    declared = declared_domain(sym)
    if declared is not None:
        return declared
    if sym.is_positive:
        return sp.Interval.open(0, sp.oo)
    if sym.is_nonnegative:
        return sp.Interval(0, sp.oo, right_open=True)
    if sym.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if sym.is_nonpositive:
        return sp.Interval(-sp.oo, 0, left_open=True)
    return sp.Interval.open(-sp.oo, sp.oo)


def _requirements(expr: sp.Expr, var: sp.Symbol) -> list[sp.Basic]:
    """Conditions on ``var`` for ``expr`` to be real and finite (arguments of log, roots,
    loggamma, ...), keeping those that involve the variable alone."""
    conds: list[sp.Basic] = []
    for atom in expr.atoms(sp.log, sp.loggamma, sp.polygamma, sp.besselk):
        arg = atom.args[-1]
        conds.append(arg > 0)
    for atom in expr.atoms(sp.Pow):
        if var in atom.base.free_symbols and not atom.exp.is_integer:
            conds.append(atom.base > 0)
    for atom in expr.atoms(sp.asin, sp.acos, sp.atanh):
        arg = atom.args[0]
        conds.extend([arg > -1, arg < 1])
    return [c for c in conds if isinstance(c, sp.core.relational.Relational)
            and var in c.free_symbols]


def natural_domain(expr: sp.Expr, var: sp.Symbol, seconds: float = 1.0) -> sp.Set:
    """The set of real ``var`` where ``expr`` is defined, as far as the arguments of
    log-like functions tell (the real line when nothing restricts it)."""
    real = sp.Dummy(var.name, real=True)
    domain: sp.Set = sp.Reals
    for cond in _requirements(expr, var):
        try:
            with time_limit(seconds):
                # parameters keep their assumptions: x/a > 0 with a > 0 gives x > 0
                solved = sp.solve_univariate_inequality(cond.xreplace({var: real}), real,
                                                        relational=False)
        except _ERRORS as err:
            if isinstance(err, DerivationTimeout) and outer_limit_expired():
                raise
            continue
        if isinstance(solved, sp.Set) and not solved.free_symbols:
            domain = domain.intersect(solved)
    return domain


def infer_support(expr: sp.Expr, variables: tuple[sp.Symbol, ...], discrete: bool
                  ) -> tuple[Any, str]:
    """A support for a family declared without one, and a sentence saying how it was found.

    Returns ``(support, how)`` in the forms :class:`SymbolicFamily` accepts: ``(low, high)``
    (one variable), a tuple of those (several variables), or a ``sympy.Range``.
    """
    parts = []
    for var in variables:
        domain = natural_domain(expr, var).intersect(default_domain(var))
        if not isinstance(domain, sp.Interval) or domain.is_empty:
            domain = default_domain(var)
        parts.append(domain)
    if discrete:
        return _counting(parts[0])
    bounds = [(d.inf, d.sup) for d in parts]
    what = ", ".join(f"{v} in ({lo}, {hi})" for v, (lo, hi) in
                     zip(variables, bounds, strict=True))
    if all(b == (-sp.oo, sp.oo) for b in bounds):
        how = f"{what}: no support given and log p is defined on the whole real line"
    else:
        how = f"{what}: inferred from where log p is defined (no support given)"
    return (bounds[0] if len(bounds) == 1 else tuple(bounds)), how


def _counting(domain: sp.Interval) -> tuple[sp.Range, str]:
    lo, hi = domain.inf, domain.sup
    if lo.is_infinite:
        lo, how = sp.Integer(0), "counts 0, 1, 2, ... (no support given)"
    else:
        lo = sp.ceiling(lo) + (1 if domain.left_open and lo.is_integer else 0)
        how = "inferred from where log p is defined (no support given)"
    if hi.is_infinite:
        return sp.Range(lo, sp.oo), f"{lo}, {lo + 1}, ...: {how}"
    hi = sp.floor(hi) - (1 if domain.right_open and hi.is_integer else 0)
    return sp.Range(lo, hi + 1), f"{lo}, ..., {hi}: {how}"


def candidate_supports(expr: sp.Expr, var: sp.Symbol, discrete: bool) -> list[tuple]:
    """The usual supports on which the log-density is defined, most common first."""
    if discrete:
        return [(sp.Integer(0), sp.oo), (sp.Integer(1), sp.oo), (sp.Integer(0), sp.Integer(1))]
    usual = [(-sp.oo, sp.oo), (sp.Integer(0), sp.oo), (sp.Integer(0), sp.Integer(1)),
             (sp.Integer(1), sp.oo), (-sp.Integer(1), sp.Integer(1)), (-sp.pi, sp.pi),
             (sp.Integer(0), 2 * sp.pi)]
    domain = natural_domain(expr, var)
    return [(lo, hi) for lo, hi in usual if sp.Interval.open(lo, hi).is_subset(domain)]
