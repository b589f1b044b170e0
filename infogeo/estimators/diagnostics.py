r"""Checks that decide whether a Monte Carlo error bar can be trusted.

A standard error :math:`\hat\sigma/\sqrt n` covers the truth at the nominal rate only if
the draws represent the model and the central limit theorem has set in. Three checks,
each exact in expectation and cheap on the draws already made:

1. **The score has mean zero**, :math:`E_\theta[\nabla\ell] = 0`. Its sample mean, in
   standard errors, is a t statistic. A large value means the draws do not represent
   :math:`p(\cdot\mid\theta)` where the information lives: rare outcomes never drawn
   (Bernoulli with :math:`p = 10^{-15}`: every draw is 0, the score is constant and the
   estimate is 1 instead of :math:`10^{15}`), observations float64 cannot hold, or a
   wrong sampler.
2. **The information identity**, :math:`E[\nabla\ell\nabla\ell^\top] = -E[\nabla^2\ell]`,
   on the same draws (Hessian and combined forms): fails for an inaccurate Hessian
   (finite differences with a step larger than the parameter) or a density with a kink.
3. **Enough draws behind the spread**: the standard error of an entry rests on
   :math:`M_2^2/M_4 = n/\hat\kappa` effective draws (Kish's effective sample size of the
   squared deviations). When one or a few draws carry the variance — a rare event,
   a heavy tail — the reported error bar is itself a guess.

Checks 1 and 2 are evidence that the *estimate* is wrong (``biased``); check 3 that its
*error bar* is. Their thresholds: the Student-t quantile at a family-wise false-alarm
rate of :math:`10^{-6}` over the entries tested, conclusive only with
:data:`MIN_TEST_ESS` effective draws behind the test's own standard error;
:data:`MIN_TAIL_ESS` effective draws behind an error bar (below 3 the nominal 95 %
interval covers about 80 % or less: measured on Normal, Student-t, Gamma, Beta, Poisson
and multivariate normal terms; the estimate of that number is itself noisy, so a higher
threshold would warn on healthy runs).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from ..errors import UnreliableEstimateError, UnreliableEstimateWarning
from .result import Diagnostics, FisherEstimate

__all__ = ["MIN_TAIL_ESS", "MIN_TEST_ESS", "FALSE_ALARM", "EXACT_RTOL", "critical_z", "mean_zero_z",
           "deterministic", "diagnose", "enforce"]

#: effective draws an error bar must rest on: below 3 the nominal 95 % interval covers
#: about 80 % or less (measured on Normal, Student-t, Gamma, Beta, Poisson, MVN terms)
MIN_TAIL_ESS = 3.0
#: effective draws behind a z test's own standard error for a large z to count as proof
#: of bias (at small n a skewed quantity gives large t statistics by chance)
MIN_TEST_ESS = 10.0
#: family-wise false-alarm probability of the z tests, per estimate
FALSE_ALARM = 1e-6
#: terms whose spread is below this fraction of their natural scale are exact (round-off)
EXACT_RTOL = 1e-9


def critical_z(n: int, n_tests: int) -> float:
    """Two-sided Student-t quantile (``n - 1`` degrees of freedom) at the family-wise
    false-alarm rate :data:`FALSE_ALARM`, Bonferroni over ``n_tests``."""
    return float(stats.t.ppf(1.0 - FALSE_ALARM / (2.0 * max(n_tests, 1)), df=max(n - 1, 1)))


def deterministic(std: NDArray, scale: NDArray) -> NDArray:
    """Entries whose per-draw terms vary by no more than round-off."""
    return std <= EXACT_RTOL * scale


def mean_zero_z(mean: NDArray, stderr: NDArray, spread: NDArray, scale: NDArray) -> NDArray:
    """:math:`|\\bar x| / \\mathrm{SE}` of a quantity with expectation zero.

    Where the draws do not vary beyond round-off (``spread``, the per-draw standard
    deviation, below :data:`EXACT_RTOL` times ``scale``) a ratio would only measure
    round-off: then 0 if the mean is zero to that tolerance, else ``inf``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(mean) / np.where(stderr > 0, stderr, 1.0)
    still = np.where(np.abs(mean) <= EXACT_RTOL * scale, 0.0, np.inf)
    return np.where(deterministic(spread, scale) | ~(stderr > 0), still, z)


def _where(index: tuple[int, ...]) -> str:
    return f" at theta[{', '.join(map(str, index))}]" if index else ""


def _z_test(z: NDArray, ess: NDArray, crit: float) -> tuple[int, str | None]:
    """Index of the worst entry and its verdict: ``"biased"``, ``"doubt"`` (a large z
    resting on too few effective draws to be told from chance) or ``None``."""
    worst = int(np.argmax(z))
    if not z.flat[worst] > crit:
        return worst, None
    conclusive = np.isinf(z.flat[worst]) or ess.flat[worst] >= MIN_TEST_ESS
    return worst, "biased" if conclusive else "doubt"


def diagnose(coordinates: tuple[str, ...], n: int, score_z: NDArray, score_ess: NDArray,
             identity_z: NDArray | None, identity_ess: NDArray | None, tail_ess: NDArray,
             settled: NDArray, hint: str = "") -> Diagnostics:
    """Run the three checks.

    A z test is conclusive only where the spread behind its standard error rests on
    :data:`MIN_TEST_ESS` effective draws or more (or where the quantity does not vary at
    all): at small n a skewed score gives large t statistics by chance.

    Parameters
    ----------
    coordinates : tuple of str
        Names of the chart's coordinates (for the messages).
    n : int
        Number of draws.
    score_z, score_ess : ndarray, shape=[..., dim]
        z statistic of each score component and the effective draws behind its spread.
    identity_z, identity_ess : ndarray or None, shape=[..., dim, dim]
        Same for each entry of the mean of :math:`t^s - t^h`.
    tail_ess : ndarray, shape=[..., dim, dim]
        Effective draws behind each entry's standard error.
    settled : ndarray of bool, shape=[...]
        Points whose estimate does not depend on the draws (every entry exact although
        the draws varied: a Hessian free of x); their checks are skipped.
    hint : str
        Appended to the advice of an error bar in doubt (e.g. another method to try).
    """
    dim = len(coordinates)
    n_tests = dim + (dim * (dim + 1) // 2 if identity_z is not None else 0)
    crit = critical_z(n, n_tests)
    problems: list[str] = []
    biased = False
    flagged = np.zeros(score_z.shape[:-1], dtype=bool)
    for idx in np.ndindex(score_z.shape[:-1]):
        if settled[idx]:
            continue
        where = _where(idx)
        before = len(problems)
        i, verdict = _z_test(score_z[idx], score_ess[idx], crit)
        if verdict is not None:
            biased |= verdict == "biased"
            problems.append(
                f"the sample mean of the score component {coordinates[i]!r} is "
                f"{score_z[idx][i]:.3g} standard errors from 0{where} (its expectation is "
                "exactly 0): " + (
                    f"the {n} draws miss outcomes that carry the information (rare events) "
                    "or do not represent the model (observations float64 cannot hold, an "
                    f"inaccurate sampler or score); increase n_samples{hint}, or use "
                    "fisher_quadrature for a scalar observation" if verdict == "biased" else
                    "too few effective draws lie behind that standard error to tell a bias "
                    "from chance; increase n_samples"))
        if identity_z is not None and identity_ess is not None:
            k, verdict = _z_test(identity_z[idx], identity_ess[idx], crit)
            a, b = np.unravel_index(k, (dim, dim))
            if verdict is not None:
                biased |= verdict == "biased"
                problems.append(
                    f"the score and Hessian forms disagree by {identity_z[idx][a, b]:.3g} "
                    f"standard errors in entry ({coordinates[a]}, {coordinates[b]}){where}: "
                    + ("the information identity E[s s^T] = -E[hessian] fails on these "
                       "draws (an inaccurate Hessian or a density with a kink); use "
                       "method='score'" if verdict == "biased" else
                       "too few effective draws lie behind that standard error to tell a "
                       "bias from chance; increase n_samples"))
        a, b = np.unravel_index(int(np.argmin(tail_ess[idx])), (dim, dim))
        if tail_ess[idx][a, b] < MIN_TAIL_ESS:
            problems.append(
                f"the standard error of entry ({coordinates[a]}, {coordinates[b]}){where} "
                f"rests on {tail_ess[idx][a, b]:.3g} effective draws (fewer than "
                f"{MIN_TAIL_ESS:g}): the terms are heavy-tailed or dominated by rare draws, "
                f"so the error bar is not trustworthy; increase n_samples{hint}")
        flagged[idx] = len(problems) > before
    return Diagnostics(score_z.max(axis=-1), None if identity_z is None
                       else identity_z.max(axis=(-2, -1)), tail_ess, crit, MIN_TAIL_ESS,
                       tuple(problems), biased, flagged)


def enforce(estimate: FisherEstimate, check: str, caller: str) -> FisherEstimate:
    """Apply the policy ``check`` to an estimate's diagnostics.

    ``"raise"``: :class:`~infogeo.errors.UnreliableEstimateError` when the estimate is
    biased, :class:`~infogeo.errors.UnreliableEstimateWarning` when only its error bar is
    in doubt; ``"warn"``: a warning in both cases; ``"ignore"``: nothing (the diagnostics
    stay on the result).
    """
    diag = estimate.diagnostics
    if check == "ignore" or diag is None or diag.reliable:
        return estimate
    shown = diag.problems[:3]
    more = len(diag.problems) - len(shown)
    message = f"{caller}: " + "; ".join(shown) + (f" (and {more} more)" if more else "")
    if check == "raise" and diag.biased:
        raise UnreliableEstimateError(message, estimate)
    warnings.warn(message, UnreliableEstimateWarning, stacklevel=3)
    return estimate
