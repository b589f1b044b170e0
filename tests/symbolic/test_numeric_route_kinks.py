"""The numeric route at kinks (quadrature split at break points found symbolically as
functions of θ) and the curvature of its α-connections.

References are independent of the code under test: hand-written scores integrated by
``scipy.integrate.quad`` with explicit ``points=``, the symbolic ``alpha_scalar_curvature``
of catalogue families, and fourth-order finite differences of the numeric Christoffel
symbols.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si
import sympy as sp

from infogeo._quadrature import expectation
from infogeo.manifolds import NumericFamily
from infogeo.symbolic import (
    alpha_scalar_curvature,
    amari_chentsov_tensor,
    catalogue,
    fisher_information,
    parse_family,
)
from infogeo.symbolic.kinks import kink_points, numeric_kinks
from infogeo.symbolic.numeric_route import kink_function, numeric_manifold

# ---------------------------------------------------------------- kink finder

def test_kink_points_of_every_non_smooth_function() -> None:
    x = sp.Symbol("x", positive=True)  # a positive x must not hide a root
    m, c = sp.symbols("m c", real=True)
    exprs = [sp.Abs(x - m), sp.sign(x - 2 * m), sp.Heaviside(x + m), sp.Max(x, 3 * m),
             sp.Min(x, m + 4), sp.Piecewise((x, x < m - 5), (0, True)),
             sp.Abs(sp.log(x) - c), sp.exp(x) * m]  # the last one is smooth
    roots = kink_points(exprs, x)
    expected = [m, 2 * m, -m, 3 * m, m + 4, m - 5, sp.exp(c)]
    assert len(roots) == len(expected)
    assert all(any(sp.simplify(r - e) == 0 for r in roots) for e in expected)
    fn = kink_function(exprs, x, (m, c))
    assert fn is not None
    # m = 1, c = 0: e^c = 1 coincides with m, and counts once
    np.testing.assert_allclose(fn(np.array([1.0, 0.0])), [-4, -1, 1, 2, 3, 5])
    assert kink_function([sp.exp(-x * m)], x, (m,)) is None
    assert numeric_kinks([sp.Abs(x - 2), sp.Abs(x**2 + 1)], x) == [2.0]


# ---------------------------------------------------------------- quadrature split

@pytest.mark.parametrize("theta", [(0.3, 1.5), (-2.0, 0.2), (5.0, 7.0)])
def test_laplace_metric_exact_with_no_tolerance_warning(theta) -> None:
    """I = diag(1/b², 1/b²) (REFERENCE: Laplace); before the split ~1e-4 and "tolerance
    NOT reached"."""
    fam = parse_family("-abs(x-mu)/b - log(2*b)", "mu b>0")
    manifold = numeric_manifold(fam, {})
    metric = manifold.metric_matrix(np.array(theta))
    np.testing.assert_allclose(metric, np.eye(2) / theta[1] ** 2, rtol=1e-10, atol=1e-12)
    how = manifold.method_of("metric")
    assert "NOT reached" not in how.detail and "pieces" in how.detail
    assert how.error < 1e-10 / theta[1] ** 2


def _asymmetric_laplace_reference(m: float, l: float, r: float) -> np.ndarray:
    """E[s sᵀ] of p = e^{(x−m)/l}/(l+r) (x < m), e^{−(x−m)/r}/(l+r) (x ≥ m), with the
    score differentiated by hand, by ``quad`` split at the kink x = m."""
    def parts(x: float) -> tuple[float, np.ndarray]:
        if x < m:
            logp = (x - m) / l - np.log(l + r)
            s = [-1 / l, -(x - m) / l**2 - 1 / (l + r), -1 / (l + r)]
        else:
            logp = -(x - m) / r - np.log(l + r)
            s = [1 / r, -1 / (l + r), (x - m) / r**2 - 1 / (l + r)]
        return np.exp(logp), np.asarray(s)

    out = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            def f(x: float, i: int = i, j: int = j) -> float:
                p, s = parts(x)
                return p * s[i] * s[j]
            out[i, j] = si.quad(f, m - 80 * l, m + 80 * r, points=[m], epsabs=1e-14,
                                epsrel=1e-13, limit=200)[0]
    return out


@pytest.mark.parametrize("text", [
    "Piecewise(((x-m)/l, x < m), (-(x-m)/r, True)) - log(l+r)",
    # the same density through Abs: the kink is found in either spelling
    "-log(l+r) + (x-m)*(1/l - 1/r)/2 - abs(x-m)*(1/l + 1/r)/2"])
def test_asymmetric_laplace_against_split_scipy_quad(text: str) -> None:
    fam = parse_family(text, "m l>0 r>0")
    manifold = numeric_manifold(fam, {})
    theta = np.array([0.4, 0.7, 2.3])
    reference = _asymmetric_laplace_reference(*theta)
    np.testing.assert_allclose(manifold.metric_matrix(theta), reference, rtol=1e-10,
                               atol=1e-12)
    assert "NOT reached" not in manifold.method_of("metric").detail


def test_kink_at_a_nonlinear_function_of_theta() -> None:
    """Log-Laplace on (0, ∞): ℓ = −|log x − m|/b − log(2b) − log x, kink at x = e^m; the
    metric is the Laplace one, diag(1/b², 1/b²) (log x is Laplace(m, b))."""
    fam = parse_family("-abs(log(x)-m)/b - log(2*b) - log(x)", "m b>0", support="0,oo")
    manifold = numeric_manifold(fam, {})
    np.testing.assert_allclose(manifold.metric_matrix(np.array([0.8, 0.6])),
                               np.eye(2) / 0.36, rtol=1e-10, atol=1e-14)


def test_density_without_kinks_is_unchanged() -> None:
    """No break points: the same single rule, node for node, as before the split."""
    fam = parse_family("log(b/a) + (b-1)*log(x/a) - 2*log(1 + (x/a)**b)", "a>0 b>0")
    manifold = numeric_manifold(fam, {})
    assert manifold._break_points is None
    metric = manifold.metric_matrix(np.array([1.0, 2.0]))
    np.testing.assert_allclose(metric, np.diag([4 / 3, (3 + np.pi**2) / 36]), rtol=1e-11,
                               atol=1e-14)
    assert "pieces" not in manifold.method_of("metric").detail


def test_numeric_family_break_points_from_numpy() -> None:
    """A numpy callable with its kink declared. The θ-derivatives are central differences
    here (|x| takes no complex step), wrong within a step of the kink: the error left is
    that window's, O(step), no longer the quadrature's."""
    def logpdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return -np.abs(x - t[0]) / t[1] - np.log(2 * t[1])

    manifold = NumericFamily(logpdf, 2, support=(-np.inf, np.inf), params=["mu", "b"],
                             domain=[(-np.inf, np.inf), (0, np.inf)],
                             break_points=lambda t: [t[0]])
    np.testing.assert_allclose(manifold.metric_matrix(np.array([0.5, 2.0])),
                               np.eye(2) / 4, rtol=2e-5, atol=1e-12)
    with pytest.raises(TypeError, match="break_points"):
        NumericFamily(logpdf, 2, support=(-np.inf, np.inf), break_points=[0.0])  # type: ignore[arg-type]


def test_split_error_is_relative_to_the_whole() -> None:
    """A break point far in a tail (a piece with next to no mass) and one a hair from the
    bulk's centre both converge, to the exact moments of a standard normal."""
    def fn(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return -x**2 / 2 - 0.5 * np.log(2 * np.pi), np.stack([np.ones_like(x), x**2], -1)

    for points in ([40.0], [1e-9], [-3.0, 1e-9, 2.0]):
        res = expectation(fn, -np.inf, np.inf, centre=0.0, scale=1.35, points=points)
        assert res.converged, points
        np.testing.assert_allclose(res.value, [1.0, 1.0], rtol=1e-12)


# ---------------------------------------------------------------- α-curvature

def _symbolic_alpha_curvature(name: str) -> tuple[list[sp.Symbol], sp.Expr, sp.Symbol]:
    fam = catalogue.get(name)
    a = sp.Symbol("a", real=True)
    g, t = fisher_information(fam), amari_chentsov_tensor(fam)
    return list(fam.params), alpha_scalar_curvature(g, t, fam.params, a), a


@pytest.mark.parametrize("name, text, params, theta", [
    ("normal", "-(x-mu)**2/(2*s**2) - log(s) - log(2*pi)/2", "mu s>0", [0.3, 1.7]),
    ("gamma", "k*log(r) - r*x + (k-1)*log(x) - loggamma(k)", "k>0 r>0", [2.5, 0.8])])
def test_alpha_curvature_matches_symbolic_closed_form(name, text, params, theta) -> None:
    """Normal: R^(α) = −(1 − α²); gamma: a polygamma expression; both by the symbolic
    derivation on the catalogue family, against the numeric route on the user string."""
    syms, closed, a = _symbolic_alpha_curvature(name)
    manifold = numeric_manifold(parse_family(text, params), {})
    for alpha in (0.0, 0.5, 1.0, -0.7, 2.0):
        expected = float(closed.subs({a: alpha, **dict(zip(syms, theta, strict=True))}))
        value = float(manifold.alpha_scalar_curvature(np.array(theta), alpha))
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-11), alpha
    if name == "normal":
        assert float(closed.subs({a: 0.5})) == pytest.approx(-0.75)


def _fd_alpha_curvature(manifold: NumericFamily, theta: np.ndarray, alpha: float,
                        h: float = 2e-3) -> float:
    """g^{ik} R^j_ijk with ∂Γ by fourth-order central differences of the numeric α
    Christoffel symbols (an independent path: no derivative under the integral)."""
    n = theta.size
    gamma = manifold.alpha_christoffels(theta, alpha)  # [l, k, i] = Γ^l_ki
    d = np.empty((n,) + gamma.shape)  # d[m, l, k, i] = ∂_m Γ^l_ki
    for m in range(n):
        e = np.zeros(n)
        e[m] = h
        f = [manifold.alpha_christoffels(theta + s * e, alpha) for s in (2, 1, -1, -2)]
        d[m] = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h)
    riemann = np.zeros((n,) * 4)  # R^l_ijk
    for l_, i, j, k in np.ndindex(*(n,) * 4):
        riemann[l_, i, j, k] = (d[j, l_, k, i] - d[k, l_, j, i]
                                + gamma[l_, j] @ gamma[:, k, i] - gamma[l_, k] @ gamma[:, j, i])
    inv = np.linalg.inv(manifold.metric_matrix(theta))
    return float(sum(inv[i, k] * riemann[j, i, j, k] for i, j, k in np.ndindex(n, n, n)))


def test_alpha_curvature_of_log_logistic_against_finite_differences() -> None:
    fam = parse_family("log(b/a) + (b-1)*log(x/a) - 2*log(1 + (x/a)**b)", "a>0 b>0")
    manifold = numeric_manifold(fam, {})
    theta = np.array([1.3, 2.2])
    for alpha in (0.5, 1.0, -1.0):
        value = float(manifold.alpha_scalar_curvature(theta, alpha))
        assert value == pytest.approx(_fd_alpha_curvature(manifold, theta, alpha),
                                      rel=1e-7), alpha
        assert manifold.method_of("curvature").error < 1e-9
    # α = 0 is the Levi-Civita curvature, −18/(3 + π²) (logistic in log x)
    assert float(manifold.alpha_scalar_curvature(theta, 0.0)) == pytest.approx(
        -18 / (3 + np.pi**2), rel=1e-10)
    with pytest.raises(TypeError, match="alpha"):
        manifold.alpha_scalar_curvature(theta, "half")  # type: ignore[arg-type]


@pytest.mark.slow
def test_alpha_curvature_of_weibull_matches_symbolic_closed_form() -> None:
    """Weibull is not an exponential family: R^(α) is not (1 − α²) R^(0); the symbolic
    closed form (ζ(3), π) against the numeric route on the user string."""
    syms, closed, a = _symbolic_alpha_curvature("weibull")
    manifold = numeric_manifold(parse_family(
        "log(k) - log(lam) + (k-1)*log(x/lam) - (x/lam)**k", "k>0 lam>0"), {})
    for alpha in (0.0, 0.5, 1.0, -1.0):
        expected = float(closed.subs({a: alpha, syms[0]: 1.7, syms[1]: 0.9}))
        value = float(manifold.alpha_scalar_curvature(np.array([1.7, 0.9]), alpha))
        assert value == pytest.approx(expected, rel=1e-9), alpha


# ---------------------------------------------------------------- CLI

def test_cli_alpha_curvature_at_a_point(capsys) -> None:
    from infogeo.cli import main

    code = main(["curvature", "--logpdf", "-(x-mu)**2/(2*s**2) - log(s) - log(2*pi)/2",
                 "--params", "mu s>0", "--alpha", "0.5", "--at", "mu=0.3 s=1.7",
                 "--no-cache", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "R = -0.75" in out and "alpha = 0.5" in out
    assert "scalar curvature R = -3/4" in out  # the closed form follows


def test_cli_at_names_missing_hyperparameters(capsys) -> None:
    from infogeo.cli import main

    code = main(["fisher", "--logpdf", "-(x-mu)**2/(2*s**2) - log(s) - c", "--params",
                 "mu s>0", "--hyperparams", "c", "--at", "mu=0.3 s=1.7", "--no-cache",
                 "--quiet"])
    err = capsys.readouterr().err
    assert code != 0
    assert "every hyperparameter; missing c" in err
