"""Empirical Fisher, observed information, finite-difference scores, Dask reductions."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.estimators import (
    empirical_fisher,
    finite_difference_score,
    fisher_from_samples,
    observed_information,
)
from infogeo.manifolds import Normal
from infogeo.manifolds.registry import get_family

from ._cases import FAMILY_CHARTS, case_id, random_theta


def test_normal_empirical_fisher_and_observed_information_by_hand() -> None:
    # ℓ = -(x-μ)²/(2σ²) - log σ: score (z/σ, (z²-1)/σ),
    # Hessian [[-1/σ², -2z/σ²], [-2z/σ², (1-3z²)/σ²]] with z = (x-μ)/σ
    x = np.array([-1.0, 0.5, 2.0, 3.5])
    mu, sigma = 0.7, 1.9
    z = (x - mu) / sigma
    s = np.stack([z / sigma, (z**2 - 1) / sigma], axis=-1)
    ef = s.T @ s / len(x)
    oi = np.array([[1.0, 2 * z.mean()], [2 * z.mean(), 3 * np.mean(z**2) - 1]]) / sigma**2
    np.testing.assert_allclose(empirical_fisher(Normal(), x, [mu, sigma]), ef, rtol=1e-13)
    np.testing.assert_allclose(observed_information(Normal(), x, [mu, sigma]), oi, rtol=1e-13)
    # neither is the Fisher information diag(1, 2)/σ² on four points
    assert not np.allclose(ef, Normal().metric_matrix([mu, sigma]), rtol=0.1)


def test_empirical_fisher_differs_from_fisher_away_from_the_data_distribution() -> None:
    n = Normal()
    x = n.sample([0.0, 1.0], 50_000, np.random.default_rng(0))
    # at the generating point both data matrices estimate I(θ) ...
    est = fisher_from_samples(n, x, [0.0, 1.0])
    assert np.all(np.abs(est.mean - n.metric_matrix([0.0, 1.0])) <= 4 * est.stderr)
    # ... at another θ the empirical Fisher scales with the squared residuals:
    # E[((x-μ)/σ²)²] = (1 + μ²)/σ⁴ for x ~ N(0, 1)
    mu, sigma = 2.0, 1.0
    ef = empirical_fisher(n, x, [mu, sigma])
    assert abs(ef[0, 0] - (1 + mu**2) / sigma**4) < 0.1
    assert abs(ef[0, 0] - n.metric_matrix([mu, sigma])[0, 0]) > 3.0


@pytest.mark.parametrize("case", FAMILY_CHARTS, ids=case_id)
def test_finite_difference_score_matches_closed_form(case: tuple[str, str]) -> None:
    name, chart = case
    m = get_family(name).in_chart(chart)
    theta = random_theta(m, 70)
    x = m.sample(theta, 5, np.random.default_rng(71))
    exact = m.score(x, theta)
    fd = finite_difference_score(m.log_prob, x, theta)
    scale = np.max(np.abs(exact)) + 1.0
    np.testing.assert_allclose(fd / scale, exact / scale, atol=1e-8)


def test_finite_difference_error_is_near_eps_two_thirds() -> None:
    # a function with large third derivative relative to the step scale: ℓ = exp(3θ)x
    def log_prob(x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return np.exp(3 * theta[..., 0]) * x

    theta = np.array([[0.3], [1.2], [-2.0]])
    fd = finite_difference_score(log_prob, 1.0, theta)[..., 0]
    exact = 3 * np.exp(3 * theta[:, 0])
    rel = np.abs(fd / exact - 1)
    # truncation h²·f'''/(6f') = 1.5 h² ≈ 5e-11 and round-off ε/h ≈ 4e-11
    assert np.all(rel < 5e-10), rel
    # a much smaller step is worse (round-off dominated): the default is well chosen
    tiny = finite_difference_score(log_prob, 1.0, theta, step=1e-12)[..., 0]
    assert np.max(np.abs(tiny / exact - 1)) > 10 * np.max(rel)


def test_finite_difference_score_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="log_prob must be callable"):
        finite_difference_score(None, 0.0, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step must be > 0"):
        finite_difference_score(Normal().log_prob, 0.0, [0.0, 1.0], step=0.0)
    with pytest.raises(ValueError, match="theta must have shape"):
        finite_difference_score(Normal().log_prob, 0.0, 1.0)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        # the step leaves the domain: log_prob names the bad point
        finite_difference_score(Normal().log_prob, 0.0, [0.0, 1e-3], step=[0.1, 0.1])


# ---------------------------------------------------------------- dask
dask = pytest.importorskip("dask", reason="the optional extra 'dask' is not installed")


@pytest.mark.parametrize("method", ["score", "hessian"])
@pytest.mark.parametrize("name", ["normal", "logistic_regression", "poisson", "categorical_3"])
def test_dask_reduction_matches_numpy(name: str, method: str) -> None:
    import dask.array as da

    m = get_family(name)
    theta = random_theta(m, 80)
    data = m.sample(theta, 2_001, np.random.default_rng(81))
    chunks = (300,) + data.shape[1:]
    with dask.config.set(scheduler="synchronous"):
        lazy = fisher_from_samples(m, da.from_array(data, chunks=chunks), theta, method)
        ef = empirical_fisher(m, da.from_array(data, chunks=chunks), theta)
        oi = observed_information(m, da.from_array(data, chunks=chunks), theta)
    eager = fisher_from_samples(m, data, theta, method)
    np.testing.assert_allclose(lazy.mean, eager.mean, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(lazy.stderr, eager.stderr, rtol=1e-8, atol=1e-14)
    assert lazy.n == eager.n == 2_001
    np.testing.assert_allclose(ef, empirical_fisher(m, data, theta), rtol=1e-11)
    np.testing.assert_allclose(oi, observed_information(m, data, theta), rtol=1e-11,
                               atol=1e-14)


def test_dask_local_threaded_scheduler_and_bad_data() -> None:
    import dask.array as da

    m = get_family("logistic_regression")
    w = np.array([0.2, -0.4])
    y = m.sample(w, 1_000, np.random.default_rng(3))
    with dask.config.set(scheduler="threads", num_workers=2):
        lazy = empirical_fisher(m, da.from_array(y, chunks=(128, 20)), w)
    np.testing.assert_allclose(lazy, empirical_fisher(m, y, w), rtol=1e-11)
    with pytest.raises(ValueError, match=r"data must have shape \[N, \*event_shape\]"):
        empirical_fisher(m, da.from_array(y[:, :5]), w)
    bad = y.copy()
    bad[7, 3] = 0.5
    with dask.config.set(scheduler="synchronous"), pytest.raises(ValueError,
                                                                  match="binary labels"):
        empirical_fisher(m, da.from_array(bad, chunks=(100, 20)), w)


def test_dask_single_observation_and_error_naming_data() -> None:
    import dask.array as da

    m = get_family("exponential")
    with dask.config.set(scheduler="synchronous"):
        one = fisher_from_samples(m, da.from_array(np.array([0.7])), [2.0])
        assert np.all(np.isinf(one.stderr)) and one.estimator == "samples"
        with pytest.raises(ValueError, match=r"^data\b.*must be >= 0"):
            empirical_fisher(m, da.from_array(np.array([0.7, -1.0]), chunks=1), [2.0])
