"""Densities defined piece by piece in the variable: split the support where they change.

A zero-inflated, hurdle, truncated or censored family has a log-density that is a
``Piecewise`` in the variable, e.g. the zero-inflated Poisson (Lambert 1992)

.. math::

    \\ell(k) = \\begin{cases} \\log(p + (1-p)e^{-\\lambda}) & k = 0 \\\\
    \\log(1-p) + k\\log\\lambda - \\lambda - \\log k! & k \\ge 1 \\end{cases}

When the conditions involve the variable only (not θ), ℓ is smooth in θ on every piece
and the pieces do not move with θ, so derivatives pass under the integral (sum) and
:math:`E[f] = \\sum_r \\int_{A_r} f_r\\,p_r` splits into one expectation per region
:math:`A_r` on which every ``Piecewise`` reduces to a single branch: the atoms
``k = c`` of a discrete support, the ranges between them, and the intervals between
the break points of a continuous one.

Indicators written as ``0**(k - c)`` (1 at k = c, 0 elsewhere) are rewritten as a
``Piecewise`` first, and ``Piecewise`` factors inside ``log``/sums are folded outwards
(``log(p·1{k=0} + q(k))`` becomes a ``Piecewise`` of logs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .inputs import as_expr

__all__ = ["fold_indicators", "variable_pieces", "conditions_on", "Region", "regions",
           "resolve"]


def _indicator(power: sp.Pow) -> sp.Expr:
    """0**e (e ≥ 0 an integer-valued expression) is 1 where e = 0 and 0 elsewhere."""
    return sp.Piecewise((1, sp.Eq(power.exp, 0)), (0, True))


def fold_indicators(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> sp.Expr:
    """Rewrite ``0**(k - c)`` indicators as ``Piecewise``, fold pieces outwards, and
    evaluate each ``Eq(k, c)`` branch at k = c.

    Expressions without a ``Piecewise`` in the variables are returned unchanged.
    """
    var_set = set(variables)
    expr = expr.replace(lambda e: e.is_Pow and e.base == 0 and e.exp.free_symbols & var_set,
                        _indicator)
    if not any(p.free_symbols & var_set for p in expr.atoms(sp.Piecewise)):
        return expr
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return folded
    pieces = []
    for value, cond in folded.args:
        if isinstance(cond, sp.Eq) and len(variables) == 1:
            solved = _root(cond, variables[0])
            if solved is not None:
                value = value.xreplace({variables[0]: solved})
        pieces.append((value, cond))
    return sp.Piecewise(*pieces)


def variable_pieces(expr: sp.Expr, variables: Iterable[sp.Symbol]) -> list[sp.Piecewise]:
    """The ``Piecewise`` sub-expressions whose conditions involve a variable."""
    var_set = set(variables)
    return [p for p in expr.atoms(sp.Piecewise)
            if any(c.free_symbols & var_set for _, c in p.args)]


def conditions_on(expr: sp.Expr, symbols: Iterable[sp.Symbol]) -> list[sp.Basic]:
    """Conditions of ``Piecewise`` sub-expressions that involve any of ``symbols``."""
    syms = set(symbols)
    return [c for p in expr.atoms(sp.Piecewise) for _, c in p.args if c.free_symbols & syms]


def _root(rel: sp.Basic, var: sp.Symbol) -> sp.Expr | None:
    """The root in ``var`` of lhs − rhs of a relational linear in ``var`` (None if not)."""
    diff = sp.expand(rel.lhs - rel.rhs)
    if not diff.is_polynomial(var) or sp.degree(diff, var) != 1:
        return None
    slope = diff.coeff(var, 1)
    return sp.simplify(-(diff - slope * var) / slope)


@dataclass(frozen=True)
class Region:
    """A part of the support on which every ``Piecewise`` reduces to one branch.

    ``lo == hi`` is an atom (a single point of a discrete support); ``point`` is where the
    conditions were evaluated.
    """

    lo: Any
    hi: Any
    point: Any

    @property
    def is_atom(self) -> bool:
        return self.lo == self.hi


def _break_points(exprs: Sequence[sp.Expr], var: sp.Symbol, ends: Sequence[Any] = ()
                  ) -> list[sp.Expr]:
    """Roots of the conditions in ``var``; a root at one of ``ends`` (a censoring point
    that is also the end of the support, possibly symbolic) cuts nothing and is left out."""
    roots = []
    for expr in exprs:
        for cond in conditions_on(expr, [var]):
            for rel in cond.atoms(sp.core.relational.Relational):
                if var not in rel.free_symbols:
                    continue
                root = _root(rel, var)
                if root is not None and any(sp.simplify(root - e) == 0 for e in ends
                                            if as_expr(e, "support").is_finite is not False):
                    continue
                if root is None or not (root.is_number and root.is_real):
                    raise NotImplementedError(
                        f"the condition {rel} is not linear in {var.name} with a known "
                        "break point")
                roots.append(root)
    return roots


def regions(exprs: Sequence[sp.Expr], var: sp.Symbol, lo: Any, hi: Any, discrete: bool
            ) -> list[Region]:
    """Split (lo, hi) (integers lo..hi if ``discrete``) where a condition changes.

    Raises
    ------
    NotImplementedError
        If a condition is not linear in ``var`` with a numeric break point.
    """
    roots = _break_points(exprs, var, () if discrete else (lo, hi))
    if discrete:
        # a relation with root r is constant on the integers < floor(r), at floor(r), at
        # ceil(r) and on those > ceil(r): cut before and after both
        cut_set = {lo}
        for r in roots:
            for t in {sp.floor(r), sp.ceiling(r)}:
                cut_set.update({t, t + 1})
        cuts: list[Any] = sorted(c for c in cut_set if bool(c >= lo) and bool(c <= hi))
        out = []
        for a, nxt in zip(cuts, cuts[1:] + [None], strict=True):
            b = hi if nxt is None else nxt - 1
            out.append(Region(a, b, a))
        return out
    cuts = sorted({r for r in roots if bool(r > lo) and bool(r < hi)}, key=float)
    ends = [lo, *cuts, hi]
    out = []
    for a, b in zip(ends, ends[1:], strict=False):
        if a.is_finite and b.is_finite:
            point = (a + b) / 2
        elif a.is_finite:
            point = a + 1
        elif b.is_finite:
            point = b - 1
        else:
            point = sp.Integer(0)
        out.append(Region(a, b, point))
    return out


def resolve(expr: sp.Expr, var: sp.Symbol, point: Any) -> sp.Expr:
    """Replace every ``Piecewise`` whose conditions involve ``var`` by its branch at
    ``var = point`` (the branch holds on the whole region of ``point``).

    Raises
    ------
    NotImplementedError
        If a condition's truth at ``point`` depends on the parameters.
    """
    def pick(pw: sp.Piecewise) -> sp.Expr:
        if not any(var in c.free_symbols for _, c in pw.args):
            return pw
        for value, cond in pw.args:
            truth = cond.xreplace({var: point}) if cond is not sp.true else sp.true
            if truth is sp.true:
                return value
            if truth is not sp.false:
                raise NotImplementedError(f"the condition {cond} depends on the parameters")
        return sp.nan  # no branch holds: undefined there

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), pick)


def mixture_terms(logpdf: sp.Expr, params: Sequence[sp.Symbol],
                  variables: Sequence[sp.Symbol]) -> sp.Expr | None:
    """The sum inside ``log(w₁f₁(x) + w₂f₂(x) + …)`` when ℓ is a finite mixture, else None.

    A mixture term here is one that involves the variable through a non-polynomial factor
    (a component density such as e^{−x²/2}); at least two of them, with weights that
    involve the parameters, make ℓ a mixture. Its score
    :math:`\\partial_w\\ell = (f_1 - f_2)/\\sum_i w_i f_i` keeps the mixture density in a
    denominator, so :math:`E[\\partial\\ell\\,\\partial\\ell]` has no closed form in general
    (over an infinite support). Sums of polynomials (Cauchy's 1 + x²) do not count.
    """
    var_set, par_set = set(variables), set(params)
    for log in logpdf.atoms(sp.log):
        arg = log.args[0]
        if not (isinstance(arg, sp.Add) and arg.free_symbols & par_set):
            continue
        components = [t for t in arg.args if t.free_symbols & var_set
                      and not all(t.is_polynomial(v) for v in var_set)]
        if len(components) >= 2:
            return arg
    return None
