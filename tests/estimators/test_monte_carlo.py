"""Monte Carlo Fisher estimates against every family's closed-form metric.

Tolerances are statistical: each entry within 4 of its own standard errors (plus a
round-off floor of 1e-9 relative, needed where the terms are constant and the standard
error is zero, e.g. the Hessian of a Gaussian mean).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from infogeo.estimators import (
    FisherEstimate,
    StreamingMoments,
    fisher_from_samples,
    fisher_monte_carlo,
    fisher_terms,
)
from infogeo.manifolds import Normal
from infogeo.manifolds.registry import get_family

from ._cases import FAMILY_CHARTS, NAMES, TWINS, case_id, compiled_twin, no_twins, random_theta


def assert_within_4se(est: FisherEstimate, reference: np.ndarray) -> None:
    floor = 1e-9 * np.max(np.abs(reference))
    err = np.abs(est.mean - reference)
    assert np.all(err <= 4 * est.stderr + floor), (est.mean, reference, est.stderr)


@pytest.mark.parametrize("method", ["score", "hessian"])
@pytest.mark.parametrize("case", FAMILY_CHARTS, ids=case_id)
def test_monte_carlo_within_4_stderr(case: tuple[str, str], method: str) -> None:
    name, chart = case
    m = get_family(name).in_chart(chart)
    theta = random_theta(m, 30)
    est = fisher_monte_carlo(m, theta, 20_000, np.random.default_rng(31), method=method)
    assert est.n == 20_000 and est.method == method
    assert est.mean.shape == est.stderr.shape == (m.dim, m.dim)
    assert np.all(est.stderr >= 0)
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
    rms = []
    for n in sizes:
        errs = [np.sum((fisher_monte_carlo(m, theta, n, np.random.default_rng(s)).mean
                        - ref) ** 2) for s in range(n_seeds)]
        rms.append(np.sqrt(np.mean(errs)))
    return float(np.polyfit(np.log(sizes), np.log(rms), 1)[0])


@pytest.mark.parametrize("name", NAMES)
def test_error_shrinks_as_inverse_sqrt_n(name: str) -> None:
    slope = log_log_slope(name, [50, 200, 800, 3200], n_seeds=100)
    assert -0.6 <= slope <= -0.4, slope


@pytest.mark.slow
@pytest.mark.parametrize("method", ["score", "hessian"])
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


# ---------------------------------------------------------------- streaming machinery
def test_streaming_moments_match_two_pass_formulas() -> None:
    rng = np.random.default_rng(1)
    # a large common offset: the naive E[x²] - E[x]² loses all digits here
    x = 1e8 + rng.normal(size=(1001, 2, 2))
    for chunk in (1, 7, 250, 1001):
        acc = StreamingMoments()
        for start in range(0, len(x), chunk):
            acc.update(x[start:start + chunk])
        assert acc.n == len(x)
        np.testing.assert_allclose(acc.mean, x.mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(acc.stderr(), x.std(axis=0, ddof=1) / np.sqrt(len(x)),
                                   rtol=1e-7)


def test_fisher_from_samples_independent_of_chunk_size() -> None:
    m = get_family("logistic_regression")
    w = np.array([0.4, -0.3])
    y = m.sample(w, 999, np.random.default_rng(2))
    terms = fisher_terms(m, y, w)
    ref = fisher_from_samples(m, y, w, chunk_size=999)
    np.testing.assert_allclose(ref.mean, terms.mean(axis=0), rtol=1e-13)
    for chunk in (1, 10, 333):
        est = fisher_from_samples(m, y, w, chunk_size=chunk)
        np.testing.assert_allclose(est.mean, ref.mean, rtol=1e-12)
        np.testing.assert_allclose(est.stderr, ref.stderr, rtol=1e-9)


def test_memory_is_bounded_by_the_chunk() -> None:
    n = Normal()
    theta = np.array([0.5, 1.5])
    fisher_monte_carlo(n, theta, 1_000, np.random.default_rng(0), chunk_size=10_000)  # warm-up
    peaks = []
    for n_samples in (100_000, 1_000_000):
        tracemalloc.start()
        fisher_monte_carlo(n, theta, n_samples, np.random.default_rng(0), chunk_size=10_000)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # holding all 1e6 score outer products would take 32 MB
    assert peaks[1] < 4e6, peaks
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_progress_callback_reports_every_chunk() -> None:
    calls: list[tuple[int, int]] = []
    fisher_monte_carlo(Normal(), [0.0, 1.0], 2_500, np.random.default_rng(0), chunk_size=1_000,
                       progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]


def test_progress_bar_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    fisher_monte_carlo(Normal(), [0.0, 1.0], 300, np.random.default_rng(0), chunk_size=100,
                       progress=True)
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
