"""Cheap-first derivation (issue 14, symbolic catalogue): what makes it fast must not
change what is derived, nor let a wrong closed form through."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from infogeo.symbolic import SymbolicFamily, cache, fisher_information_result, normalization
from infogeo.symbolic.integrals import fits
from infogeo.symbolic.strategies import Context, _invertible

z = sp.Symbol("z", positive=True)
t = sp.Symbol("t", real=True)
k, nu = sp.symbols("k nu", positive=True)


@pytest.mark.parametrize(("name", "f", "lo", "hi", "expected"), [
    ("Mellin transform", z**k * sp.exp(-z**k) * sp.log(z) ** 2, 0, sp.oo, True),
    ("Mellin transform", z**k * sp.exp(-z**k), 0, sp.oo, False),  # no log-power
    ("Mellin transform", sp.exp(-t**2) * sp.log(t**2 + 1), -sp.oo, sp.oo, False),
    ("t = c/(c + z^2)", (1 + t**2 / nu) ** (-nu / 2 - sp.S.Half), -sp.oo, sp.oo, True),
    ("t = c/(c + z^2)", (1 + t**2) ** -2, -sp.oo, sp.oo, False),  # integer power
    ("t = c/(c + z^2)", (1 + t) ** (-nu), -sp.oo, sp.oo, False),  # not quadratic
    ("u = exp(-z)", sp.exp(-t - sp.exp(-t)), -sp.oo, sp.oo, False),  # never put first
])
def test_substitutions_go_first_only_for_their_shape(name, f, lo, hi, expected) -> None:
    var = z if lo == 0 else t
    assert fits(name, f, var, lo, hi) is expected


def _gaussian_like(logpdf: sp.Expr, params: list, x: sp.Symbol) -> Context:
    return Context(SymbolicFamily(logpdf, params, x, (-sp.oo, sp.oo),
                                  check_normalization=False))


def test_jacobian_invertibility_by_a_random_point_agrees_with_the_determinant() -> None:
    x, mu = sp.Symbol("x", real=True), sp.Symbol("mu", real=True)
    s = sp.Symbol("s", positive=True)
    ctx = _gaussian_like(-(x - mu) ** 2 / (2 * s**2) - sp.log(s), [mu, s], x)
    jac = ctx.jacobian_eta()
    assert _invertible(jac, ctx.family) and sp.simplify(jac.det()) != 0
    # a rank-one Jacobian: zero at every point, so the symbolic fallback decides
    singular = sp.Matrix([[jac[0, 0], jac[0, 1]], [2 * jac[0, 0], 2 * jac[0, 1]]])
    assert not _invertible(singular, ctx.family)


def test_derivation_skips_the_symbolic_normalization_label_but_not_the_check(
        tmp_path, monkeypatch) -> None:
    """The label is left to check_normalization; quadrature still refuses a density that
    does not integrate to one, cold or warm."""
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path))
    cache._MEMORY.clear()
    normalization._VERIFIED.clear()
    x, lam = sp.Symbol("x", positive=True), sp.Symbol("lam", positive=True)
    good = SymbolicFamily(sp.log(lam) - lam * x, [lam], x, (0, sp.oo))
    stages: list[str] = []
    fisher_information_result(good, progress=stages.append)
    assert not any("symbolic integral" in s for s in stages)
    assert normalization._VERIFIED[good.key()] == "numeric-only"
    assert normalization.check_normalization(good) == "symbolic"  # asked for: labelled
    bad = SymbolicFamily(-lam * x, [lam], x, (0, sp.oo))  # mass 1/λ
    for _ in range(2):
        with pytest.raises(ValueError, match="integrates to"):
            fisher_information_result(bad)


def test_weibull_shape_entry_by_mellin_first_agrees_with_scipy_quadrature() -> None:
    """The Weibull I_kk that the Mellin substitution now closes first (REFERENCE.md:
    ((1 − γ)² + π²/6)/k², scale 1), against an independent scipy quadrature."""
    x = sp.Symbol("x", positive=True)
    lam = sp.Symbol("lam", positive=True)
    logpdf = sp.log(k) - sp.log(lam) + (k - 1) * sp.log(x / lam) - (x / lam) ** k
    with cache.cache_disabled():
        result = fisher_information_result(SymbolicFamily(logpdf, [k, lam], x, (0, sp.oo)))
    assert result.strategy == "expectation"
    kv = 1.7
    entry = float(result.value[0, 0].subs(k, kv).subs(lam, 1))
    score = sp.lambdify(x, sp.diff(logpdf, k).subs({k: kv, lam: 1}))
    dens = sp.lambdify(x, sp.exp(logpdf).subs({k: kv, lam: 1}))
    numeric, _ = integrate.quad(lambda v: score(v) ** 2 * dens(v), 0, np.inf, epsabs=1e-12)
    assert entry == pytest.approx(numeric, rel=1e-8)
    assert entry == pytest.approx(((1 - np.euler_gamma) ** 2 + np.pi**2 / 6) / kv**2,
                                  rel=1e-12)
