"""Quadrature / summation: closed forms, high-precision references at the edges of the
domain, honest error estimates, refusals with a reason."""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pytest
from scipy import stats

from infogeo.errors import UnreliableEstimateError
from infogeo.estimators import FisherEstimate, QuadratureToleranceWarning, fisher_quadrature
from infogeo.estimators.quadrature import family_support
from infogeo.estimators.terms import natural_scale
from infogeo.manifolds import Beta, Cauchy, Gamma, Normal, StudentT, VonMises
from infogeo.manifolds.registry import get_family

from ._cases import SCALAR_EVENT, case_id, random_theta

SCALAR_CHARTS = [(name, chart) for name in SCALAR_EVENT
                 for chart in get_family(name).chart_names]


def rel_err(est: FisherEstimate, reference: np.ndarray) -> float:
    """Largest error against the natural scale sqrt(I_ii I_jj) of the reference."""
    return float(np.max(np.abs(est.mean - reference) / natural_scale(reference)))


def reported(est: FisherEstimate, reference: np.ndarray) -> float:
    return float(np.max(est.stderr / natural_scale(reference)))


@pytest.mark.parametrize("method", ["score", "hessian"])
@pytest.mark.parametrize("case", SCALAR_CHARTS, ids=case_id)
def test_quadrature_matches_closed_form(case: tuple[str, str], method: str) -> None:
    name, chart = case
    m = get_family(name).in_chart(chart)
    try:
        family_support(m, random_theta(m, 60))
    except ValueError as err:
        pytest.skip(f"{name} has no support hook: {err}")
    for seed in ((60, 61) if method == "score" else (61,)):
        theta = random_theta(m, seed)
        ref = m.metric_matrix(theta)
        # a Hessian by differences is good to 1e-10..1e-8 (its bound is part of the error)
        tol = 1e-11 if method == "score" else 1e-7
        with warnings.catch_warnings():
            warnings.simplefilter("error", QuadratureToleranceWarning)
            est = fisher_quadrature(m, theta, tol=tol, method=method)
        assert est.estimator == ("summation" if m.discrete else "quadrature")
        assert est.mean.shape == est.stderr.shape == (m.dim, m.dim)
        # the Hessian form differences the score where there is no closed form
        assert rel_err(est, ref) < (1e-9 if method == "score" else 1e-7)
        # the reported error is honest: it bounds the actual error (1e-13: round-off of
        # the closed-form reference itself)
        assert rel_err(est, ref) <= 2 * reported(est, ref) + 1e-13


def mp_trigamma(x: float) -> mp.mpf:
    return mp.polygamma(1, mp.mpf(x))


def gamma_reference(alpha: float, beta: float) -> np.ndarray:
    """I(α, β) = [[ψ'(α), -1/β], [-1/β, α/β²]] at 40 digits."""
    with mp.workdps(40):
        a, b = mp.mpf(alpha), mp.mpf(beta)
        return np.array([[float(mp_trigamma(alpha)), float(-1 / b)],
                         [float(-1 / b), float(a / b**2)]])


def beta_reference(a: float, b: float) -> np.ndarray:
    """ψ'(a) - ψ'(a+b) etc. at 40 digits: no cancellation (float64 loses ~8 digits in
    ψ'(b) - ψ'(a+b) at (1e-4, 1e4))."""
    with mp.workdps(40):
        ab = mp_trigamma(mp.mpf(a) + mp.mpf(b))
        return np.array([[float(mp_trigamma(a) - ab), float(-ab)],
                         [float(-ab), float(mp_trigamma(b) - ab)]])


EDGE_REFERENCES = [
    (Gamma(), [1e-4, 1.0], gamma_reference),
    (Gamma(), [1e-4, 1e8], gamma_reference),
    (Gamma(), [1e4, 2.0], gamma_reference),
    (Gamma(), [1.0, 1e-8], gamma_reference),
    (Beta(), [1e-3, 1e-3], beta_reference),
    (Beta(), [1e-4, 1e4], beta_reference),
    (Beta(), [1e4, 1e4], beta_reference),
    (Beta(), [1e-2, 3.0], beta_reference),
]


@pytest.mark.parametrize(("family", "theta", "reference"), EDGE_REFERENCES,
                         ids=lambda v: str(v) if isinstance(v, list) else "")
def test_small_and_large_shapes_against_mpmath(family: object, theta: list[float],
                                               reference: object) -> None:
    ref = reference(*theta)  # type: ignore[operator]
    with warnings.catch_warnings():
        warnings.simplefilter("error", QuadratureToleranceWarning)
        est = fisher_quadrature(family, theta)  # type: ignore[arg-type]
    assert rel_err(est, ref) < 1e-10
    assert rel_err(est, ref) <= 2 * reported(est, ref) + 1e-15


def mp_fisher(logpdf: object, score: object, low: float, high: float, dim: int,
              points: list[float]) -> np.ndarray:
    """E[s s^T] by mpmath tanh-sinh quadrature at 30 digits (split at ``points``)."""
    with mp.workdps(30):
        out = np.empty((dim, dim))
        for i in range(dim):
            for j in range(i, dim):
                value = mp.quad(lambda x, i=i, j=j: score(x)[i] * score(x)[j]  # type: ignore[operator]
                                * mp.exp(logpdf(x)), [low, *points, high])  # type: ignore[operator]
                out[i, j] = out[j, i] = float(value)
    return out


def student_t_mp(nu: float, mu: float, sigma: float) -> tuple[object, object]:
    nu_, mu_, s_ = mp.mpf(nu), mp.mpf(mu), mp.mpf(sigma)

    def logpdf(x: mp.mpf) -> mp.mpf:
        z = (x - mu_) / s_
        return (mp.loggamma((nu_ + 1) / 2) - mp.loggamma(nu_ / 2) - mp.log(mp.sqrt(nu_ * mp.pi)
                * s_) - (nu_ + 1) / 2 * mp.log(1 + z * z / nu_))

    def score(x: mp.mpf) -> list[mp.mpf]:
        z = (x - mu_) / s_
        w = (nu_ + 1) / (nu_ + z * z)
        return [w * z / s_, (w * z * z - 1) / s_]

    return logpdf, score


@pytest.mark.parametrize("sigma", [1e-8, 1e8])
def test_student_t_at_extreme_scales_against_an_mpmath_integral(sigma: float) -> None:
    # an independent reference: the Fisher integral itself, not the closed form
    logpdf, score = student_t_mp(5.0, 0.0, sigma)
    with mp.workdps(30):
        ref = mp_fisher(logpdf, score, -mp.inf, mp.inf, 2, [0.0])
    est = fisher_quadrature(StudentT(nu=5), [0.0, sigma])
    assert rel_err(est, ref) < 1e-10
    np.testing.assert_allclose(ref, StudentT(nu=5).metric_matrix([0.0, sigma]), rtol=1e-12)


@pytest.mark.parametrize("kappa", [1e-4, 1e4])
def test_von_mises_against_bessel_ratio_in_mpmath(kappa: float) -> None:
    with mp.workdps(40):
        k = mp.mpf(kappa)
        a = mp.besseli(1, k) / mp.besseli(0, k)
        ref = np.diag([float(k * a), float(1 - a / k - a * a)])
    est = fisher_quadrature(VonMises(), [0.3, kappa])
    assert rel_err(est, ref) < 1e-10


@pytest.mark.parametrize(("name", "theta", "exact"), [
    ("bernoulli", [1e-15], lambda p: 1 / (p * (1 - p))),
    ("binomial", [1e-15], lambda p: 10 / (p * (1 - p))),
    ("poisson", [1e-4], lambda lam: 1 / lam),
    ("poisson", [1e4], lambda lam: 1 / lam),
    ("geometric", [1 - 1e-12], lambda p: 1 / (p * p * (1 - p))),
])
def test_discrete_edges_against_mpmath(name: str, theta: list[float], exact: object) -> None:
    with mp.workdps(40):
        ref = np.array([[float(exact(mp.mpf(theta[0])))]])  # type: ignore[operator]
    est = fisher_quadrature(get_family(name), theta)
    assert rel_err(est, ref) < 1e-10


def test_log_space_view_removes_what_float64_cannot_reach() -> None:
    # in x, Gamma(1e-4) has 93 % of its mass below the smallest positive float: the
    # integral in x is refused with the reason, the default (log space) is right
    with pytest.raises(UnreliableEstimateError, match="closer to the end 0.0"):
        fisher_quadrature(Gamma(), [1e-4, 1.0], support=(0.0, np.inf))
    est = fisher_quadrature(Gamma(), [1e-4, 1.0])
    assert rel_err(est, gamma_reference(1e-4, 1.0)) < 1e-10


@pytest.mark.parametrize(("family", "theta", "support"), [
    (Beta(), [0.5, 0.5], (0.0, 1.0)),    # 1 - x below 1e-13 is out of reach in x
    (Gamma(), [0.01, 1.0], (0.0, np.inf)),  # 6e-4 of the mass below the normal floats
    (Cauchy(), [1e8, 1e-6], None),       # floats 1.5e-8 apart under a 1e-6 wide peak
])
def test_warned_errors_are_honest(family: object, theta: list[float],
                                  support: tuple[float, float] | None) -> None:
    ref = family.metric_matrix(theta)  # type: ignore[attr-defined]
    with pytest.warns(QuadratureToleranceWarning, match="achieved relative error"):
        est = fisher_quadrature(family, theta, support=support)  # type: ignore[arg-type]
    assert rel_err(est, ref) <= reported(est, ref)


@pytest.mark.parametrize(("family", "theta", "message"), [
    (Beta(), [1e-3, 1e-3], "float64 resolves"),
    (Cauchy(), [1e8, 1e-8], "cannot be resolved"),
    (get_family("geometric"), [1e-15], "max_terms"),
])
def test_refuses_when_no_digit_can_be_vouched_for(family: object, theta: list[float],
                                                  message: str) -> None:
    support = (0.0, 1.0) if isinstance(family, Beta) else None
    with pytest.raises(UnreliableEstimateError, match=message):
        fisher_quadrature(family, theta, support=support)  # type: ignore[arg-type]


def test_finite_supports_are_exact_and_results_have_one_type() -> None:
    est = fisher_quadrature(get_family("binomial"), [0.3])
    assert isinstance(est, FisherEstimate) and est.estimator == "summation"
    assert np.all(est.exact) and np.all(est.stderr == 0) and est.n == 11
    assert est.z_scores(get_family("binomial").metric_matrix([0.3]))[0, 0] == 0.0
    np.testing.assert_allclose(np.asarray(est), est.mean)
    cont = fisher_quadrature(Normal(), [0.0, 2.0])
    assert cont.estimator == "quadrature" and cont.method == "score" and cont.n > 0
    assert np.all(cont.stderr > 0) and cont.diagnostics is None


def test_return_error_is_deprecated_but_works() -> None:
    with pytest.warns(DeprecationWarning, match="stderr"):
        mean, rel = fisher_quadrature(Normal(), [0.0, 2.0], return_error=True)
    np.testing.assert_allclose(mean, np.diag([0.25, 0.5]), rtol=1e-12, atol=1e-15)
    assert rel.shape == () and 0 < rel < 1e-10


def test_quadrature_broadcasts_over_points() -> None:
    m = Normal().in_chart("mu_var")
    thetas = np.array([[[0.0, 1.0], [1.0, 4.0]], [[-2.0, 0.3], [5.0, 0.1]]])
    est = fisher_quadrature(m, thetas)
    assert est.mean.shape == est.stderr.shape == (2, 2, 2, 2)
    ref = m.metric_matrix(thetas)
    assert np.max(np.abs(est.mean - ref) / natural_scale(ref)) < 1e-9


def test_discrete_summation_against_independent_poisson_and_scipy() -> None:
    # truncated summation vs scipy's pmf sums done here by hand
    m = get_family("poisson")
    theta = random_theta(m, 62)
    rate = float(np.squeeze(m.change_chart(theta, "rate")))
    k = np.arange(0, 400)
    pmf = stats.poisson.pmf(k, rate)
    by_hand = np.sum(pmf * ((k - rate) / rate) ** 2)  # E[(∂_λ log p)²] = 1/λ
    est = fisher_quadrature(m.in_chart("rate"), m.change_chart(theta, "rate"))
    np.testing.assert_allclose(est.mean[0, 0], by_hand, rtol=1e-10)
    np.testing.assert_allclose(est.mean[0, 0], 1.0 / rate, rtol=1e-10)


def test_warns_with_achieved_error_when_tolerance_not_reached() -> None:
    with pytest.warns(QuadratureToleranceWarning, match="achieved relative error"):
        fisher_quadrature(Normal(), [0.0, 1.0], tol=1e-15, limit=2)
    with pytest.warns(QuadratureToleranceWarning, match="max_terms = 50"):
        est = fisher_quadrature(get_family("poisson").in_chart("rate"), [30.0], max_terms=50)
    assert abs(est.mean[0, 0] - 1 / 30) <= est.stderr[0, 0]


def test_explicit_support_overrides_the_family() -> None:
    n = Normal()
    # over a half line the density has mass 1/2: rejected as a wrong support
    with pytest.raises(ValueError, match="integrates to 0.5"):
        fisher_quadrature(n, [1.0, 2.0], support=(1.0, np.inf))
    # a support wider than the family's own reaches data log_prob rejects
    with pytest.raises(ValueError, match=r"x .*must be >= 0"):
        fisher_quadrature(get_family("exponential").in_chart("rate"), [2.0],
                          support=(-1.0, np.inf))
    exact = fisher_quadrature(get_family("exponential").in_chart("rate"), [2.0],
                              support=(0.0, np.inf))
    np.testing.assert_allclose(exact.mean, [[0.25]], rtol=1e-8)


def test_rejects_vector_observations_and_bad_arguments() -> None:
    with pytest.raises(ValueError, match="event_shape"):
        fisher_quadrature(get_family("linear_regression"), [0.0, 0.0])
    with pytest.raises(ValueError, match="tol must be > 0"):
        fisher_quadrature(Normal(), [0.0, 1.0], tol=0.0)
    with pytest.raises(ValueError, match="method must be one of"):
        fisher_quadrature(Normal(), [0.0, 1.0], method="exact")
    with pytest.raises(ValueError, match="sigma must be > 0"):
        fisher_quadrature(Normal(), [0.0, -1.0])
    with pytest.raises(ValueError, match="low < high"):
        fisher_quadrature(Normal(), [0.0, 1.0], support=(1.0, 1.0))
    with pytest.raises(ValueError, match="support must be a pair"):
        fisher_quadrature(Normal(), [0.0, 1.0], support="real line")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="manifold must be a StatisticalManifold"):
        fisher_quadrature("normal", [0.0, 1.0])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [n for n in SCALAR_EVENT if n.startswith("categorical")])
def test_categorical_by_exact_summation_with_explicit_support(name: str) -> None:
    # Categorical has no to_scipy()/support() hook yet: pass its support {0, ..., k-1}
    m = get_family(name)
    k = m.dim + 1
    for chart in m.chart_names:
        mc = m.in_chart(chart)
        theta = random_theta(mc, 63)
        est = fisher_quadrature(mc, theta, support=(0, k - 1))
        ref = mc.metric_matrix(theta)
        assert np.max(np.abs(est.mean - ref) / natural_scale(ref)) < 1e-12


class _NoSampler(StudentT):
    """A family that cannot draw: the bulk is found by scanning the density."""

    def _sample(self, x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError("no sampler")


@pytest.mark.parametrize("theta", [[0.0, 1.0], [3.0, 1e-6], [-2e4, 1e5]])
def test_families_without_a_sampler_are_located_by_a_scan(theta: list[float]) -> None:
    m = _NoSampler(nu=5)
    with warnings.catch_warnings():
        # a narrow peak found by a coarse scan may stop short of 1e-11: it says so
        warnings.simplefilter("ignore", QuadratureToleranceWarning)
        est = fisher_quadrature(m, theta)
    ref = m.metric_matrix(theta)
    assert rel_err(est, ref) < 1e-10
    assert rel_err(est, ref) <= 2 * reported(est, ref) + 1e-13
