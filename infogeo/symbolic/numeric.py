"""Numeric expectations under a symbolic family at fixed parameter values.

Used to cross-check every symbolic result (sympy's ``integrate`` can be silently wrong),
to check normalization, and as the flagged numeric fallback of the Fisher strategies.

* one continuous variable: adaptive ``scipy.integrate.quad_vec`` over the support, with
  the kinks of ``Abs``/``sign``/``Heaviside``/``Max``/``Min``/``Piecewise`` terms
  (:mod:`.kinks`) passed as break points;
* several continuous variables: a tensor tanh-sinh (double-exponential) rule after mapping
  each (possibly infinite, possibly variable-dependent) interval to (−1, 1);
* discrete: direct summation of the pmf, extended until the tail mass is negligible.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp
from scipy.integrate import IntegrationWarning, quad_vec
from scipy.special import gammaln

from .._quadrature import de_map, de_nodes, expectation
from ..errors import SummationError
from ._special import numeric_namespace
from .kinks import numeric_kinks

if TYPE_CHECKING:
    from .family import SymbolicFamily

__all__ = ["numeric_expectation", "stable_log", "lambdify_numpy"]

_MODULES = ["scipy", "numpy"]


#: log Γ(u) for the numeric code: sympy evaluates loggamma(k + 1) of an integer symbol to
#: log(gamma(k + 1)), which overflows past k = 170; this undefined function does not
#: evaluate and is printed as scipy's gammaln
_GAMMALN = sp.Function("_infogeo_gammaln")
_MODULES_GAMMALN = [{"_infogeo_gammaln": gammaln}, *_MODULES]


def _log_gamma_stable(expr: Any) -> Any:
    """log(gamma(u)), log(factorial(u)) and loggamma(u) → gammaln (no overflow)."""
    if isinstance(expr, sp.MatrixBase | sp.NDimArray):
        return expr.applyfunc(_log_gamma_stable)
    if isinstance(expr, list | tuple):
        return type(expr)(_log_gamma_stable(e) for e in expr)
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.gamma),
        lambda e: _GAMMALN(e.args[0].args[0])).replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.factorial),
        lambda e: _GAMMALN(e.args[0].args[0] + 1)).replace(
        lambda e: isinstance(e, sp.loggamma), lambda e: _GAMMALN(e.args[0]))


def lambdify_numpy(args: Any, expr: Any, cse: bool = False) -> Any:
    """``sympy.lambdify`` with scipy.special available (polygamma, besseli, ...); log Γ
    is evaluated by ``gammaln`` whatever form sympy gave it (log(gamma(k + 1)) would
    overflow for counts past 170, shapes past 171); functions scipy lacks (polylog, ...)
    and derivatives sympy leaves unevaluated (∂ζ(s)/∂s) by mpmath (:mod:`._special`)."""
    # unevaluated derivatives of special functions and functions scipy lacks: mpmath
    expr, namespace = numeric_namespace(_log_gamma_stable(expr))
    # dummify: a parameter may be named like a function the code calls (beta, gamma)
    return sp.lambdify(args, expr, modules=[namespace, *_MODULES_GAMMALN], cse=cse,
                       dummify=True)


def evaluate_at(expr: Any, values: Mapping[sp.Symbol, float]) -> np.ndarray:
    """The entries of a (matrix or array) expression at ``values``, as complex numbers in
    its shape: by exact substitution and 20-digit evaluation, or — when it holds a
    derivative sympy left unevaluated (∂ζ(s)/∂s), which its evalf cannot do — by the
    numeric namespace (mpmath, 30 digits)."""
    arr = sp.Array(expr)
    if arr.has(sp.Derivative):
        fn = lambdify_numpy(list(values), list(sp.flatten(arr)))
        out = fn(*[float(v) for v in values.values()])
        return np.array([complex(v) for v in out]).reshape(arr.shape)
    sub = {k: sp.Float(v, 30) for k, v in values.items()}
    return np.array([complex(sp.N(e.xreplace(sub), 20)) for e in sp.flatten(arr)]
                    ).reshape(arr.shape)


def stable_log(expr: sp.Expr) -> sp.Expr:
    """Rewrite log(factorial/gamma/binomial) as loggamma, so large counts do not overflow."""
    expr = sp.expand_log(expr)
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.factorial),
        lambda e: sp.loggamma(e.args[0].args[0] + 1)).replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.gamma),
        lambda e: sp.loggamma(e.args[0].args[0])).replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.binomial),
        lambda e: (sp.loggamma(e.args[0].args[0] + 1) - sp.loggamma(e.args[0].args[1] + 1)
                   - sp.loggamma(e.args[0].args[0] - e.args[0].args[1] + 1)))


def _vector_integrand(variables: tuple, logp: sp.Expr, exprs: Sequence[sp.Expr]) -> Any:
    log_density = lambdify_numpy(variables, logp)
    values = lambdify_numpy(variables, list(exprs))
    slow: list[Any] = []

    def integrand(*xs: Any) -> np.ndarray:
        with np.errstate(all="ignore"):
            dens = np.exp(np.asarray(log_density(*xs), dtype=float))
            shape = np.shape(dens)
            out = np.array([np.broadcast_to(np.asarray(v, dtype=float), shape)
                            for v in values(*xs)]) * dens
        # where the density underflows to zero an unbounded factor (log x at x = 0) is moot
        out = np.where(dens == 0, 0.0, out)
        bad = ~np.isfinite(out)
        if bad.any():
            out = _repair(out, bad, xs, slow)
        return out

    def _repair(out: np.ndarray, bad: np.ndarray, xs: tuple, cache: list) -> np.ndarray:
        """Overflow in double precision (e.g. e^{−z}/(1 + e^{−z}) far in a tail): redo those
        points in mpmath, whose exponent range is unbounded."""
        if not cache:
            cache.append(sp.lambdify(variables, [e * sp.exp(logp) for e in exprs],
                                     modules="mpmath", dummify=True))
        out = out.copy()
        for idx in zip(*np.nonzero(bad.any(axis=0)), strict=False) if out.ndim > 1 else [()]:
            point = [float(np.broadcast_to(x, out.shape[1:])[idx]) for x in xs]
            if max(abs(p) for p in point) > 1e4:  # beyond any sane bulk: negligible
                out[(slice(None),) + idx] = 0.0
                continue
            redo = np.array([complex(v).real for v in cache[0](*point)])
            # still infinite: a point on an integrable endpoint singularity (1 − x rounds to
            # 0); a single point carries no mass
            out[(slice(None),) + idx] = np.where(np.isfinite(redo), redo, 0.0)
        return out

    return integrand


def numeric_expectation(family: SymbolicFamily, exprs: Sequence[Any],
                        values: Mapping[sp.Symbol, float], rtol: float = 1e-10) -> np.ndarray:
    r"""Numeric :math:`E_\theta[f(x)]` for each ``f`` in ``exprs``, shape ``[len(exprs)]``.

    .. math::

        E_\theta[f] = \int f(x)\, e^{\ell(x\mid\theta)}\,dx
        \quad\text{or}\quad \sum_k f(k)\, e^{\ell(k\mid\theta)}

    plus :math:`\sum_a f(a)\,e^{\ell(a\mid\theta)}` over the point masses
    (``family.atoms``) of a mixed law.

    Parameters
    ----------
    family : SymbolicFamily
    exprs : sequence of sympy expressions in the family's symbols (user or internal)
    values : mapping Symbol -> float
        Values of every parameter and hyperparameter (user symbols).

    Raises
    ------
    ValueError
        If the integral does not converge to a finite value.
    """
    fi = family.internal
    point = family.parameter_values(values)
    vals = {family._to_internal[k]: sp.Float(v, 17) for k, v in point.items()}
    exprs = [_at(family.to_internal(e), vals) for e in exprs]
    logp = _at(stable_log(fi.logpdf), vals)
    support = [(lo.xreplace(vals), hi.xreplace(vals)) for lo, hi in fi.support]
    leftover = set().union(*(e.free_symbols for e in exprs + [logp])) - set(fi.variables)
    if leftover:
        raise ValueError(f"values must give every parameter; missing "
                         f"{sorted(str(family.to_user(s)) for s in leftover)}")
    # overflow far in a divergent tail is reported below as non-convergence, not leaked
    # to the user as numpy/scipy warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", IntegrationWarning)
        if fi.discrete:
            result = _sum(fi.variables[0], logp, exprs, support[0])
        elif len(fi.variables) == 1:
            result = _quad(fi.variables[0], logp, exprs, support[0], rtol)
        else:
            result = _tanh_sinh(fi.variables, logp, exprs, support)
        if fi.atoms:  # point masses of a mixed law: Σ_a f(a) e^{ℓ(a)}
            atoms = [float(a.xreplace(vals)) for a in fi.atoms]
            result = result + _vector_integrand(fi.variables, logp, exprs)(
                np.asarray(atoms)).sum(axis=-1)
    if not np.all(np.isfinite(result)):
        raise ValueError(f"numeric expectation did not converge (got {result}) at values "
                         f"{dict(values)}")
    return result


def _quad(var: sp.Symbol, logp: sp.Expr, exprs: list, bounds: tuple, rtol: float) -> np.ndarray:
    integrand = _vector_integrand((var,), logp, exprs)
    lo, hi = (float(b) for b in bounds)
    points = [p for p in numeric_kinks(exprs + [logp], var) if lo < p < hi]
    value, _ = quad_vec(integrand, lo, hi, epsabs=1e-13, epsrel=rtol,
                        points=points or None, limit=4000)
    return np.asarray(value, dtype=float)


def _at(expr: sp.Expr, vals: dict) -> sp.Expr:
    """``expr`` at the parameter values. An unevaluated derivative (∂ζ(s)/∂s) cannot take
    a number for its variable: ``subs`` keeps it as ``Subs(...)``, which the numeric
    namespace evaluates; everything else takes the faster ``xreplace``."""
    return expr.subs(vals) if expr.has(sp.Derivative) else expr.xreplace(vals)


def _sum(var: sp.Symbol, logp: sp.Expr, exprs: list, bounds: tuple) -> np.ndarray:
    """Direct summation over the integers of the support (outward from the mode on all
    the integers), not assuming the pmf is normalized (this checks it)."""
    density = lambdify_numpy((var,), logp)
    values = lambdify_numpy((var,), list(exprs))

    def fn(ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cols = [np.broadcast_to(np.asarray(v, dtype=float), ks.shape) for v in values(ks)]
        return np.asarray(density(ks), dtype=float) + 0 * ks, np.stack(cols, axis=-1)

    try:
        res = expectation(fn, float(bounds[0]), float(bounds[1]), discrete=True, tol=1e-13,
                          normalized=False)
    except ValueError as err:
        raise ValueError(f"numeric sum did not converge: {err}") from None
    if not res.converged:
        raise SummationError("numeric sum did not converge: the pmf tail is still not "
                             f"negligible after {res.n_eval} terms",
                             np.asarray(res.value, dtype=float),
                             np.asarray(res.error, dtype=float))
    return np.asarray(res.value, dtype=float)


def _tanh_sinh(variables: tuple, logp: sp.Expr, exprs: list, support: list) -> np.ndarray:
    integrand = _vector_integrand(variables, logp, exprs)
    u, w = de_nodes()
    bounds = [lambdify_numpy(variables[:i], [lo, hi]) for i, (lo, hi) in enumerate(support)]
    xs: list[np.ndarray] = []
    weight = np.ones(())
    for i in range(len(variables)):
        lo, hi = (np.asarray(b, dtype=float) for b in bounds[i](*xs))
        # grid axis i: broadcast earlier coordinates against the new node axis
        lo, hi = lo[..., None], hi[..., None]
        x, jac = de_map(u, lo, hi)
        xs = [np.repeat(c[..., None], len(u), axis=-1) for c in xs] + [x]
        weight = weight[..., None] * w * jac
    with np.errstate(all="ignore"):
        values = integrand(*xs) * weight
    values = np.where(np.isfinite(values), values, 0.0)
    return values.reshape(len(exprs), -1).sum(axis=-1)
