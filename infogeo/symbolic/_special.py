r"""Numeric values of what sympy cannot print for numpy: special functions scipy lacks, and
the derivatives of special functions that sympy leaves unevaluated.

``sympy.diff(zeta(s), s)`` stays ``Derivative(zeta(s), s)`` (and a composite argument gives
``Subs(Derivative(zeta(_xi), _xi), _xi, 2*s)``); no printer turns it into code. Each such
derivative becomes a call of a fresh undefined function of its free symbols, evaluated in
mpmath at 30 significant digits and rounded to double precision:

* a derivative with a known closed form in mpmath is evaluated by it — the Riemann and
  Hurwitz zeta functions in their first argument,

  .. math:: \partial_s^n \zeta(s, a) = \texttt{mpmath.zeta}(s, a, \text{derivative}=n),

  exact to double precision;
* any other by ``mpmath.diff`` (finite differences at 30 digits, step chosen by mpmath for
  that precision), which loses at most about 5 + 3n of the 30 digits for an n-th
  derivative of an analytic function: correct to double precision (relative error below
  1e-15) for the orders up to 3 that the geometry needs.

Functions that scipy lacks (``polylog``, ``expint`` of a non-integer order, ``erfi``)
are evaluated by mpmath too, elementwise.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from scipy import special

__all__ = ["numeric_namespace", "unevaluated_note", "DIGITS"]

#: working precision (significant digits) of the mpmath evaluations
DIGITS = 30

_names = count()


def _elementwise(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A numpy function from an mpmath scalar one (real part, at ``DIGITS`` digits)."""
    def scalar(*args: float) -> float:
        with mpmath.workdps(DIGITS):
            try:
                value = fn(*(mpmath.mpf(float(a)) for a in args))
            except (ValueError, ZeroDivisionError, OverflowError):
                return float("nan")
            return float(mpmath.re(value)) if abs(mpmath.im(value)) <= \
                1e-20 * (1 + abs(value)) else float("nan")

    vec = np.vectorize(scalar, otypes=[float])

    def call(*args: Any) -> Any:
        out = vec(*args)
        return out if np.ndim(out) else float(out)

    return call


def _scipy_first(fast: Callable[..., Any], slow: Callable[..., Any]) -> Callable[..., Any]:
    """scipy's function, with mpmath where scipy returns nan (outside its range)."""
    def call(*args: Any) -> Any:
        with np.errstate(all="ignore"):
            out = np.asarray(fast(*args), dtype=float)
        bad = np.isnan(out)
        if bad.any():
            shape = out.shape
            full = [np.broadcast_to(np.asarray(a, dtype=float), shape)[bad] for a in args]
            out = out.copy()
            out[bad] = slow(*full)
        return out if out.ndim else float(out)

    return call


#: functions of the grammar that scipy.special does not provide (or not on their whole
#: domain)
MPMATH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "zeta": _scipy_first(special.zeta, _elementwise(lambda s, a=1: mpmath.zeta(s, a))),
    "polylog": _elementwise(mpmath.polylog),
    "expint": _elementwise(mpmath.expint),
    "erfi": _elementwise(mpmath.erfi),
}


def _known(fn: sp.Expr, counts: dict[sp.Symbol, int]) -> Callable[..., Any] | None:
    """An mpmath closed form of the derivative, if there is one (zeta in its first
    argument)."""
    if isinstance(fn, sp.zeta) and len(counts) == 1:
        (var, n), = counts.items()
        s, a = (fn.args + (sp.Integer(1),))[:2]
        if s == var and var not in a.free_symbols:
            a_of = sp.lambdify([var], a, modules="mpmath")
            return lambda v: mpmath.zeta(v, a_of(v), derivative=n)
    return None


def _derivative_call(d: sp.Derivative, namespace: dict[str, Any]) -> sp.Expr:
    """``Derivative(f(...), vars)`` → ``_infogeo_dN(free symbols)``, its numeric value put
    in ``namespace``."""
    counts: dict[sp.Symbol, int] = {}
    for var, n in d.variable_count:
        counts[var] = counts.get(var, 0) + int(n)
    free = sorted(d.free_symbols, key=str)
    known = _known(d.expr, counts) if free == list(counts) else None
    if known is not None:
        scalar: Callable[..., Any] = known
    else:
        body = sp.lambdify(free, d.expr, modules=["mpmath"], dummify=True)
        orders = [counts.get(v, 0) for v in free]

        def scalar(*vals: Any) -> Any:
            return mpmath.diff(body, vals if len(vals) > 1 else vals[0],
                               orders if len(vals) > 1 else orders[0])
    name = f"_infogeo_d{next(_names)}"
    namespace[name] = _elementwise(scalar)
    return sp.Function(name)(*free)


def numeric_namespace(expr: Any) -> tuple[Any, dict[str, Any]]:
    """``expr`` with every unevaluated derivative replaced by a call of a numeric function,
    and the names → functions that lambdify needs (including :data:`MPMATH_FUNCTIONS`)."""
    namespace: dict[str, Any] = dict(MPMATH_FUNCTIONS)
    if isinstance(expr, list | tuple):
        parts = [numeric_namespace(e) for e in expr]
        for _, ns in parts:
            namespace.update(ns)
        return type(expr)(e for e, _ in parts), namespace
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Derivative):
        return expr, namespace
    cache: dict[sp.Derivative, sp.Expr] = {}

    def replace(d: sp.Derivative) -> sp.Expr:
        if d not in cache:
            cache[d] = _derivative_call(d, namespace)
        return cache[d]

    out = expr.replace(lambda e: isinstance(e, sp.Derivative), replace)
    # Subs(_infogeo_d(ξ), ξ, 2*s) → _infogeo_d(2*s)
    out = out.replace(lambda e: isinstance(e, sp.Subs), lambda e: e.doit())
    return out, namespace


def unevaluated_note(exprs: Any) -> str:
    """A sentence on how the unevaluated derivatives in ``exprs`` are evaluated ("" if
    there are none)."""
    found: set[sp.Derivative] = set()
    for e in exprs if isinstance(exprs, list | tuple) else [exprs]:
        if isinstance(e, sp.Basic):
            found |= e.atoms(sp.Derivative)
    if not found:
        return ""
    shown = ", ".join(sorted({str(d) for d in found})[:3])
    return (f"; {shown} (unevaluated by sympy): mpmath at {DIGITS} digits (zeta: "
            "mpmath.zeta(derivative=n), exact; others: mpmath.diff, relative error below "
            "1e-15)")
