r"""Censored families: a continuous family observed through a fixed censoring point.

Type I right-censoring at a known point c records min(X, c): the law is mixed, the
density f(x | θ) on [low, c) plus an atom of mass S(c | θ) = P(X ≥ c) at c. With the
dominating measure "Lebesgue on [low, c) + a unit mass at c" its log-density is

.. math::

    \ell(x\mid\theta) = \begin{cases} \log f(x\mid\theta) & x < c \\
    \log S(c\mid\theta) & x = c \end{cases}

and its Fisher information splits into the continuous part and the atom,

.. math::

    I(\theta) = \int_{low}^{c} \nabla\log f\,\nabla\log f^\top f\,dx
    + S(c)\,\nabla\log S(c)\,\nabla\log S(c)^\top .

Left-censoring at c is the mirror image: the atom at c has mass F(c) = P(X ≤ c) and the
continuous part lives on (c, high]. The result is an ordinary
:class:`~infogeo.symbolic.SymbolicFamily` whose ``atoms`` hold c: every derivation
(closed form, quadrature check, numeric route, :func:`compile_manifold`) adds the atom
term itself. For the exponential with rate λ censored at c this gives
:math:`I(\lambda) = (1 - e^{-\lambda c})/\lambda^2` (Deemer & Votaw 1955, Ann. Math.
Statist. 26(3) 498–504; Cohen 1991, *Truncated and Censored Samples*, ch. 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from ._grammar import shown
from ._timeout import DerivationTimeout, time_limit
from .family import SymbolicFamily
from .inputs import as_expr, names_of
from .integrals import density_from_log, integrate_1d, is_closed

__all__ = ["censored", "CensoredFamily"]

_SIDES = ("right", "left")


class CensoredFamily(SymbolicFamily):
    """A :class:`SymbolicFamily` censored at a fixed point (built by :func:`censored`).

    Attributes
    ----------
    base : SymbolicFamily
        The uncensored family.
    at : sympy expression
        The censoring point c (a number or an expression in the hyperparameters).
    side : {"right", "left"}
    tail_mass : sympy expression
        S(c) = P(X ≥ c) (right) or F(c) = P(X ≤ c) (left), in the user's symbols.
    """

    base: SymbolicFamily
    at: sp.Expr
    side: str
    tail_mass: sp.Expr

    def clip(self, draws: NDArray, values: dict[sp.Symbol, float] | None = None) -> NDArray:
        """Censor draws of the base family: min(x, c) (right) or max(x, c) (left)."""
        c = float(self.at.xreplace({k: sp.Float(v, 17) for k, v in (values or {}).items()}))
        return np.minimum(draws, c) if self.side == "right" else np.maximum(draws, c)


def censored(family: SymbolicFamily, at: Any, side: str = "right", *,
             tail_mass: Any = None, time_limit_s: float = 5.0) -> CensoredFamily:
    r"""The family ``family`` censored at ``at`` (Type I: a fixed, known point).

    Parameters
    ----------
    family : SymbolicFamily
        A family of one continuous variable.
    at : number, str or sympy expression
        The censoring point c, inside the support; a symbol that is not a parameter
        becomes a hyperparameter (positive if the support is).
    side : {"right", "left"}
        Right: values ≥ c are recorded as c (atom of mass S(c)). Left: values ≤ c are
        recorded as c (atom of mass F(c)).
    tail_mass : str or sympy expression, optional
        S(c) (right) or F(c) (left) in closed form, when sympy cannot integrate the
        density's tail itself.
    time_limit_s : float
        Seconds allowed to integrating the tail.

    Returns
    -------
    CensoredFamily
        ``atoms == (c,)``; its log-density is ``Piecewise`` in x (log f below c,
        log S(c) at c for right-censoring).

    Raises
    ------
    ValueError
        If the family is discrete or multivariate, ``side`` is unknown, c lies outside
        the support, or the tail mass has no closed form and none was given.

    Examples
    --------
    >>> import infogeo as ig, sympy
    >>> fam = ig.symbolic.censored(ig.symbolic.catalogue.exponential(), at=2)
    >>> info = ig.symbolic.fisher_information(fam)   # Deemer & Votaw (1955)
    >>> lam = fam.params[0]
    >>> sympy.simplify(info[0, 0] - (1 - sympy.exp(-2 * lam)) / lam**2)
    0
    """
    return _censored(family, at, side, tail_mass, time_limit_s, "at")


def _censored(family: SymbolicFamily, at: Any, side: str, tail_mass: Any,
              time_limit_s: float, what: str) -> CensoredFamily:
    """:func:`censored`, its errors naming the censoring point ``what`` (an argument, or
    the command-line option that gave it)."""
    if not isinstance(family, SymbolicFamily):
        raise TypeError(f"family must be a SymbolicFamily, got {type(family).__name__}")
    # from the command line the family is not an argument: the option is to blame
    blame = "family" if what == "at" else f"{what}: the family"
    if family.discrete or len(family.variables) != 1:
        kind = "discrete" if family.discrete else f"variables {list(family.variables)}"
        raise ValueError(f"{blame} must have one continuous variable to be censored, got "
                         f"{family.name} ({kind})")
    if family.atoms:
        raise ValueError(f"{blame} {family.name} already has point masses {family.atoms}")
    if side not in _SIDES:
        raise ValueError(f"side must be one of {_SIDES}, got {shown(side)}")
    x = family.variables[0]
    lo, hi = family.support[0]
    c, hyper = _point(family, at, lo, what)
    if lo.free_symbols or hi.free_symbols:
        raise ValueError(f"{blame}: censoring needs a support with fixed ends, got "
                         f"({lo}, {hi})")
    if sp.And(sp.Gt(c, lo), sp.Lt(c, hi)) is sp.false:
        raise ValueError(f"{what} must lie inside the support ({lo}, {hi}) of {family.name}, "
                         f"got {shown(at)}")
    mass = (_tail(family, c, side, time_limit_s) if tail_mass is None
            else as_expr(tail_mass, "tail_mass", names_of(family.params + tuple(hyper))))
    if side == "right":
        logpdf = sp.Piecewise((sp.log(mass), sp.Ge(x, c)), (family.logpdf, True))
        support = (lo, c)
    else:
        logpdf = sp.Piecewise((sp.log(mass), sp.Le(x, c)), (family.logpdf, True))
        support = (c, hi)
    constraints = dict(family.domains)
    out = CensoredFamily(logpdf, family.params, x, support, constraints=constraints,
                         conditions=family.conditions, hyperparams=hyper, atoms=[c],
                         name=f"{family.name}_{side}_censored",
                         check_normalization=family.check_normalization,
                         normalization_time_limit=family.normalization_time_limit)
    out.base, out.at, out.side, out.tail_mass = family, c, side, mass
    return out


def _point(family: SymbolicFamily, at: Any, lo: sp.Expr, what: str) -> tuple[sp.Expr, list]:
    """c and the hyperparameters of the censored family (the base's and c's symbols)."""
    names = names_of(family.params + family.hyperparams)
    if isinstance(at, float):  # 1.5 → 3/2: exact, so that closed forms stay exact
        at = sp.nsimplify(at, rational=True)
    c = as_expr(at, what, names)  # strings by the safe grammar, never sympify
    if not isinstance(c, sp.Expr) or (c.is_number and not c.is_real):
        raise ValueError(f"{what} must be a real number or expression, got {shown(at)}")
    if c.free_symbols & set(family.params):
        raise ValueError(f"{what} must not depend on the parameters {list(family.params)} "
                         f"(a censoring point is fixed), got {shown(at)}")
    if c.free_symbols & {family.variables[0]}:
        raise ValueError(f"{what} must not involve the variable, got {shown(at)}")
    hyper = list(family.hyperparams)
    for s in sorted(c.free_symbols - set(hyper), key=lambda s: s.name):
        if not isinstance(s, sp.Symbol):
            continue
        if lo.is_comparable and lo >= 0 and not s.is_positive:
            raise ValueError(f"{what}: the symbol {s} must be declared positive (the support "
                             f"starts at {lo}): Symbol('{s}', positive=True), or '{s}>0' in "
                             "hyperparams")
        hyper.append(s)
    return c, hyper


def _tail(family: SymbolicFamily, c: sp.Expr, side: str, seconds: float) -> sp.Expr:
    """S(c) = ∫_c^high f or F(c) = ∫_low^c f, in closed form, in the user's symbols."""
    fi = family.internal
    x = fi.variables[0]
    lo, hi = fi.support[0]
    ci = family.to_internal(c) if c.free_symbols else c
    a, b = (ci, hi) if side == "right" else (lo, ci)
    density = density_from_log(fi.logpdf)
    value = None
    try:
        with time_limit(seconds):
            value = integrate_1d(density, x, a, b)
            if value is None:
                # the definite integral may fail where the antiderivative is plain
                # (Weibull: −exp(−(x/λ)^k)); take it and its limit at the far end
                anti = sp.integrate(density, x, risch=False)
                if is_closed(anti):
                    value = sp.limit(anti, x, b) - anti.xreplace({x: a}) if side == "right" \
                        else anti.xreplace({x: b}) - sp.limit(anti, x, a)
    except (DerivationTimeout, NotImplementedError, ValueError, TypeError):
        value = None
    if value is None or not is_closed(value):
        what = "S(c) = P(X >= c)" if side == "right" else "F(c) = P(X <= c)"
        lo, hi = family.support[0]
        raise ValueError(f"the tail mass {what} of {family.name} over its support "
                         f"({lo}, {hi}) has no closed form that sympy finds; check the "
                         f"support (support=, CLI --support) or pass the mass as "
                         f"tail_mass=")
    return family.to_user(sp.simplify(value))
