r"""Where a density is not smooth in its variable: the break points of quadrature.

A log-density written with ``Abs``, ``sign``, ``Heaviside``, ``Max``/``Min`` or
``Piecewise`` has kinks (or jumps) at the roots, in the variable :math:`x`, of

* the argument :math:`u` of :math:`|u|`, :math:`\operatorname{sign} u`,
  :math:`H(u)`;
* the differences :math:`a - b` of the arguments of :math:`\max(a, b)`,
  :math:`\min(a, b)`;
* :math:`\text{lhs} - \text{rhs}` of every condition of a ``Piecewise``.

A quadrature rule that splits the support there integrates analytic pieces, each to
full accuracy; one that does not converges only algebraically across the kink. The roots
are functions of the parameters (:math:`|x - \mu|` has its kink at :math:`x = \mu`):
:func:`kink_points` returns them symbolically (the numeric route compiles them into a
function of θ), :func:`numeric_kinks` evaluates them when they are numbers.
Kinks of ``floor``/``ceiling`` (a jump at every integer) are not break points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sympy as sp

__all__ = ["kink_points", "numeric_kinks"]


def _non_smooth_arguments(expr: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """The expressions whose zeros (in ``var``) are kinks or jumps of ``expr``."""
    out: list[sp.Expr] = []
    for atom in expr.atoms(sp.Abs, sp.sign, sp.Heaviside):
        out.append(atom.args[0])
    for atom in expr.atoms(sp.Max, sp.Min):
        args = atom.args
        out.extend(a - b for i, a in enumerate(args) for b in args[i + 1:])
    for pw in expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                out.append(rel.lhs - rel.rhs)
    return [u for u in out if var in u.free_symbols]


def kink_points(exprs: Iterable[sp.Expr], var: sp.Symbol) -> list[sp.Expr]:
    """Roots in ``var`` of the non-smooth arguments of ``exprs``, as expressions in the
    other symbols (parameters), without duplicates.

    The variable is replaced by an assumption-free symbol before solving, so that a
    positive ``x`` does not make sympy drop a root it cannot prove positive; roots that
    are not real for real parameters are left to the caller to discard.
    """
    free = sp.Dummy("x")
    roots: list[sp.Expr] = []
    for expr in exprs:
        if not isinstance(expr, sp.Basic):  # sympy objects only: never parse text here
            raise TypeError(f"exprs must hold sympy expressions, got {type(expr).__name__}")
        for arg in _non_smooth_arguments(expr, var):
            try:
                found = sp.solve(arg.xreplace({var: free}), free)
            except (NotImplementedError, ValueError, TypeError):
                continue  # no closed-form root: the quadrature's error estimate says so
            for root in found:
                if isinstance(root, sp.Expr) and not root.has(free) \
                        and root.is_real is not False \
                        and all(sp.simplify(root - r) != 0 for r in roots):
                    roots.append(root)
    return roots


def numeric_kinks(exprs: Sequence[Any], var: sp.Symbol) -> list[float]:
    """Real numeric break points of ``exprs`` (no free symbols besides ``var``), sorted."""
    points: set[float] = set()
    for root in kink_points(exprs, var):
        if not root.is_number:
            continue
        value = complex(root.evalf())
        if np.isfinite(value) and abs(value.imag) <= 1e-12 * max(abs(value.real), 1.0):
            points.add(value.real)
    return sorted(points)
