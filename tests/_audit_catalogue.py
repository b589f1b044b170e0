"""Independent counterparts of the symbolic catalogue and the literature's closed forms.

``CATALOGUE[name] = (kwargs, oracle, to_P, closed_form, source)``: the catalogue call's
keyword arguments (fixed hyper-parameters), the scipy density (or one written from the
cited source where scipy has none), the map from the catalogue's parameters (in
``family.params`` order) to scipy's, and the closed form quoted in REFERENCE.md or the
docstring (None where none is quoted). Only scipy/numpy are used.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from ._audit_numerics import Oracle
from ._audit_oracles import gaussian, scalar

G = float(np.euler_gamma)
REAL, POS = (lambda P: (-np.inf, np.inf)), (lambda P: (0.0, np.inf))
trigamma = lambda a: special.polygamma(1, a)  # noqa: E731


def _loc_scale(dist, *shape):
    return scalar(dist, lambda c: (shape, {"loc": c[0], "scale": c[1]}), REAL)


def _mixture_at_zero(zero_prob, positive_logpmf, base) -> Oracle:
    """p(0) = zero_prob(P), p(k) = exp(positive_logpmf(k, P)) for k ≥ 1."""
    def logpmf(x, P):
        P = np.atleast_2d(P)
        k = x[:, :1]
        with np.errstate(divide="ignore"):
            return np.where(k == 0, np.log(zero_prob(P)), positive_logpmf(k, P))
    return Oracle(logpmf, "discrete", lambda P: base(P), lambda P: (0, np.inf))


def _zip() -> Oracle:   # Lambert (1992): w + (1 − w)e^{−λ} at 0, (1 − w)Poisson(λ) above
    return _mixture_at_zero(lambda P: P[:, 0] + (1 - P[:, 0]) * np.exp(-P[:, 1]),
                            lambda k, P: np.log1p(-P[:, 0]) + stats.poisson.logpmf(k, P[:, 1]),
                            lambda P: stats.poisson(P[1]))


def _zinb(r: float) -> Oracle:
    return _mixture_at_zero(lambda P: P[:, 0] + (1 - P[:, 0]) * P[:, 1] ** r,
                            lambda k, P: np.log1p(-P[:, 0]) + stats.nbinom.logpmf(k, r, P[:, 1]),
                            lambda P: stats.nbinom(r, P[1]))


def _hurdle() -> Oracle:  # Mullahy (1986): π at 0, (1 − π) × zero-truncated Poisson above
    return _mixture_at_zero(lambda P: P[:, 0],
                            lambda k, P: (np.log1p(-P[:, 0]) + stats.poisson.logpmf(k, P[:, 1])
                                          - np.log(-np.expm1(-P[:, 1]))),
                            lambda P: stats.poisson(P[1]))


def _categorical3() -> Oracle:
    def logpmf(x, P):
        P = np.atleast_2d(P)
        probs = np.concatenate([P, 1 - P.sum(axis=1, keepdims=True)], axis=1)
        return np.stack([stats.multinomial(1, p).logpmf(x[:, 0]) for p in probs], -1)
    return Oracle(logpmf, "finite", points=np.eye(3))


def _bivariate() -> Oracle:
    base = gaussian(2)

    def to_gauss(p):
        m1, m2, s1, s2, rho = p
        return np.array([m1, m2, s1**2, rho * s1 * s2, s2**2])

    return Oracle(lambda x, P: base.logpdf(x, np.array([to_gauss(p) for p in np.atleast_2d(P)])),
                  "gaussian", moments=lambda p: base.moments(to_gauss(p)))


def _truncated_normal_closed(p, a=0.0, b=np.inf):
    """Cohen (1950), as quoted in ``catalogue.truncated_normal``."""
    mu, s = p
    al, be = (a - mu) / s, (b - mu) / s
    Z = stats.norm.cdf(be) - stats.norm.cdf(al)
    phi = lambda t: stats.norm.pdf(t) if np.isfinite(t) else 0.0  # noqa: E731
    tpow = lambda t, j: t**j * phi(t) if np.isfinite(t) else 0.0  # noqa: E731
    m = {-1: 0.0, 0: 1.0}
    for k in range(1, 5):
        m[k] = (k - 1) * m[k - 2] + (tpow(al, k - 1) - tpow(be, k - 1)) / Z
    return np.array([[m[2] - m[1] ** 2, m[3] - m[1] * m[2]],
                     [m[3] - m[1] * m[2], m[4] - m[2] ** 2]]) / s**2


def _vm_closed(p):
    mu, k = p
    A = special.i1(k) / special.i0(k)
    return np.diag([k * A, 1 - A / k - A**2])


def _zip_closed(p):
    w, lam = p
    pi0 = w + (1 - w) * np.exp(-lam)
    return np.array([[(1 - np.exp(-lam)) / ((1 - w) * pi0), -np.exp(-lam) / pi0],
                     [-np.exp(-lam) / pi0, (1 - w) / lam - w * (1 - w) * np.exp(-lam) / pi0]])


def _zinb_closed(p, r=3.0):
    w, q = p
    f0, df0 = q**r, r * q ** (r - 1)
    pi0 = w + (1 - w) * f0
    i_pp = (1 - w) * r / (q**2 * (1 - q)) - w * (1 - w) * df0**2 / (f0 * pi0)
    return np.array([[(1 - f0) / ((1 - w) * pi0), df0 / pi0], [df0 / pi0, i_pp]])


def _hurdle_closed(p):
    pi0, lam = p
    return np.diag([1 / (pi0 * (1 - pi0)), (1 - pi0) * (1 / (lam * (1 - np.exp(-lam)))
                                                        - np.exp(lam) / np.expm1(lam) ** 2)])


def _weibull_closed(p):
    k, lam = p
    c = 1 - G
    return np.array([[(c**2 + np.pi**2 / 6) / k**2, -c / lam], [-c / lam, k**2 / lam**2]])


def _student_closed(p, nu=5.0):
    return np.diag([(nu + 1) / (nu + 3), 2 * nu / (nu + 3)]) / p[1] ** 2


def _normal_natural_closed(p):
    t1, t2 = p
    v = -1 / (2 * t2)
    mu = t1 * v
    return np.array([[v, 2 * mu * v], [2 * mu * v, 2 * v**2 + 4 * mu**2 * v]])


def _diag(*fs):
    return lambda p: np.diag([f(p) for f in fs])


CATALOGUE = {
    "normal": ({}, _loc_scale(stats.norm), lambda p: p,
               _diag(lambda p: 1 / p[1] ** 2, lambda p: 2 / p[1] ** 2), "REFERENCE.md"),
    "normal_mean_variance": ({}, _loc_scale(stats.norm),
                             lambda p: np.array([p[0], np.sqrt(p[1])]),
                             _diag(lambda p: 1 / p[1], lambda p: 1 / (2 * p[1] ** 2)),
                             "REFERENCE.md"),
    "normal_natural": ({}, _loc_scale(stats.norm),
                       lambda p: np.array([-p[0] / (2 * p[1]), np.sqrt(-1 / (2 * p[1]))]),
                       _normal_natural_closed, "REFERENCE.md (Cov(x, x²))"),
    "bivariate_normal": ({}, _bivariate(), lambda p: p, None, "-"),
    "lognormal": ({}, scalar(stats.lognorm, lambda c: ((c[1],), {"scale": np.exp(c[0])}), POS),
                  lambda p: p, _diag(lambda p: 1 / p[1] ** 2, lambda p: 2 / p[1] ** 2),
                  "REFERENCE.md"),
    "half_normal": ({}, scalar(stats.halfnorm, lambda c: ((), {"scale": c[0]}), POS),
                    lambda p: p, _diag(lambda p: 2 / p[0] ** 2), "catalogue docstring"),
    "truncated_normal": ({}, scalar(stats.truncnorm, lambda c: (((0 - c[0]) / c[1], np.inf),
                                                                {"loc": c[0], "scale": c[1]}),
                                    POS),
                         lambda p: p, _truncated_normal_closed, "Cohen (1950)"),
    "inverse_gaussian": ({}, scalar(stats.invgauss, lambda c: ((c[0] / c[1],), {"scale": c[1]}),
                                    POS),
                         lambda p: p, _diag(lambda p: p[1] / p[0] ** 3,
                                            lambda p: 1 / (2 * p[1] ** 2)), "REFERENCE.md"),
    "exponential": ({}, scalar(stats.expon, lambda c: ((), {"scale": c[0]}), POS),
                    lambda p: 1 / p, _diag(lambda p: 1 / p[0] ** 2), "REFERENCE.md"),
    "gamma": ({}, scalar(stats.gamma, lambda c: ((c[0],), {"scale": c[1]}), POS),
              lambda p: np.array([p[0], 1 / p[1]]),
              lambda p: np.array([[trigamma(p[0]), -1 / p[1]], [-1 / p[1], p[0] / p[1] ** 2]]),
              "REFERENCE.md"),
    "gamma_shape_scale": ({}, scalar(stats.gamma, lambda c: ((c[0],), {"scale": c[1]}), POS),
                          lambda p: p,
                          lambda p: np.array([[trigamma(p[0]), 1 / p[1]],
                                              [1 / p[1], p[0] / p[1] ** 2]]),
                          "catalogue docstring"),
    "weibull": ({}, scalar(stats.weibull_min, lambda c: ((c[0],), {"scale": c[1]}), POS),
                lambda p: p, _weibull_closed, "REFERENCE.md"),
    "rayleigh": ({}, scalar(stats.rayleigh, lambda c: ((), {"scale": c[0]}), POS), lambda p: p,
                 _diag(lambda p: 4 / p[0] ** 2), "catalogue docstring"),
    "maxwell": ({}, scalar(stats.maxwell, lambda c: ((), {"scale": c[0]}), POS), lambda p: p,
                _diag(lambda p: 6 / p[0] ** 2), "catalogue docstring"),
    "pareto": ({}, scalar(stats.pareto, lambda c: ((c[0],), {}), lambda P: (1.0, np.inf)),
               lambda p: p, _diag(lambda p: 1 / p[0] ** 2), "catalogue docstring"),
    "beta": ({}, scalar(stats.beta, lambda c: ((c[0], c[1]), {}), lambda P: (0.0, 1.0)),
             lambda p: p,
             lambda p: np.diag(trigamma(p)) - trigamma(p.sum()), "REFERENCE.md"),
    "cauchy": ({}, _loc_scale(stats.cauchy), lambda p: p,
               _diag(lambda p: 0.5 / p[1] ** 2, lambda p: 0.5 / p[1] ** 2), "REFERENCE.md"),
    "student_t": ({"nu": 5}, _loc_scale(stats.t, 5.0), lambda p: p, _student_closed,
                  "REFERENCE.md"),
    "laplace": ({}, _loc_scale(stats.laplace), lambda p: p,
                _diag(lambda p: 1 / p[1] ** 2, lambda p: 1 / p[1] ** 2), "REFERENCE.md"),
    "gumbel": ({}, _loc_scale(stats.gumbel_r), lambda p: p,
               lambda p: np.array([[1, G - 1], [G - 1, np.pi**2 / 6 + (1 - G) ** 2]]) / p[1] ** 2,
               "catalogue docstring"),
    "logistic": ({}, _loc_scale(stats.logistic), lambda p: p,
                 _diag(lambda p: 1 / (3 * p[1] ** 2), lambda p: (np.pi**2 + 3) / (9 * p[1] ** 2)),
                 "catalogue docstring"),
    "von_mises": ({}, scalar(stats.vonmises, lambda c: ((c[1],), {"loc": c[0]}),
                             lambda P: (-np.pi, np.pi)),
                  lambda p: p, _vm_closed, "REFERENCE.md"),
    "poisson": ({}, scalar(stats.poisson, lambda c: ((c[0],), {}), lambda P: (0, np.inf), True),
                lambda p: p, _diag(lambda p: 1 / p[0]), "REFERENCE.md"),
    "bernoulli": ({}, scalar(stats.binom, lambda c: ((1, c[0]), {}), lambda P: (0, 1), True),
                  lambda p: p, _diag(lambda p: 1 / (p[0] * (1 - p[0]))), "REFERENCE.md"),
    "binomial": ({"n": 10}, scalar(stats.binom, lambda c: ((10, c[0]), {}), lambda P: (0, 10),
                                   True),
                 lambda p: p, _diag(lambda p: 10 / (p[0] * (1 - p[0]))), "REFERENCE.md"),
    "geometric": ({}, scalar(stats.geom, lambda c: ((c[0],), {}), lambda P: (1, np.inf), True),
                  lambda p: p, _diag(lambda p: 1 / (p[0] ** 2 * (1 - p[0]))), "REFERENCE.md"),
    "negative_binomial": ({"r": 3}, scalar(stats.nbinom, lambda c: ((3.0, c[0]), {}),
                                           lambda P: (0, np.inf), True),
                          lambda p: p, _diag(lambda p: 3 / (p[0] ** 2 * (1 - p[0]))),
                          "REFERENCE.md"),
    "categorical": ({}, _categorical3(), lambda p: p,
                    lambda p: np.diag(1 / p) + 1 / (1 - p.sum()), "REFERENCE.md"),
    "zero_inflated_poisson": ({}, _zip(), lambda p: p, _zip_closed, "Lambert (1992)"),
    "zero_inflated_negative_binomial": ({"r": 3}, _zinb(3.0), lambda p: p, _zinb_closed,
                                        "catalogue docstring"),
    "hurdle_poisson": ({}, _hurdle(), lambda p: p, _hurdle_closed, "Mullahy (1986)"),
    "truncated_exponential": ({"c": 1}, scalar(stats.truncexpon,
                                               lambda c: ((c[0] * 1.0,), {"scale": 1 / c[0]}),
                                               lambda P: (0.0, 1.0)),
                              lambda p: p,
                              _diag(lambda p: 1 / p[0] ** 2 - np.exp(p[0]) / np.expm1(p[0]) ** 2),
                              "catalogue docstring"),
}
