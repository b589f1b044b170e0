"""Monte Carlo Fisher estimates against every family's closed-form metric, and the checks
behind their error bars.

Tolerances are statistical: every entry within 4 of its own standard errors; entries
that are exact (terms that do not vary, standard error 0) must agree to 1e-8 — that is
what ``FisherEstimate.z_scores`` measures.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy import special

from infogeo.errors import UnreliableEstimateError, UnreliableEstimateWarning
from infogeo.estimators import (
    FisherEstimate,
    StreamingCoMoment,
    StreamingMoments,
    fisher_from_samples,
    fisher_monte_carlo,
    fisher_terms,
    log_space_view,
)
from infogeo.manifolds import Beta, Dirichlet, Gamma, Normal
from infogeo.manifolds.registry import get_family

from ._cases import FAMILY_CHARTS, NAMES, TWINS, case_id, compiled_twin, no_twins, random_theta


def assert_within_4se(est: FisherEstimate, reference: np.ndarray) -> None:
    z = est.z_scores(reference)
    assert np.all(z <= 4), (est.mean, reference, est.stderr, z)


@pytest.mark.parametrize("method", ["score", "hessian", "combined"])
@pytest.mark.parametrize("case", FAMILY_CHARTS, ids=case_id)
def test_monte_carlo_within_4_stderr(case: tuple[str, str], method: str) -> None:
    name, chart = case
    m = get_family(name).in_chart(chart)
    theta = random_theta(m, 30)
    est = fisher_monte_carlo(m, theta, 20_000, np.random.default_rng(31), method=method)
    assert est.n == 20_000 and est.method == method and est.estimator == "monte_carlo"
    assert est.mean.shape == est.stderr.shape == (m.dim, m.dim)
    assert np.all(est.stderr >= 0) and est.diagnostics is not None
    assert est.diagnostics.reliable, est.diagnostics.problems
    assert_within_4se(est, m.metric_matrix(theta))


@no_twins
@pytest.mark.parametrize("method", ["score", "hessian"])
@pytest.mark.parametrize("name", TWINS)
def test_compiled_symbolic_twin_within_4_stderr(name: str, method: str) -> None:
    family, twin = get_family(name), compiled_twin(name)
    theta = random_theta(family, 32)
    # same parametrization? (coordinate names differ between layers, e.g. lam / lambda)
    probe = family.random_point(np.random.default_rng(34), 3)
    if tuple(twin.event_shape) != tuple(family.event_shape):
        pytest.skip(f"twin observations have shape {twin.event_shape}, the family's "
                    f"{family.event_shape}")
    if twin.dim != family.dim or not np.allclose(twin.metric_matrix(probe),
                                                 family.metric_matrix(probe), rtol=1e-8):
        pytest.skip(f"twin {twin.coordinates} is not in the base chart {family.coordinates}")
    data = family.sample(theta, 20_000, np.random.default_rng(33))
    est = fisher_from_samples(twin, data, theta, method=method)
    assert_within_4se(est, family.metric_matrix(theta))
    assert_within_4se(est, twin.metric_matrix(theta))


def test_batch_of_points_matches_single_points() -> None:
    m = Normal().in_chart("natural")
    thetas = Normal().change_chart(np.array([[0.2, 0.7], [-1.0, 2.0], [3.0, 1.1]]), "natural")
    est = fisher_monte_carlo(m, thetas, 30_000, np.random.default_rng(0), chunk_size=7_000)
    assert est.mean.shape == (3, 2, 2)
    assert_within_4se(est, m.metric_matrix(thetas))


def log_log_slope(name: str, sizes: list[int], n_seeds: int) -> float:
    m = get_family(name)
    theta = random_theta(m, 40)
    ref = m.metric_matrix(theta)
    # E|mean - I|_F^2 = tr Var[t] / n exactly for every n (iid terms), so the RMS over
    # seeds has slope -1/2 without asymptotics; 100 seeds keep its noise near +-0.03.
    # A batch of identical points gets independent draws: one call per size.
    batch = np.broadcast_to(theta, (n_seeds,) + theta.shape)
    rms = []
    for n in sizes:
        est = fisher_monte_carlo(m, batch, n, np.random.default_rng(n), check="ignore")
        rms.append(np.sqrt(np.mean(np.sum((est.mean - ref) ** 2, axis=(-2, -1)))))
    return float(np.polyfit(np.log(sizes), np.log(rms), 1)[0])


@pytest.mark.parametrize("name", NAMES)
def test_error_shrinks_as_inverse_sqrt_n(name: str) -> None:
    slope = log_log_slope(name, [50, 200, 800, 3200], n_seeds=100)
    assert -0.6 <= slope <= -0.4, slope


@pytest.mark.slow
@pytest.mark.parametrize("method", ["score", "hessian", "combined"])
@pytest.mark.parametrize("case", FAMILY_CHARTS, ids=case_id)
def test_monte_carlo_large_n(case: tuple[str, str], method: str) -> None:
    name, chart = case
    m = get_family(name).in_chart(chart)
    theta = random_theta(m, 50)
    est = fisher_monte_carlo(m, theta, 1_000_000, np.random.default_rng(51), method=method)
    assert_within_4se(est, m.metric_matrix(theta))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_error_slope_many_seeds(name: str) -> None:
    slope = log_log_slope(name, [500, 2000, 8000, 32000, 128000], n_seeds=200)
    assert -0.6 <= slope <= -0.4, slope


# ---------------------------------------------------------------- the cases of issue 11
def test_gamma_small_shape_draws_in_log_space() -> None:
    alpha, beta = 1e-4, 1.0
    view = log_space_view(Gamma())
    assert view is not None
    u = view.sample([alpha, beta], 200_000, np.random.default_rng(0))
    assert np.all(np.isfinite(u))
    # log x has mean ψ(α) - log β and variance ψ'(α): within 5 standard errors
    sd = np.sqrt(special.polygamma(1, alpha))
    assert abs(u.mean() - special.digamma(alpha)) < 5 * sd / np.sqrt(u.size)
    assert abs(u.var() / special.polygamma(1, alpha) - 1) < 0.05
    # the family's own draws are those, correctly rounded: an exact 0 below the floats
    x = Gamma().sample([alpha, beta], 200_000, np.random.default_rng(0))
    np.testing.assert_array_equal(x, np.exp(u))
    zero = np.mean(x == 0)
    expected = special.gammainc(alpha, 5e-324)  # P(X below the smallest subnormal)
    assert abs(zero - expected) < 5 * np.sqrt(expected * (1 - expected) / x.size)


def test_beta_tiny_shapes_are_covered_by_their_error_bars() -> None:
    # issue 11: the off-diagonal was 777 standard errors from the truth
    est = fisher_monte_carlo(Beta(), [1e-2, 1e-2], 20_000, np.random.default_rng(0))
    assert_within_4se(est, Beta().metric_matrix([1e-2, 1e-2]))
    # draws beyond float resolution at both ends: rounded, not clipped
    x = Beta().sample([1e-2, 1e-2], 1_000, np.random.default_rng(1))
    assert np.any(x == 1.0) and np.all((x >= 0) & (x <= 1))


def test_dirichlet_tiny_shapes() -> None:
    alpha = [1e-4, 1.0, 1e4]
    est = fisher_monte_carlo(Dirichlet(3), alpha, 20_000, np.random.default_rng(2))
    assert_within_4se(est, Dirichlet(3).metric_matrix(alpha))


def test_combined_form_is_exact_where_the_hessian_does_not_depend_on_x() -> None:
    for family, theta in ((Gamma(), [1e-4, 1.0]), (Beta(), [1e-4, 1e4]),
                          (Dirichlet(3), [1e-4, 1e-4, 1e-4])):
        est = fisher_monte_carlo(family, theta, 1_000, np.random.default_rng(3),
                                 method="combined")
        assert np.all(est.exact) and np.all(est.z_scores(family.metric_matrix(theta)) == 0)


def test_rare_draws_that_carry_the_information_are_refused() -> None:
    # Gamma(1e-4): E[(α/β - x)²] = α/β² comes from draws x ~ 1 that 20 000 draws barely
    # see; the score form says so (the combined form above is exact)
    with pytest.warns(UnreliableEstimateWarning, match=r"\(beta, beta\).*combined"):
        fisher_monte_carlo(Gamma(), [1e-4, 1.0], 20_000, np.random.default_rng(4),
                           check="warn")
    # Bernoulli(1e-15): every draw is 0, the score is constant: a wrong answer, refused
    with pytest.raises(UnreliableEstimateError, match="rare events") as info:
        fisher_monte_carlo(get_family("bernoulli"), [1e-15], 20_000, np.random.default_rng(5))
    assert isinstance(info.value.estimate, FisherEstimate)
    assert info.value.estimate.diagnostics.biased
    with pytest.warns(UnreliableEstimateWarning, match="rare events"):
        fisher_monte_carlo(get_family("bernoulli"), [1e-15], 100, np.random.default_rng(5),
                           check="warn")
    quiet = fisher_monte_carlo(get_family("bernoulli"), [1e-15], 100,
                               np.random.default_rng(5), check="ignore")
    assert not quiet.diagnostics.reliable


class _PlainGamma(Gamma):
    """A Gamma the estimators know no log-space view of."""


def test_draws_the_family_rejects_are_refused_with_the_reason() -> None:
    with pytest.raises(UnreliableEstimateError, match="rejects its own draws"):
        fisher_monte_carlo(_PlainGamma(), [1e-4, 1.0], 1_000, np.random.default_rng(6))


def test_inaccurate_hessian_is_caught_by_the_information_identity() -> None:
    class WrongHessian(Normal):
        def _log_prob_hessian(self, data: np.ndarray, x: np.ndarray) -> np.ndarray:
            return 1.05 * super()._log_prob_hessian(data, x)

    with pytest.raises(UnreliableEstimateError, match="information identity"):
        fisher_monte_carlo(WrongHessian(), [0.0, 1.0], 100_000, np.random.default_rng(7),
                           method="hessian")


def test_hessian_by_differences_on_the_fisher_scale() -> None:
    # covariance entries of 1e-8 next to an off-diagonal 0: a step relative to |θ| would
    # leave the domain; steps on the Fisher length scale do not
    m = get_family("multivariate_normal")
    theta = [0.0, 0.0, 1e-8, 0.0, 1e-8]
    est = fisher_monte_carlo(m, theta, 20_000, np.random.default_rng(8), method="hessian")
    assert_within_4se(est, m.metric_matrix(theta))


def test_one_draw_has_no_standard_error() -> None:
    with pytest.raises(ValueError, match="n_samples must be >= 2"):
        fisher_monte_carlo(Normal(), [0.0, 1.0], 1, np.random.default_rng(0))
    one = fisher_from_samples(Normal(), [0.3], [0.0, 1.0])
    assert np.all(np.isinf(one.stderr))


def test_exact_entries_have_zero_z_not_round_off_ratios() -> None:
    # the Hessian of the natural-chart normal does not depend on x: its terms agree to
    # round-off, which once gave |z| ~ 300
    m = Normal().in_chart("natural")
    theta = Normal().change_chart([0.4, 1.3], "natural")
    est = fisher_monte_carlo(m, theta, 5_000, np.random.default_rng(9), method="hessian")
    ref = m.metric_matrix(theta)
    assert np.all(est.exact)
    assert np.all(est.z_scores(ref) == 0)
    assert np.all(np.isinf(est.z_scores(1.001 * ref)))  # an exact entry that disagrees


# ---------------------------------------------------------------- streaming machinery
def test_streaming_moments_match_two_pass_formulas() -> None:
    rng = np.random.default_rng(1)
    # a large common offset: the naive E[x²] - E[x]² loses all digits here
    x = 1e8 + rng.gamma(2.0, size=(1001, 2, 2))
    dev = x - x.mean(axis=0)
    for chunk in (1, 7, 250, 1001):
        acc = StreamingMoments(order=4)
        for start in range(0, len(x), chunk):
            acc.update(x[start:start + chunk])
        assert acc.n == len(x)
        np.testing.assert_allclose(acc.mean, x.mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(acc.stderr(), x.std(axis=0, ddof=1) / np.sqrt(len(x)),
                                   rtol=1e-7)
        np.testing.assert_allclose(acc.m3, np.sum(dev**3, axis=0), rtol=1e-6)
        np.testing.assert_allclose(acc.m4, np.sum(dev**4, axis=0), rtol=1e-6)
        np.testing.assert_allclose(acc.tail_ess(),
                                   np.sum(dev**2, axis=0) ** 2 / np.sum(dev**4, axis=0),
                                   rtol=1e-6)


def test_streaming_co_moment_matches_numpy() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=(500, 3))
    b = 2 * a + rng.normal(size=(500, 3))
    acc = StreamingCoMoment()
    for start in range(0, 500, 77):
        acc.update(a[start:start + 77], b[start:start + 77])
    expected = [np.cov(a[:, i], b[:, i])[0, 1] for i in range(3)]
    np.testing.assert_allclose(acc.covariance(), expected, rtol=1e-12)


def test_tail_ess_is_small_when_one_draw_carries_the_variance() -> None:
    x = np.zeros(10_000)
    x[17] = 1.0
    acc = StreamingMoments(order=4)
    acc.update(x)
    assert acc.tail_ess() < 1.01
    light = StreamingMoments(order=4)
    light.update(np.random.default_rng(3).normal(size=10_000))
    assert light.tail_ess() > 10_000 / 3.5  # Gaussian kurtosis 3


def test_fisher_from_samples_independent_of_chunk_size() -> None:
    m = get_family("logistic_regression")
    w = np.array([0.4, -0.3])
    y = m.sample(w, 999, np.random.default_rng(2))
    terms = fisher_terms(m, y, w)
    ref = fisher_from_samples(m, y, w, chunk_size=999)
    assert ref.estimator == "samples"
    np.testing.assert_allclose(ref.mean, terms.mean(axis=0), rtol=1e-13)
    for chunk in (1, 10, 333):
        est = fisher_from_samples(m, y, w, chunk_size=chunk)
        np.testing.assert_allclose(est.mean, ref.mean, rtol=1e-12)
        np.testing.assert_allclose(est.stderr, ref.stderr, rtol=1e-9)


def test_memory_is_bounded_by_the_chunk() -> None:
    n = Normal()
    theta = np.array([0.5, 1.5])
    fisher_monte_carlo(n, theta, 1_000, np.random.default_rng(0), chunk_size=10_000,
                       check="ignore")  # warm-up
    peaks = []
    for n_samples in (100_000, 1_000_000):
        tracemalloc.start()
        fisher_monte_carlo(n, theta, n_samples, np.random.default_rng(0), chunk_size=10_000)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # holding all 1e6 score outer products would take 32 MB
    assert peaks[1] < 6e6, peaks
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_progress_callback_reports_every_chunk() -> None:
    calls: list[tuple[int, int]] = []
    fisher_monte_carlo(Normal(), [0.0, 1.0], 2_500, np.random.default_rng(0), chunk_size=1_000,
                       progress=lambda done, total: calls.append((done, total)),
                       check="ignore")
    assert calls == [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]


def test_progress_bar_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    fisher_monte_carlo(Normal(), [0.0, 1.0], 300, np.random.default_rng(0), chunk_size=100,
                       progress=True, check="ignore")
    err = capsys.readouterr().err
    assert "300/300" in err and err.endswith("\n")


def test_interrupted_progress_bar_ends_its_line(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    normal = Normal()
    sample = normal.sample
    calls = []

    def fails_on_the_second_chunk(theta, n, rng):  # noqa: ANN001, ANN202
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return sample(theta, n, rng)

    monkeypatch.setattr(normal, "sample", fails_on_the_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        fisher_monte_carlo(normal, [0.0, 1.0], 300, np.random.default_rng(0), chunk_size=100,
                           progress=True)
    err = capsys.readouterr().err
    assert "100/300" in err and err.endswith("\n")
