"""scipy.stats counterparts of infogeo's numeric families, chart by chart.

Each entry maps a registry name to ``(oracle, charts)``: the scipy density in scipy's
parameters P and, for every chart the family offers, the map ``y -> P`` written from the
family's docstring (the parametrization infogeo *claims*). Hyper-parameters (trials,
degrees of freedom, design) are read from the instance. Only scipy/numpy are used.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from ._audit_numerics import Oracle

EULER_GAMMA = float(np.euler_gamma)


def _cols(P: np.ndarray) -> list[np.ndarray]:
    return [P[:, i] for i in range(P.shape[1])]


def scalar(dist, to_args, support, discrete=False) -> Oracle:
    """A univariate scipy family: ``to_args(P) -> (args, kwargs)`` (columns of P)."""
    def logpdf(x, P):
        args, kw = to_args(_cols(np.atleast_2d(P)))
        fn = dist.logpmf if discrete else dist.logpdf
        return fn(x[:, :1], *args, **kw)

    def frozen(P):
        args, kw = to_args([np.asarray(v) for v in np.asarray(P, float)])
        return dist(*args, **kw)

    return Oracle(logpdf, "discrete" if discrete else "continuous", frozen,
                  lambda P: support(P))


def _sym(tri: np.ndarray, d: int) -> np.ndarray:
    S = np.zeros((d, d))
    S[np.triu_indices(d)] = tri
    return S + np.triu(S, 1).T


def gaussian(d: int, fixed_mean: np.ndarray | None = None) -> Oracle:
    """N(μ, Σ), P = [μ, upper triangle of Σ row-major] (or the triangle only)."""
    def split(p):
        if fixed_mean is not None:
            return fixed_mean, _sym(p, d)
        return p[:d], _sym(p[d:], d)

    def logpdf(x, P):
        out = []
        for p in np.atleast_2d(P):
            mu, S = split(p)
            out.append(stats.multivariate_normal(mu, S).logpdf(x[:, 0]).reshape(-1))
        return np.stack(out, axis=-1)

    return Oracle(logpdf, "gaussian", moments=split)


def _unit_support(P):
    return 0.0, 1.0


def numeric_family_oracles(m) -> tuple[Oracle, dict]:
    """(oracle, {chart: y -> P}) for a registry instance ``m`` (by its class name)."""
    name = type(m).__name__
    pos = (0.0, np.inf)
    real = (-np.inf, np.inf)
    if name in ("Bernoulli", "Binomial"):
        n = m.n_trials
        orc = scalar(stats.binom, lambda c: ((n, c[0]), {}), lambda P: (0, n), True)
        return orc, {"p": lambda y: y, "logit": special.expit, "mean": lambda y: y / n,
                     "arc_length": lambda y: np.sin(y / (2 * np.sqrt(n))) ** 2}
    if name in ("Geometric", "NegativeBinomial"):
        r = getattr(m, "r", 1.0)
        if name == "Geometric":   # trials up to the first success, support {1, 2, ...}
            orc = scalar(stats.geom, lambda c: ((c[0],), {}), lambda P: (1, np.inf), True)
            mean = lambda y: 1.0 / y  # noqa: E731
        else:                     # failures before the r-th success
            orc = scalar(stats.nbinom, lambda c: ((r, c[0]), {}), lambda P: (0, np.inf), True)
            mean = lambda y: r / (y + r)  # noqa: E731
        return orc, {"p": lambda y: y, "natural": lambda y: -np.expm1(y), "mean": mean,
                     "arc_length": lambda y: 1.0 / np.cosh(y / (2 * np.sqrt(r))) ** 2}
    if name == "Poisson":
        orc = scalar(stats.poisson, lambda c: ((c[0],), {}), lambda P: (0, np.inf), True)
        return orc, {"rate": lambda y: y, "natural": np.exp, "sqrt": lambda y: y**2,
                     "arc_length": lambda y: (y / 2) ** 2}
    if name == "ExponentialFamily":   # the registry's Poisson: θ = log λ, η = λ
        orc = scalar(stats.poisson, lambda c: ((c[0],), {}), lambda P: (0, np.inf), True)
        return orc, {"natural": np.exp, "expectation": lambda y: y}
    if name == "Exponential":
        orc = scalar(stats.expon, lambda c: ((), {"scale": c[0]}), lambda P: pos)
        return orc, {"rate": lambda y: 1 / y, "scale": lambda y: y, "natural": lambda y: -1 / y,
                     "mean": lambda y: y, "arc_length": lambda y: np.exp(-y)}
    if name == "Gamma":
        orc = scalar(stats.gamma, lambda c: ((c[0],), {"scale": c[1]}), lambda P: pos)
        return orc, {"shape_rate": lambda y: np.array([y[0], 1 / y[1]]),
                     "shape_scale": lambda y: y,
                     "shape_mean": lambda y: np.array([y[0], y[1] / y[0]]),
                     "natural": lambda y: np.array([y[0] + 1, -1 / y[1]])}
    if name == "Beta":
        orc = scalar(stats.beta, lambda c: ((c[0], c[1]), {}), _unit_support)
        return orc, {"a_b": lambda y: y, "natural": lambda y: y + 1,
                     "mean_precision": lambda y: np.array([y[0] * y[1], (1 - y[0]) * y[1]])}
    if name == "Weibull":
        c_e = 1 - EULER_GAMMA
        orc = scalar(stats.weibull_min, lambda c: ((c[0],), {"scale": c[1]}), lambda P: pos)
        return orc, {"shape_scale": lambda y: y, "log_k_log_lambda": np.exp,
                     "halfplane": lambda y: np.array([1 / y[1], np.exp(y[0] - c_e * y[1])])}
    if name in ("Cauchy", "StudentT", "Normal"):
        if name == "Cauchy":
            orc = scalar(stats.cauchy, lambda c: ((), {"loc": c[0], "scale": c[1]}),
                         lambda P: real)
        elif name == "StudentT":
            nu = m.nu
            orc = scalar(stats.t, lambda c: ((nu,), {"loc": c[0], "scale": c[1]}),
                         lambda P: real)
        else:
            orc = scalar(stats.norm, lambda c: ((), {"loc": c[0], "scale": c[1]}),
                         lambda P: real)
        charts = {"mu_sigma": lambda y: y,
                  "mu_log_sigma": lambda y: np.array([y[0], np.exp(y[1])])}
        if name == "Normal":
            def natural(y):
                var = -1 / (2 * y[1])
                return np.array([y[0] * var, np.sqrt(var)])
            charts |= {"mu_var": lambda y: np.array([y[0], np.sqrt(y[1])]),
                       "natural": natural,
                       "expectation": lambda y: np.array([y[0], np.sqrt(y[1] - y[0] ** 2)])}
        return orc, charts
    if name == "VonMises":
        orc = scalar(stats.vonmises, lambda c: ((c[1],), {"loc": c[0]}),
                     lambda P: (P[0] - np.pi, P[0] + np.pi))
        return orc, {"mu_kappa": lambda y: y,
                     "mu_log_kappa": lambda y: np.array([y[0], np.exp(y[1])]),
                     "natural": lambda y: np.array([np.arctan2(y[1], y[0]), np.hypot(*y)])}
    if name == "NumericFamily":   # the registry's log-logistic (scale a, shape b) = fisk
        orc = scalar(stats.fisk, lambda c: ((c[1],), {"scale": c[0]}), lambda P: pos)
        return orc, {"base": lambda y: y}
    if name == "Categorical":
        k = m.n_categories

        def logpmf(x, P):
            P = np.atleast_2d(P)
            probs = np.concatenate([P, 1 - P.sum(axis=1, keepdims=True)], axis=1)
            onehot = np.eye(k)[np.asarray(x[:, 0], dtype=int).reshape(-1)]   # labels 0..k-1
            return np.stack([stats.multinomial(1, p).logpmf(onehot) for p in probs], -1)

        def natural(y):
            e = np.exp(y)
            return e / (1 + e.sum())

        orc = Oracle(logpmf, "finite", points=np.arange(k, dtype=float)[:, None])
        return orc, {"probs": lambda y: y, "natural": natural, "sphere": lambda y: y**2 / 4}
    if name == "MultivariateNormal":
        d = m.d

        def natural(y):
            # y holds the coefficients of x_i and of x_i x_j (i <= j) in the exponent:
            # θ₁·x + xᵀΘ₂x with Θ₂ = −Σ⁻¹/2, so off the diagonal y is 2 (Θ₂)_ij
            theta2 = _sym(y[d:], d)
            theta2 = (theta2 + np.diag(np.diag(theta2))) / 2
            S = np.linalg.inv(-2 * theta2)
            return np.concatenate([S @ y[:d], S[np.triu_indices(d)]])

        def expectation(y):
            mu = y[:d]
            return np.concatenate([mu, (_sym(y[d:], d) - np.outer(mu, mu))[np.triu_indices(d)]])

        return gaussian(d), {"mean_cov": lambda y: y, "natural": natural,
                             "expectation": expectation}
    if name == "FixedMeanNormal":
        return gaussian(m.d, np.asarray(m.mean, float)), {"cov": lambda y: y}
    raise KeyError(name)
