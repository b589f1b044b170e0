"""Closed-form 1-D integrals and sums used by the expectation engine.

* :func:`mellin_integrate`: log-powers on (0, ∞) by differentiating a Mellin transform;
* :func:`beta_integrate`: Σ c·t^a(1 − t)^b on (0, 1) as Beta functions;
* substitutions u = e^{−z}, u = e^{z}, z = e^{u}, u = z^p, t = c/(c + z²);
* :func:`recognize`: a parameter-free integral as a rational combination of known
  constants (PSLQ on a 55-digit quadrature);
* index shifts for sums (falling factorials).

Each returns None when it does not apply or cannot close the integral.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from .inputs import as_expr

__all__ = ["is_closed", "integrate_1d", "mellin_integrate", "beta_integrate",
           "density_from_log", "recognize", "SUBSTITUTIONS", "convergent_branch",
           "falling_factorial_sum", "mp_function"]


def is_closed(expr: Any) -> bool:
    """True if ``expr`` is a finite closed form (no Integral/Sum, oo, nan, I, Meijer G)."""
    expr = as_expr(expr, "expression")
    if expr.has(sp.Integral, sp.Sum, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.I, sp.meijerg,
                sp.Piecewise):
        return False
    return True


def integrate_1d(integrand: sp.Expr, var: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    result = sp.integrate(integrand, (var, lo, hi), conds="none", risch=False)
    if result.has(sp.meijerg, sp.hyper):
        result = sp.hyperexpand(result)
    return result if is_closed(result) else None


def mellin_integrate(integrand: sp.Expr, u: sp.Symbol) -> sp.Expr | None:
    r"""∫₀^∞ with log-powers by differentiating a Mellin transform in its exponent:

    .. math::

        \int_0^\infty \log(u)^m\, r(u)\,du
        = \frac{d^m}{ds^m}\Big|_{s=0} \int_0^\infty u^s\, r(u)\,du

    (e.g. :math:`\int u\log u\, e^{-u} du = \Gamma'(2) = 1 - \gamma_E`), which sympy closes
    as Gamma/Beta functions far faster and more reliably than the log integral itself.
    """
    log_u = sp.log(u)
    total = sp.Integer(0)
    s = sp.Dummy("s", real=True)
    for term in sp.Add.make_args(sp.expand(sp.expand_log(integrand))):
        m, rest = 0, []
        for factor in sp.Mul.make_args(term):
            if factor == log_u:
                m += 1
            elif factor.is_Pow and factor.base == log_u and factor.exp.is_Integer:
                m += int(factor.exp)
            else:
                rest.append(factor)
        body = sp.Mul(*rest)
        if log_u in body.atoms(sp.log) or m < 0:
            return None
        if m == 0:
            value = integrate_1d(body, u, 0, sp.oo)
        else:
            transform = sp.integrate(body * u**s, (u, 0, sp.oo), conds="none")
            if not is_closed(transform):
                return None
            value = sp.diff(transform, s, m).subs(s, 0)
            if not is_closed(value):
                value = sp.limit(sp.diff(transform, s, m), s, 0)
        if value is None or not is_closed(value):
            return None
        total += value
    return total


def density_from_log(logq: sp.Expr) -> sp.Expr:
    """exp(Σ tᵢ) as a product: c·log(b) → b^c, loggamma(a) → Γ(a), others exp(t).

    Keeps powers such as (1 + z²/ν)^(−(ν+1)/2) visible to the substitutions."""
    factors = []
    for t in sp.Add.make_args(sp.expand(logq)):
        coeff, rest = t.as_independent(sp.log, sp.loggamma, as_Add=False)
        if isinstance(rest, sp.log):
            factors.append(rest.args[0] ** coeff)
        elif isinstance(rest, sp.loggamma):
            factors.append(sp.gamma(rest.args[0]) ** coeff)
        else:
            factors.append(sp.exp(t))
    return sp.powsimp(sp.Mul(*factors))


def convergent_branch(value: sp.Expr) -> sp.Expr:
    """A geometric-type sum comes back as Piecewise((closed form, |q| < 1), (Sum, True)):
    keep the closed form (the caller cross-checks the final result numerically)."""
    value = sp.piecewise_fold(value)
    if isinstance(value, sp.Piecewise) and is_closed(value.args[0][0]):
        return value.args[0][0]
    return value


def mp_function(expr: sp.Expr, var: sp.Symbol) -> Any:
    """mpmath version of ``expr`` that skips points where it underflows in double precision.

    Without this, tanh-sinh nodes far in the tails make mpmath evaluate things like
    exp(−exp(10³⁰)) at full precision, which takes forever.
    """
    import numpy as np

    fast = sp.lambdify(var, expr, modules="numpy")
    slow = sp.lambdify(var, expr, modules="mpmath")

    def f(t: Any) -> Any:
        with np.errstate(all="ignore"):
            try:
                approx = complex(fast(float(t)))
            except (OverflowError, ValueError, ZeroDivisionError):
                approx = float("nan")
        # underflow, or inf·0 far in a tail: the true value is negligible there
        if not np.isfinite(approx) or abs(approx) < 1e-80:
            return mpmath.mpf(0)
        return slow(t)

    return f


def falling_factorial_sum(g: sp.Expr, pmf: sp.Expr, k: sp.Symbol, lo: Any, hi: Any
                           ) -> sp.Expr | None:
    r"""Σ P(k) p(k) with P a polynomial, by the index shift
    :math:`\sum_k k^{\underline j} p(k) = \sum_{k'} [k^{\underline j} p(k)]_{k = k' + j}`
    (the falling factorial cancels a factorial in p, which ``summation`` then closes)."""
    if not g.is_polynomial(k):
        return None
    poly = sp.Poly(g, k)
    total = sp.Integer(0)
    # k^m = Σ_j S(m, j) k^(j) (Stirling numbers of the second kind)
    for (m,), c in poly.terms():
        for j in range(m + 1):
            s = sp.functions.combinatorial.numbers.stirling(m, j) if m else 1
            if s == 0:
                continue
            shifted = sp.combsimp(sp.ff(k, j) * pmf).xreplace({k: k + j})
            start = sp.Max(lo - j, 0) if j else lo
            part = convergent_branch(sp.summation(
                sp.combsimp(shifted), (k, start, hi - j if hi.is_finite else sp.oo)))
            if not is_closed(part):
                return None
            total += c * s * part
    return total


# ---------------------------------------------------------------------- substitutions
def _change(integrand: sp.Expr, var: sp.Symbol, x_of_u: sp.Expr, u: sp.Symbol,
            ulo: Any, uhi: Any) -> sp.Expr | None:
    new = integrand.xreplace({var: x_of_u}) * sp.diff(x_of_u, u)
    # bring every base to a product of factors, e.g. u/(1 − u) + 1 → 1/(1 − u), so the
    # powers merge into u^a (1 − u)^b
    new = new.replace(lambda e: e.is_Pow and e.base.is_Add,
                      lambda e: sp.cancel(sp.together(e.base)) ** e.exp)
    new = sp.factor_terms(sp.together(new))
    new = sp.powsimp(sp.expand_power_base(sp.expand_log(new), force=True),
                     force=True)
    # the bounds are the images of the original (lo, hi), possibly in decreasing order;
    # orient them increasingly ourselves (sympy has returned wrong signs for reversed ones)
    if bool(ulo > uhi):
        new, ulo, uhi = -new, uhi, ulo
    if (ulo, uhi) == (0, sp.oo):
        return mellin_integrate(new, u)
    if (ulo, uhi) == (0, 1):
        return beta_integrate(new, u)
    return integrate_1d(new, u, ulo, uhi)


def beta_integrate(integrand: sp.Expr, t: sp.Symbol) -> sp.Expr | None:
    r"""Σ c·t^a (1 − t)^b over (0, 1), term by term: :math:`B(a + 1, b + 1)`."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(integrand)):
        a, b, rest = sp.Integer(0), sp.Integer(0), []
        for factor in sp.Mul.make_args(term):
            base, exp = factor.as_base_exp()
            if base == t:
                a += exp
            elif sp.expand(base - (1 - t)) == 0:
                b += exp
            elif sp.expand(base - (t - 1)) == 0 and exp.is_integer:
                b += exp
                rest.append((-1) ** exp)
            elif t in factor.free_symbols:
                return None
            else:
                rest.append(factor)
        if not (sp.simplify(a + 1).is_positive and sp.simplify(b + 1).is_positive):
            return None
        total += sp.Mul(*rest) * sp.gamma(a + 1) * sp.gamma(b + 1) / sp.gamma(a + b + 2)
    return sp.gammasimp(total)


def _sub_exp_minus(f: sp.Expr, z: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    if (lo, hi) != (-sp.oo, sp.oo):
        return None
    u = sp.Dummy("u", positive=True)
    return _change(f, z, -sp.log(u), u, sp.oo, 0)


def _sub_exp_plus(f: sp.Expr, z: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    if (lo, hi) != (-sp.oo, sp.oo):
        return None
    u = sp.Dummy("u", positive=True)
    return _change(f, z, sp.log(u), u, 0, sp.oo)


def _sub_log(f: sp.Expr, z: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    if (lo, hi) != (0, sp.oo):
        return None
    u = sp.Dummy("u", real=True)
    return _change(f, z, sp.exp(u), u, -sp.oo, sp.oo)


def _sub_power(f: sp.Expr, z: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    """u = z^p where the density holds exp(−c z^p) (Weibull-like tails)."""
    if (lo, hi) != (0, sp.oo):
        return None
    powers = {e.exp for e in f.atoms(sp.Pow) if e.base == z and not e.exp.is_Integer}
    for p in powers:
        if p.is_positive:
            u = sp.Dummy("u", positive=True)
            return _change(f, z, u ** (1 / p), u, 0, sp.oo)
    return None


def _sub_beta(f: sp.Expr, z: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    """Fold an even integrand to (0, ∞), then t = c/(c + z²) (Student-t-like bodies give
    Beta integrals ∫₀¹ t^a (1 − t)^b dt)."""
    if (lo, hi) == (-sp.oo, sp.oo):
        if sp.expand(f.xreplace({z: -z}) - f) != 0:
            return None
        zp = sp.Dummy("zp", positive=True)
        f, z = 2 * f.xreplace({z: zp}), zp
    elif (lo, hi) != (0, sp.oo):
        return None
    bases = {e.base for e in f.atoms(sp.Pow) if e.base.is_Add and z in e.base.free_symbols}
    for base in bases:
        poly = sp.Poly(sp.expand(base), z) if base.is_polynomial(z) else None
        if poly is None or poly.degree() != 2 or poly.coeff_monomial(z) != 0:
            continue
        c = poly.coeff_monomial(1) / poly.coeff_monomial(z**2)
        if not c.is_positive:
            continue
        u = sp.Dummy("u", positive=True)
        # t = c/(c + z²): z = √c (1 − t)^½ t^(−½), from z = 0 (t = 1) to z = ∞ (t = 0)
        return _change(f, z, sp.sqrt(c) * sp.sqrt(1 - u) / sp.sqrt(u), u, 1, 0)
    return None


def _sub_none(f: sp.Expr, z: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    """No substitution, but log-powers through a Mellin transform (on (0, ∞) only)."""
    return mellin_integrate(f, z) if (lo, hi) == (0, sp.oo) else None


SUBSTITUTIONS = [("Mellin transform", _sub_none), ("u = exp(-z)", _sub_exp_minus),
                  ("u = exp(z)", _sub_exp_plus),
                  ("u = log(x)", _sub_log), ("u = x^p", _sub_power),
                  ("t = c/(c + z^2)", _sub_beta)]

_CONSTANTS = [sp.Integer(1), sp.pi, sp.pi**2, sp.EulerGamma, sp.EulerGamma**2, sp.log(2),
              sp.zeta(3)]


def recognize(integrand: sp.Expr, var: sp.Symbol, lo: Any, hi: Any) -> sp.Expr | None:
    """A parameter-free integral as a rational combination of 1, π, π², γ_E, γ_E², log 2
    and ζ(3): an integer relation found by PSLQ at 40 digits, confirmed at 50."""
    f = mp_function(integrand, var)
    bounds = [as_expr(b, "integration bound") for b in (lo, hi)]
    ends = [mpmath.mpf(float(b)) if b.is_finite else (mpmath.inf if b > 0 else -mpmath.inf)
            for b in bounds]
    pts = [ends[0], mpmath.mpf(0), ends[1]] if ends[0] < 0 < ends[1] else ends
    try:
        with mpmath.workdps(55):
            value = mpmath.quad(f, pts, maxdegree=8)
        with mpmath.workdps(40):
            basis = [value] + [mpmath.mpf(sp.N(c, 45)) for c in _CONSTANTS]
            relation = mpmath.pslq(basis, tol=mpmath.mpf(10) ** -32, maxcoeff=5000,
                                   maxsteps=20000)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    if not relation or relation[0] == 0:
        return None
    expr = -sp.Add(*[sp.Integer(c) * k for c, k in zip(relation[1:], _CONSTANTS,
                                                         strict=True)]) / relation[0]
    if abs(sp.N(expr, 50) - sp.Float(value, 50)) > sp.Float(10) ** -40:
        return None
    return expr
