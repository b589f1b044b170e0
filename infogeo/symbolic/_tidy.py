"""Readable closed forms: simplification under a time limit, then two cosmetic rules.

``sympy.simplify`` leaves Weibull's :math:`I_{kk}` as
:math:`(\\gamma^2 - 2\\gamma + 1 + \\pi^2/6)/k^2` and Bernoulli's as :math:`-1/(p(p - 1))`;
the literature writes :math:`((1-\\gamma)^2 + \\pi^2/6)/k^2` and :math:`1/(p(1-p))`. Two
rules, each kept only if the result is provably equal and not longer:

1. **group by constant**: inside a sum, the terms built from one transcendental constant
   (γ, π, log 2, ...) and rational numbers are factored together
   (:math:`\\gamma^2 - 2\\gamma + 1 = (\\gamma - 1)^2`);
2. **signs**: a factor :math:`(a - b)^n` is written so that its constant term is positive
   — freely under an even power, and under an odd power when that removes a leading
   minus sign of the product (:math:`-1/(p(p-1)) = 1/(p(1-p))`).
"""

from __future__ import annotations

import sympy as sp

from ._timeout import DerivationTimeout, outer_limit_expired, time_limit

__all__ = ["tidy"]

_ERRORS = (DerivationTimeout, NotImplementedError, TypeError, ValueError, RecursionError,
           AttributeError, sp.PolynomialError)


def tidy(expr: sp.Expr, seconds: float | None = 5.0) -> sp.Expr:
    """Simplify to a readable form within ``seconds`` (the input back if time runs out)."""
    if not isinstance(expr, sp.Basic) or expr.is_Atom:
        return expr
    try:
        with time_limit(seconds):
            return _readable(_simplified(expr))
    except _ERRORS as err:
        if isinstance(err, DerivationTimeout) and outer_limit_expired():
            raise
        return expr


def _simplified(expr: sp.Expr) -> sp.Expr:
    if expr.has(sp.gamma):
        # Γ(ν/2 + 5/2) → (ν/2 + 3/2)(ν/2 + 1/2)Γ(ν/2 + 1/2): ratios then cancel
        expr = sp.expand_func(expr)
    out = sp.simplify(expr)
    factored = sp.factor(out)
    return factored if sp.count_ops(factored) < sp.count_ops(out) else out


def _readable(expr: sp.Expr) -> sp.Expr:
    candidate = _fix_signs(_group_constants(expr))
    if candidate == expr or sp.count_ops(candidate) > sp.count_ops(expr):
        return expr
    same = sp.expand(sp.cancel(sp.together(candidate - expr))) == 0
    return candidate if same else expr


# ---------------------------------------------------------------------- rule 1
def _group_constants(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: e.is_Add, _group_sum)


def _group_sum(total: sp.Add) -> sp.Expr:
    terms = list(total.args)
    constants = set().union(*(t.atoms(sp.NumberSymbol) for t in terms)) | {
        a for t in terms for a in t.atoms(sp.log) if a.is_number}
    for c in sorted(constants, key=sp.default_sort_key):
        group = [t for t in terms if (t.has(c) and t.free_symbols == set()
                                      and t.atoms(sp.NumberSymbol) <= {c})
                 or t.is_Rational]
        if len([t for t in group if t.has(c)]) < 2:
            continue
        factored = sp.factor(sp.Add(*group).xreplace({c: _TMP}), _TMP).xreplace({_TMP: c})
        if not (factored.is_Pow or factored.is_Mul):
            continue
        rest = [t for t in terms if t not in group]
        return sp.Add(*rest, factored)
    return total


_TMP = sp.Dummy("c")


# ---------------------------------------------------------------------- rule 2
def _constant_term(base: sp.Add) -> sp.Expr:
    return base.as_coeff_Add()[0]


def _flip(base: sp.Expr) -> bool:
    """Whether -base reads better than base: a negative constant term (γ - 1 → 1 - γ)."""
    return base.is_Add and bool(_constant_term(base) < 0) and len(base.args) == 2


def _fix_signs(expr: sp.Expr) -> sp.Expr:
    expr = expr.replace(
        lambda e: e.is_Pow and e.exp.is_even and _flip(e.base),
        lambda e: sp.Pow(-e.base, e.exp))
    return expr.replace(lambda e: e.is_Mul and e.could_extract_minus_sign(), _positive_product)


def _positive_product(product: sp.Mul) -> sp.Expr:
    coeff, factors = product.as_coeff_mul()
    if not coeff < 0:
        return product
    factors = list(factors)
    for i, f in enumerate(factors):
        base, exp = f.as_base_exp()
        if exp.is_integer and exp.is_odd and _flip(base):
            factors[i] = sp.Pow(-base, exp)
            return sp.Mul(-coeff, *factors)
    return product
