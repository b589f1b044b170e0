"""Named symbolic families: each is its parameters, their domains and its log-density.

Every function returns a fresh :class:`~infogeo.symbolic.family.SymbolicFamily`; the
coordinates are ``family.params``. ``FAMILIES`` maps names to these functions (the CLI
lists them). Closed-form Fisher matrices (for tests) are in REFERENCE.md; sources:
Amari & Nagaoka (2000); Miyamoto et al. arXiv:2304.14885; Costa et al. arXiv:1210.2354;
Lambert (1992), Technometrics 34(1) 1–14 (zero-inflated Poisson); Mullahy (1986),
J. Econometrics 33(3) 341–365 (hurdle models); Cohen (1950), Ann. Math. Statist. 21(4)
557–569 (truncated normal).

Adding a family is a few declarations::

    def rayleigh():
        sigma = _pos("sigma")
        return _fam("rayleigh", log(x) - 2 * log(sigma) - x**2 / (2 * sigma**2),
                    [sigma], x, (0, oo))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy import Eq, Piecewise, Range, log, loggamma, oo, pi

from ._grammar import shown
from .family import SymbolicFamily
from .inputs import as_expr

__all__ = ["FAMILIES", "names", "get"]


def _pos(name: str) -> sp.Symbol:
    return sp.Symbol(name, positive=True)


def _real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def _fam(name: str, logpdf: sp.Expr, params: list, variable: Any, support: Any,
         **kwargs: Any) -> SymbolicFamily:
    return SymbolicFamily(logpdf, params, variable, support, name=name, **kwargs)


_X = _real("x")
_XP = _pos("x")
_K = sp.Symbol("k", integer=True, nonnegative=True)
_LOG2PI = log(2 * pi)


# ---------------------------------------------------------------------- Gaussian
def normal() -> SymbolicFamily:
    """N(μ, σ²) in (μ, σ): I = diag(1/σ², 2/σ²)."""
    mu, sigma = _real("mu"), _pos("sigma")
    return _fam("normal", -(_X - mu) ** 2 / (2 * sigma**2) - log(sigma) - _LOG2PI / 2,
                [mu, sigma], _X, (-oo, oo))


def normal_mean_variance() -> SymbolicFamily:
    """N(μ, v) in (μ, v = σ²): I = diag(1/v, 1/(2v²))."""
    mu, v = _real("mu"), _pos("v")
    return _fam("normal_mean_variance", -(_X - mu) ** 2 / (2 * v) - log(v) / 2 - _LOG2PI / 2,
                [mu, v], _X, (-oo, oo))


def normal_natural() -> SymbolicFamily:
    """Natural parameters θ₁ = μ/σ², θ₂ = −1/(2σ²): ψ(θ) = −θ₁²/(4θ₂) − ½ log(−2θ₂)."""
    t1, t2 = _real("theta1"), sp.Symbol("theta2", negative=True)
    psi = -t1**2 / (4 * t2) - log(-2 * t2) / 2 + _LOG2PI / 2
    return _fam("normal_natural", t1 * _X + t2 * _X**2 - psi, [t1, t2], _X, (-oo, oo))


def bivariate_normal() -> SymbolicFamily:
    """Bivariate normal (μ₁, μ₂, σ₁, σ₂, ρ), ρ ∈ (−1, 1)."""
    m1, m2, s1, s2 = _real("mu1"), _real("mu2"), _pos("sigma1"), _pos("sigma2")
    rho = _real("rho")
    x, y = _real("x"), _real("y")
    u, v = (x - m1) / s1, (y - m2) / s2
    logpdf = (-(u**2 - 2 * rho * u * v + v**2) / (2 * (1 - rho**2)) - _LOG2PI
              - log(s1) - log(s2) - log(1 - rho**2) / 2)
    return _fam("bivariate_normal", logpdf, [m1, m2, s1, s2, rho], (x, y),
                ((-oo, oo), (-oo, oo)), constraints={rho: (-1, 1)})


def lognormal() -> SymbolicFamily:
    """Log-normal (μ, σ): I = diag(1/σ², 2/σ²)."""
    mu, sigma = _real("mu"), _pos("sigma")
    return _fam("lognormal", -(log(_XP) - mu) ** 2 / (2 * sigma**2) - log(sigma)
                - log(_XP) - _LOG2PI / 2, [mu, sigma], _XP, (0, oo))


def half_normal() -> SymbolicFamily:
    """Half-normal with scale σ: I = 2/σ²."""
    sigma = _pos("sigma")
    return _fam("half_normal", log(2) - _LOG2PI / 2 - log(sigma) - _XP**2 / (2 * sigma**2),
                [sigma], _XP, (0, oo))


def truncated_normal(a: Any = 0, b: Any = oo) -> SymbolicFamily:
    r"""Normal (μ, σ) truncated to (a, b), a = 0 and b = ∞ by default (the positive normal).

    With α = (a − μ)/σ, β = (b − μ)/σ, Z = Φ(β) − Φ(α) and z = (x − μ)/σ, the score is
    linear in (z, z²), so I is the covariance of (z, z²)/σ under the truncated law
    (Cohen 1950, Ann. Math. Statist. 21(4) 557–569; Cohen 1991, *Truncated and Censored
    Samples*, ch. 2; del Castillo 1994, Ann. Inst. Statist. Math. 46, the one-sided case):

    .. math::

        I(\mu, \sigma) = \frac{1}{\sigma^2}\begin{pmatrix}
            m_2 - m_1^2 & m_3 - m_1 m_2 \\ m_3 - m_1 m_2 & m_4 - m_2^2 \end{pmatrix},
        \qquad m_k = (k - 1)\,m_{k-2}
            + \frac{\alpha^{k-1}\varphi(\alpha) - \beta^{k-1}\varphi(\beta)}{Z},

    m₀ = 1, m₋₁ = 0, the moments of z; e.g. I_μμ = σ⁻²[1 − (βφ(β) − αφ(α))/Z −
    ((φ(α) − φ(β))/Z)²]. The bounds are numbers or symbols (hyperparameters). One-sided
    truncation derives in about a second; two-sided in about 8 s (the catalogue's default
    is one-sided for that reason).
    """
    mu, sigma = _real("mu"), _pos("sigma")
    a, b = as_expr(a, "a"), as_expr(b, "b")
    if (a - b).is_nonnegative:
        raise ValueError(f"a must be below b, got a={a}, b={b}")
    if a == -oo and b == oo:
        raise ValueError("a or b must be finite (without bounds this is normal())")

    def cdf(t: sp.Expr) -> sp.Expr:  # Φ((t − μ)/σ); erf(±∞) = ±1 closes the infinite end
        return (1 + sp.erf((t - mu) / (sigma * sp.sqrt(2)))) / 2

    hyper = [s for s in (a, b) if isinstance(s, sp.Symbol)]
    return _fam("truncated_normal", -(_X - mu) ** 2 / (2 * sigma**2) - log(sigma)
                - _LOG2PI / 2 - log(cdf(b) - cdf(a)), [mu, sigma], _X, (a, b),
                hyperparams=hyper)


def inverse_gaussian() -> SymbolicFamily:
    """Inverse Gaussian (mean m, shape λ): I = diag(λ/m³, 1/(2λ²))."""
    m, lam = _pos("m"), _pos("lam")
    return _fam("inverse_gaussian", log(lam) / 2 - _LOG2PI / 2 - 3 * log(_XP) / 2
                - lam * (_XP - m) ** 2 / (2 * m**2 * _XP), [m, lam], _XP, (0, oo))


# ---------------------------------------------------------------------- positive continuous
def exponential() -> SymbolicFamily:
    """Exponential with rate λ: I = 1/λ²."""
    lam = _pos("lam")
    return _fam("exponential", log(lam) - lam * _XP, [lam], _XP, (0, oo))


def gamma() -> SymbolicFamily:
    """Gamma (shape α, rate β): I = [[ψ′(α), −1/β], [−1/β, α/β²]]."""
    a, b = _pos("alpha"), _pos("beta")
    return _fam("gamma", a * log(b) - loggamma(a) + (a - 1) * log(_XP) - b * _XP,
                [a, b], _XP, (0, oo))


def gamma_shape_scale() -> SymbolicFamily:
    """Gamma (shape k, scale θ): I = [[ψ′(k), 1/θ], [1/θ, k/θ²]]."""
    k, theta = _pos("k"), _pos("theta")
    return _fam("gamma_shape_scale", -k * log(theta) - loggamma(k) + (k - 1) * log(_XP)
                - _XP / theta, [k, theta], _XP, (0, oo))


def weibull() -> SymbolicFamily:
    """Weibull (shape k, scale λ); I has ((1−γ)² + π²/6)/k² in the k-k entry."""
    k, lam = _pos("k"), _pos("lam")
    return _fam("weibull", log(k) - log(lam) + (k - 1) * log(_XP / lam) - (_XP / lam) ** k,
                [k, lam], _XP, (0, oo))


def rayleigh() -> SymbolicFamily:
    """Rayleigh with scale σ: I = 4/σ²."""
    sigma = _pos("sigma")
    return _fam("rayleigh", log(_XP) - 2 * log(sigma) - _XP**2 / (2 * sigma**2), [sigma],
                _XP, (0, oo))


def maxwell() -> SymbolicFamily:
    """Maxwell–Boltzmann with scale a: I = 6/a²."""
    a = _pos("a")
    return _fam("maxwell", log(2) / 2 - log(pi) / 2 + 2 * log(_XP) - 3 * log(a)
                - _XP**2 / (2 * a**2), [a], _XP, (0, oo))


def pareto() -> SymbolicFamily:
    """Pareto with shape α and scale x_m = 1 (support x > 1): I = 1/α²."""
    a = _pos("alpha")
    x = _pos("x")
    return _fam("pareto", log(a) - (a + 1) * log(x), [a], x, (1, oo))


def beta() -> SymbolicFamily:
    """Beta(a, b): I = [[ψ′(a) − ψ′(a+b), −ψ′(a+b)], [−ψ′(a+b), ψ′(b) − ψ′(a+b)]]."""
    a, b = _pos("a"), _pos("b")
    return _fam("beta", (a - 1) * log(_XP) + (b - 1) * log(1 - _XP) + loggamma(a + b)
                - loggamma(a) - loggamma(b), [a, b], _XP, (0, 1))


def dirichlet() -> SymbolicFamily:
    """Dirichlet(α₁, α₂, α₃) on the simplex: I = diag(ψ′(α_i)) − ψ′(Σα)·11ᵀ."""
    alphas = [_pos(f"alpha{i}") for i in (1, 2, 3)]
    x1, x2 = _pos("x1"), _pos("x2")
    parts = [x1, x2, 1 - x1 - x2]
    logpdf = loggamma(sum(alphas)) + sum((a - 1) * log(p) - loggamma(a)
                                         for a, p in zip(alphas, parts, strict=True))
    return _fam("dirichlet", logpdf, alphas, (x1, x2), ((0, 1), (0, 1 - x1)))


# ---------------------------------------------------------------------- real line, heavy
def cauchy() -> SymbolicFamily:
    """Cauchy (location x₀, scale γ): I = diag(1, 1)/(2γ²), scalar curvature −4."""
    x0, g = _real("x0"), _pos("gamma")
    return _fam("cauchy", -log(pi) - log(g) - log(1 + ((_X - x0) / g) ** 2), [x0, g], _X,
                (-oo, oo))


def student_t(nu: Any = None) -> SymbolicFamily:
    """Student-t (μ, σ) with ν fixed (a positive symbol ν by default):
    I = diag((ν+1)/(ν+3), 2ν/(ν+3))/σ², scalar curvature −(ν+3)/ν."""
    mu, sigma = _real("mu"), _pos("sigma")
    hyper = []
    if nu is None:
        nu = _pos("nu")
        hyper = [nu]
    nu = as_expr(nu, "nu")
    logpdf = (loggamma((nu + 1) / 2) - loggamma(nu / 2) - log(nu * pi) / 2 - log(sigma)
              - (nu + 1) / 2 * log(1 + ((_X - mu) / sigma) ** 2 / nu))
    return _fam("student_t", logpdf, [mu, sigma], _X, (-oo, oo), hyperparams=hyper)


def laplace() -> SymbolicFamily:
    """Laplace (μ, b): I = diag(1/b², 1/b²) — needs the score form (kink at μ)."""
    mu, b = _real("mu"), _pos("b")
    return _fam("laplace", -log(2 * b) - sp.Abs(_X - mu) / b, [mu, b], _X, (-oo, oo))


def gumbel() -> SymbolicFamily:
    """Gumbel (location μ, scale β): I = [[1, γ−1], [γ−1, (π²/6 + (1−γ)²)]]/β²."""
    mu, b = _real("mu"), _pos("beta")
    z = (_X - mu) / b
    return _fam("gumbel", -log(b) - z - sp.exp(-z), [mu, b], _X, (-oo, oo))


def logistic() -> SymbolicFamily:
    """Logistic (μ, s): I = diag(1/3, (π² + 3)/9)/s²."""
    mu, s = _real("mu"), _pos("s")
    z = (_X - mu) / s
    return _fam("logistic", -z - log(s) - 2 * log(1 + sp.exp(-z)), [mu, s], _X, (-oo, oo))


def von_mises() -> SymbolicFamily:
    """von Mises (μ, κ) on (−π, π): I = diag(κA, 1 − A/κ − A²), A = I₁(κ)/I₀(κ)."""
    mu, kappa = _real("mu"), _pos("kappa")
    # μ is an angle: any real value is valid (the density is 2π-periodic in μ)
    return _fam("von_mises", kappa * sp.cos(_X - mu) - log(2 * pi * sp.besseli(0, kappa)),
                [mu, kappa], _X, (-pi, pi))


# ---------------------------------------------------------------------- discrete
def poisson() -> SymbolicFamily:
    """Poisson(λ): I = 1/λ."""
    lam = _pos("lam")
    return _fam("poisson", _K * log(lam) - lam - loggamma(_K + 1), [lam], _K, Range(0, oo))


def _unit(name: str) -> sp.Symbol:
    return _pos(name)


def bernoulli() -> SymbolicFamily:
    """Bernoulli(p): I = 1/(p(1−p))."""
    p = _unit("p")
    return _fam("bernoulli", _K * log(p) + (1 - _K) * log(1 - p), [p], _K, Range(0, 2),
                constraints={p: (0, 1)})


def binomial(n: Any = 10) -> SymbolicFamily:
    """Binomial(n, p) with n fixed (an integer, or a symbol for general n): I = n/(p(1−p))."""
    p = _unit("p")
    hyper = []
    if isinstance(n, sp.Symbol):
        hyper = [n]
    n = as_expr(n, "n")
    logpdf = (loggamma(n + 1) - loggamma(_K + 1) - loggamma(n - _K + 1) + _K * log(p)
              + (n - _K) * log(1 - p))
    return _fam("binomial", logpdf, [p], _K, Range(0, n + 1), constraints={p: (0, 1)},
                hyperparams=hyper)


def geometric() -> SymbolicFamily:
    """Geometric (number of trials k ≥ 1, success p): I = 1/(p²(1−p))."""
    p = _unit("p")
    k = sp.Symbol("k", integer=True, positive=True)
    return _fam("geometric", (k - 1) * log(1 - p) + log(p), [p], k, Range(1, oo),
                constraints={p: (0, 1)})


def negative_binomial(r: Any = None) -> SymbolicFamily:
    """Negative binomial (failures k before the r-th success, r fixed): I = r/(p²(1−p))."""
    p = _unit("p")
    hyper = []
    if r is None:
        r = _pos("r")
        hyper = [r]
    r = as_expr(r, "r")
    logpdf = (loggamma(_K + r) - loggamma(_K + 1) - loggamma(r) + r * log(p)
              + _K * log(1 - p))
    return _fam("negative_binomial", logpdf, [p], _K, Range(0, oo), constraints={p: (0, 1)},
                hyperparams=hyper)


def categorical() -> SymbolicFamily:
    """Categorical with 3 categories, coordinates (p₁, p₂), p₃ = 1 − p₁ − p₂:
    I = diag(1/p₁, 1/p₂) + 1/p₃ (scalar curvature 1/2)."""
    p1, p2 = _unit("p1"), _unit("p2")
    logpdf = Piecewise((log(p1), Eq(_K, 0)), (log(p2), Eq(_K, 1)), (log(1 - p1 - p2), True))
    return _fam("categorical", logpdf, [p1, p2], _K, Range(0, 3),
                constraints={p1: (0, 1), p2: (0, 1)}, conditions=[p1 + p2 < 1])


# ---------------------------------------------------------------------- piecewise in x
def _zero_inflated(name: str, w: sp.Symbol, base: sp.Expr, params: list, support: Any,
                   **kwargs: Any) -> SymbolicFamily:
    """p(0) = w + (1 − w)f(0), p(k) = (1 − w)f(k) for k ≥ 1, for a base log-pmf ``base``."""
    f0 = sp.exp(base.xreplace({_K: 0}))
    logpdf = Piecewise((log(w + (1 - w) * f0), Eq(_K, 0)), (log(1 - w) + base, True))
    constraints = {w: (0, 1), **kwargs.pop("constraints", {})}
    return _fam(name, logpdf, [w, *params], _K, support, constraints=constraints, **kwargs)


def zero_inflated_poisson() -> SymbolicFamily:
    """Zero-inflated Poisson (Lambert 1992) in (w, λ), π₀ = w + (1 − w)e^{−λ}:
    I = [[(1 − e^{−λ})/((1 − w)π₀), −e^{−λ}/π₀], [·, (1 − w)/λ − w(1 − w)e^{−λ}/π₀]]."""
    w, lam = _unit("w"), _pos("lam")
    return _zero_inflated("zero_inflated_poisson", w,
                          _K * log(lam) - lam - loggamma(_K + 1), [lam], Range(0, oo))


def zero_inflated_negative_binomial(r: Any = None) -> SymbolicFamily:
    """Zero-inflated negative binomial (r fixed, a positive symbol r by default) in (w, p),
    f₀ = pʳ, π₀ = w + (1 − w)f₀:
    I_ww = (1 − f₀)/((1 − w)π₀), I_wp = ∂_p f₀/π₀,
    I_pp = (1 − w) r/(p²(1 − p)) − w(1 − w)(∂_p f₀)²/(f₀π₀)."""
    w, p = _unit("w"), _unit("p")
    hyper = []
    if r is None:
        r = _pos("r")
        hyper = [r]
    r = as_expr(r, "r")
    base = (loggamma(_K + r) - loggamma(_K + 1) - loggamma(r) + r * log(p)
            + _K * log(1 - p))
    return _zero_inflated("zero_inflated_negative_binomial", w, base, [p], Range(0, oo),
                          constraints={p: (0, 1)}, hyperparams=hyper)


def hurdle_poisson() -> SymbolicFamily:
    """Hurdle Poisson (Mullahy 1986) in (π, λ), π = P(k = 0), zero-truncated Poisson above:
    I = diag(1/(π(1 − π)), (1 − π)(1/(λ(1 − e^{−λ})) − e^{λ}/(e^{λ} − 1)²))."""
    pi0, lam = _unit("pi0"), _pos("lam")
    logpdf = Piecewise((log(pi0), Eq(_K, 0)),
                       (log(1 - pi0) + _K * log(lam) - lam - loggamma(_K + 1)
                        - log(1 - sp.exp(-lam)), True))
    return _fam("hurdle_poisson", logpdf, [pi0, lam], _K, Range(0, oo),
                constraints={pi0: (0, 1)})


def truncated_exponential(c: Any = 1) -> SymbolicFamily:
    """Exponential with rate λ truncated to (0, c), c known:
    I = 1/λ² − c² e^{λc}/(e^{λc} − 1)² (the variance of x)."""
    lam = _pos("lam")
    c = as_expr(c, "c")
    return _fam("truncated_exponential", log(lam) - lam * _XP - log(1 - sp.exp(-lam * c)),
                [lam], _XP, (0, c))


#: every public function of this module that returns a SymbolicFamily, in the order of
#: definition: adding a family is defining its function (numeric families name theirs in
#: their ``symbolic_counterpart`` declaration)
FAMILIES: dict[str, Callable[[], SymbolicFamily]] = {
    name: f for name, f in list(globals().items())
    if callable(f) and getattr(f, "__module__", None) == __name__ and not name.startswith("_")
    and getattr(f, "__annotations__", {}).get("return") in ("SymbolicFamily", SymbolicFamily)
}


def names() -> list[str]:
    """Names of the catalogue families."""
    return list(FAMILIES)


def get(name: str, **kwargs: Any) -> SymbolicFamily:
    """The catalogue family ``name`` (keyword arguments go to its function)."""
    if name not in FAMILIES:
        raise ValueError(f"name must be one of {names()}, got {shown(name)}")
    return FAMILIES[name](**kwargs)
