"""Do the reported standard errors cover the truth at the nominal rate?

For every registered family, at a typical point and at the edges of its domain, R
independent Monte Carlo estimates are made in one call (a batch of R copies of the
point: every copy gets its own draws). An honest standard error puts the truth within
one standard error of the estimate in 68.3 % of the repetitions and within two in
95.4 %. The tolerance is derived, not guessed: the count of covering repetitions is
binomial, and the test fails when the count is improbable (exact binomial tail below
1e-6 over all entries of a case) — too few (error bars too small, or a biased estimate)
or, at one standard error, too many (error bars too large).

Estimates the diagnostics flag are allowed to miss (that is what flagging promises: a
refusal or a warning with the reason), but only among the edge points; at typical points
at most one in ten may be flagged. Nominal coverage is required where an error bar rests
on at least ``MIN_TEST_ESS`` effective draws (the central limit regime); an unflagged
error bar on fewer draws must still cover at 2 SE in 80 % of the repetitions (what the
diagnostics' threshold was set from). Entries reported exact must agree with the truth.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from infogeo.errors import UnreliableEstimateError
from infogeo.estimators import FisherEstimate, fisher_monte_carlo
from infogeo.estimators.diagnostics import MIN_TEST_ESS
from infogeo.manifolds.registry import get_family

from ._cases import NAMES, edge_points, random_theta

#: nominal coverage of |z| <= 1 and |z| <= 2 under the normal approximation
NOMINAL = {1.0: float(stats.norm.cdf(1) - stats.norm.cdf(-1)),
           2.0: float(stats.norm.cdf(2) - stats.norm.cdf(-2))}
#: family-wise probability that an honest estimator fails one case
FALSE_ALARM = 1e-6


def _binomial_low(k: int, n: int, p: float) -> float:
    return float(stats.binom.cdf(k, n, p))


def check_coverage(est: FisherEstimate, reference: np.ndarray, typical: bool) -> None:
    assert est.diagnostics is not None
    accepted = ~np.broadcast_to(est.diagnostics.flagged, est.mean.shape[:1])
    if typical:
        assert np.mean(accepted) >= 0.9, est.diagnostics.problems[:3]
    z = est.z_scores(reference)[accepted]
    if z.shape[0] < 20:
        return  # (nearly) every repetition refused with a reason: nothing to cover
    exact = est.exact[accepted]
    ess = est.diagnostics.tail_ess[accepted]
    assert np.all(z[exact] == 0), "an entry reported exact disagrees with the truth"
    rows, cols = np.triu_indices(reference.shape[-1])
    entries = [(i, j) for i, j in zip(rows, cols, strict=True) if not np.all(exact[:, i, j])]
    alpha = FALSE_ALARM / max(1, 4 * len(entries))
    for i, j in entries:
        # the normal approximation is promised where the error bar rests on
        # MIN_TEST_ESS effective draws; between MIN_TAIL_ESS and that, the estimate is
        # returned and its 2-SE interval covers at least 80 % (diagnostics module)
        clt = ess[:, i, j] >= MIN_TEST_ESS
        zij, gray = z[clt, i, j], z[~clt & ~exact[:, i, j], i, j]
        if gray.size >= 20:
            k = int(np.sum(gray <= 2.0))
            assert _binomial_low(k, gray.size, 0.8) >= alpha, (
                f"entry ({i}, {j}): {k}/{gray.size} within 2 SE with few effective draws")
        n = zij.size
        if n < 20:
            continue
        for level, p in NOMINAL.items():
            k = int(np.sum(zij <= level))
            low = _binomial_low(k, n, p)
            assert low >= alpha, (f"entry ({i}, {j}): {k}/{n} within {level:g} SE, "
                                  f"nominal {p:.3f} (P = {low:.2g})")
            if level == 1.0:  # too many: error bars inflated
                high = float(stats.binom.sf(k - 1, n, p))
                assert high >= alpha, (f"entry ({i}, {j}): {k}/{n} within 1 SE, nominal "
                                       f"{p:.3f}: error bars too wide (P = {high:.2g})")


def run(name: str, theta: np.ndarray, method: str, repeats: int, n: int, seed: int,
        typical: bool) -> None:
    m = get_family(name)
    reference = m.metric_matrix(theta)
    batch = np.broadcast_to(theta, (repeats,) + theta.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est = fisher_monte_carlo(m, batch, n, np.random.default_rng(seed), method=method,
                                     check="ignore")
        except UnreliableEstimateError as err:
            # refused outright (draws the family cannot represent): a reason is given
            assert not typical and str(err)
            return
    check_coverage(est, reference, typical)


@pytest.mark.parametrize("name", NAMES)
def test_standard_errors_cover_at_a_typical_point(name: str) -> None:
    theta = random_theta(get_family(name), 90)
    run(name, theta, "score", repeats=200, n=4_000, seed=91, typical=True)


EDGES = [(name, k) for name in NAMES for k in range(len(edge_points(name)))]


@pytest.mark.parametrize(("name", "k"), EDGES, ids=[f"{n}-{k}" for n, k in EDGES])
def test_standard_errors_cover_or_refuse_at_the_edges(name: str, k: int) -> None:
    run(name, edge_points(name)[k], "score", repeats=100, n=2_000, seed=92 + k,
        typical=False)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["score", "hessian", "combined"])
@pytest.mark.parametrize("name", NAMES)
def test_coverage_many_repetitions(name: str, method: str) -> None:
    m = get_family(name)
    run(name, random_theta(m, 93), method, repeats=400, n=10_000, seed=94, typical=True)
    for k, theta in enumerate(edge_points(name)):
        run(name, theta, method, repeats=200, n=10_000, seed=95 + k, typical=False)
