"""Monte Carlo estimation of the Fisher information, with error bars that are checked.

Draws are made and reduced chunk by chunk (:mod:`~infogeo.estimators.moments`), so
:math:`10^7` draws never hold :math:`10^7` terms at once. Every estimate carries the
diagnostics of :mod:`~infogeo.estimators.diagnostics`; by default an estimate shown to be
wrong raises, and an error bar in doubt warns. Families whose observations float64
cannot hold at the edges of their domain (Gamma, Beta, Dirichlet at small shapes) are
sampled and scored in log space (:mod:`~infogeo.estimators.log_space`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int, check_rng
from ..errors import UnreliableEstimateError
from ..manifolds.base import StatisticalManifold
from ._inputs import check_manifold, check_method, check_policy, validated_data, validated_point
from .diagnostics import deterministic, diagnose, enforce, mean_zero_z
from .log_space import log_space_view
from .moments import StreamingCoMoment, StreamingMoments
from .result import FisherEstimate
from .terms import PackedTerms, fisher_terms, natural_scale, pack, packed_terms, unpack

__all__ = ["FisherEstimate", "StreamingMoments", "fisher_monte_carlo", "fisher_from_samples",
           "fisher_terms"]

#: float64 values one chunk may hold in its largest intermediate (~8 MB)
_CHUNK_BUDGET = 1_000_000

ProgressCallback = Callable[[int, int], None]


class _Accumulator:
    """The streams one estimate needs: the score (for its mean-zero check), the packed
    terms of the requested form, and what the checks, the mix and the error bar of a
    Hessian by differences need."""

    def __init__(self, dim: int, method: str) -> None:
        self.dim, self.method = dim, method
        self.score = StreamingMoments(4)
        self.outer = StreamingMoments(4) if method != "hessian" else None
        self.hess = StreamingMoments(4) if method != "score" else None
        self.diff = StreamingMoments(4) if method != "score" else None
        self.hess_error = StreamingMoments(2) if method != "score" else None
        self.cross = StreamingCoMoment() if method == "combined" else None

    def add(self, terms: PackedTerms) -> None:
        self.score.update(terms.score)
        if self.outer is not None:
            self.outer.update(terms.outer)
        if self.hess is not None:
            assert terms.neg_hessian is not None and terms.hessian_error is not None
            assert self.diff is not None and self.hess_error is not None
            diff = terms.outer - terms.neg_hessian
            self.hess.update(terms.neg_hessian)
            self.diff.update(diff)
            self.hess_error.update(terms.hessian_error)
            if self.cross is not None:
                self.cross.update(terms.neg_hessian, diff)

    def _hessian_bias(self) -> NDArray:
        """Mean error bound of the per-draw Hessians (0 for a closed form): systematic,
        it does not shrink with n."""
        assert self.hess_error is not None and self.hess_error.mean is not None
        return self.hess_error.mean

    def _mix(self) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Packed mean, per-draw variance, tail ESS and systematic error of the form."""
        if self.method == "score":
            assert self.outer is not None and self.outer.mean is not None
            mean = self.outer.mean
            return mean, self.outer.variance(), self.outer.tail_ess(), np.zeros_like(mean)
        assert self.hess is not None and self.hess.mean is not None
        bias = self._hessian_bias()
        if self.method == "hessian":
            return self.hess.mean, self.hess.variance(), self.hess.tail_ess(), bias
        # combined: t_h + w (t_s - t_h), w minimizing the variance (control variate)
        assert self.outer is not None and self.diff is not None and self.cross is not None
        assert self.diff.mean is not None
        var_h, var_d, cov = self.hess.variance(), self.diff.variance(), self.cross.covariance()
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.clip(np.where(var_d > 0, -cov / np.where(var_d > 0, var_d, 1.0), 0.0),
                        0.0, 1.0)
        scale = pack(natural_scale(unpack(self.hess.mean, self.dim)))
        # an exact Hessian wins outright
        w = np.where(deterministic(np.sqrt(var_h), scale) & deterministic(bias, scale), 0.0, w)
        # a near-perfect control variate leaves a variance far below its summands: it is
        # known only to their round-off (never claimed exact from a cancellation); at
        # w = 1 the mix is the score form, whose variance is known directly
        summands = var_h + 2.0 * np.abs(w * cov) + w * w * var_d
        var = np.maximum(var_h + 2.0 * w * cov + w * w * var_d,
                         64.0 * np.finfo(float).eps * summands)
        var = np.where(w == 1.0, self.outer.variance(), var)
        ess = np.where(w == 0.0, self.hess.tail_ess(),
                       np.where(w == 1.0, self.outer.tail_ess(),
                                np.minimum(self.hess.tail_ess(), self.outer.tail_ess())))
        return self.hess.mean + w * self.diff.mean, var, ess, (1.0 - w) * bias

    def estimate(self, coordinates: tuple[str, ...], estimator: str) -> FisherEstimate:
        if self.score.mean is None:
            raise ValueError("no samples were accumulated")
        n, dim = self.score.n, self.dim
        mean_p, var_p, ess_p, bias_p = self._mix()
        mean = unpack(mean_p, dim)
        scale_p = pack(natural_scale(mean))
        random = ~deterministic(np.sqrt(var_p), scale_p)
        exact = ~random & deterministic(bias_p, scale_p)
        stderr_p = np.sqrt(np.where(random, var_p / n, 0.0) + bias_p**2)
        stderr = unpack(np.where(exact, 0.0, stderr_p), dim)
        ess = unpack(np.where(random, ess_p, np.inf), dim)
        diag_scale = np.sqrt(np.abs(np.diagonal(mean, axis1=-2, axis2=-1)))
        score_z = mean_zero_z(self.score.mean, self.score.stderr(),
                              np.sqrt(self.score.variance()), diag_scale)
        identity_z = identity_ess = None
        if self.diff is not None and self.diff.mean is not None:
            bias = self._hessian_bias()
            se_d = np.sqrt(self.diff.stderr() ** 2 + bias**2)
            identity_z = unpack(mean_zero_z(self.diff.mean, se_d,
                                            np.sqrt(self.diff.variance()) + bias, scale_p), dim)
            identity_ess = unpack(self.diff.tail_ess(), dim)
        hint = " or use method='combined'" if self.method == "score" else ""
        # every entry exact although the draws varied (their scores did): the estimate
        # does not depend on the draws; if the scores did not vary, exactness is unproven
        varied = np.any(~deterministic(np.sqrt(self.score.variance()), diag_scale), axis=-1)
        settled = np.all(stderr == 0, axis=(-2, -1)) & varied
        diagnostics = diagnose(coordinates, n, score_z, self.score.tail_ess(), identity_z,
                               identity_ess, ess, settled, hint)
        return FisherEstimate(mean, stderr, n, self.method, estimator, diagnostics)


def _event_size(manifold: StatisticalManifold) -> int:
    return int(np.prod(manifold.event_shape, dtype=int))


def _auto_chunk(manifold: StatisticalManifold, batch: int, n: int) -> int:
    # the hessian form (finite differences) holds a few copies of [c, dim, dim]
    per_sample = batch * (4 * manifold.dim**2 + 2 * _event_size(manifold) + 1)
    return max(1, min(n, _CHUNK_BUDGET // per_sample))


def _progress_fn(progress: bool | ProgressCallback) -> ProgressCallback | None:
    if callable(progress):
        return progress
    if not progress:
        return None

    def bar(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return bar


#: draws whose spread is below this many float spacings at their location are quantized
_MIN_RESOLUTION = 100.0


def _check_resolved(family: StatisticalManifold, draws: NDArray, point: NDArray) -> None:
    """Refuse draws of a continuous family that float64 rounds onto a coarse grid (a
    Cauchy of scale 1e-8 at 1e8, where floats are 1.5e-8 apart): their scores are wrong
    in a way no error bar sees. Checked per component on the interquartile range."""
    if family.discrete or draws.shape[0] < 8:
        return
    low, high = np.quantile(draws, [0.25, 0.75], axis=0)
    spacing = np.spacing(np.maximum(np.abs(low), np.abs(high)))
    coarse = (high - low) < _MIN_RESOLUTION * spacing
    if np.any(coarse):
        at = np.unravel_index(int(np.argmax(coarse)), coarse.shape)
        raise UnreliableEstimateError(
            f"fisher_monte_carlo: the draws of {type(family).__name__} at theta = "
            f"{point.tolist()} spread over {float((high - low)[at]):.3g} around "
            f"{float(high[at]):.6g}, where float64 numbers are {float(spacing[at]):.3g} "
            "apart: they are rounded onto a grid too coarse for their scores")


def _draw_terms(family: StatisticalManifold, size: int, point: NDArray,
                rng: np.random.Generator, hessian: bool, first: bool) -> PackedTerms:
    draws = family.sample(point, size, rng)
    try:
        family._data(draws, "draws")
    except ValueError as err:
        # the family rejects its own draws: they fell on the edge of the support
        raise UnreliableEstimateError(
            f"fisher_monte_carlo: {type(family).__name__} rejects its own draws at theta = "
            f"{point.tolist()} ({err}): observations round onto the edge of the support in "
            "float64 there (e.g. underflow to 0), and the family has no log-space "
            "representation (log_space_view); use fisher_quadrature or a point further "
            "from the edge of the domain") from err
    if first:
        _check_resolved(family, np.asarray(draws, dtype=float), point)
    return packed_terms(family, draws, point, hessian)


def fisher_monte_carlo(manifold: StatisticalManifold, theta: ArrayLike, n_samples: int,
                       rng: np.random.Generator, method: str = "score",
                       chunk_size: int | None = None,
                       progress: bool | ProgressCallback = False,
                       check: str = "raise") -> FisherEstimate:
    r"""Monte Carlo estimate of the Fisher information at ``theta``, with a checked error bar.

    .. math::

        \hat I(\theta) = \frac1n \sum_{k=1}^n t(x_k),
        \qquad x_k \sim p(\cdot\mid\theta), \qquad
        \mathrm{SE}_{ij} = \frac{\hat\sigma_{ij}}{\sqrt n},

    with :math:`t` the score outer product (``"score"``), the negative Hessian of the
    log-likelihood (``"hessian"``), or their mix :math:`t^h + w(t^s - t^h)` with the
    entrywise weight :math:`w \in [0, 1]` that minimizes the variance (``"combined"``:
    :math:`t^s - t^h` has mean zero, a control variate; where the Hessian does not
    depend on x — exponential families in natural coordinates, Gamma, Beta, Dirichlet —
    the result is exact).

    Parameters
    ----------
    manifold : StatisticalManifold
        Must implement ``sample`` and ``score`` (``log_prob_hessian`` for the Hessian and
        combined forms; it falls back to differences of the score).
    theta : array-like, shape=[..., dim]
        One point or a batch (every point gets ``n_samples`` independent draws).
    n_samples : int
        Number of draws, >= 2 (one draw says nothing about the spread).
    rng : numpy.random.Generator
    method : {"score", "hessian", "combined"}
    chunk_size : int, optional
        Draws per chunk; by default about 8 MB of intermediates per chunk. Memory is
        bounded by the chunk size, whatever ``n_samples`` is.
    progress : bool or callable, optional
        ``True`` draws a text progress bar on stderr; a callable is called as
        ``progress(done, total)`` after each chunk.
    check : {"raise", "warn", "ignore"}
        What to do when the diagnostics fail (:mod:`~infogeo.estimators.diagnostics`):
        ``"raise"`` raises :class:`~infogeo.errors.UnreliableEstimateError` when the
        estimate is shown to be wrong (the score's mean or the information identity is
        many standard errors off) and warns (:class:`~infogeo.errors.
        UnreliableEstimateWarning`) when only the error bar is in doubt (too few
        effective draws behind it); ``"warn"`` warns in both cases.

    Returns
    -------
    FisherEstimate
        ``mean`` and entrywise ``stderr`` of shape ``[..., dim, dim]`` (``stderr`` is
        exactly 0 where the terms do not vary), and the ``diagnostics``.

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> est = ig.estimators.fisher_monte_carlo(ig.manifolds.Normal(), [0.0, 2.0], 20_000,
    ...                                        np.random.default_rng(0))
    >>> bool(np.all(est.z_scores(np.diag([0.25, 0.5])) < 4))
    True
    """
    check_manifold(manifold)
    check_method(method)
    n_samples = check_positive_int(n_samples, "n_samples")
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 to estimate a standard error, got "
                         f"{n_samples}")
    rng = check_rng(rng)
    check_policy(check)
    point = validated_point(manifold, theta)
    family = log_space_view(manifold) or manifold
    batch = int(np.prod(point.shape[:-1], dtype=int))
    chunk = (_auto_chunk(manifold, batch, n_samples) if chunk_size is None
             else check_positive_int(chunk_size, "chunk_size"))
    report = _progress_fn(progress)
    acc = _Accumulator(manifold.dim, method)
    done = 0
    try:
        while done < n_samples:
            size = min(chunk, n_samples - done)
            acc.add(_draw_terms(family, size, point, rng, method != "score", done == 0))
            done += size
            if report is not None:
                report(done, n_samples)
    finally:
        if report is not None and not callable(progress) and 0 < done < n_samples:
            sys.stderr.write("\n")  # interrupted: end the bar's line before the traceback
    return enforce(acc.estimate(manifold.coordinates, "monte_carlo"), check,
                   "fisher_monte_carlo")


def _is_dask(x: object) -> bool:
    return type(x).__module__.split(".")[0] == "dask"


def fisher_from_samples(manifold: StatisticalManifold, data: ArrayLike, theta: ArrayLike,
                        method: str = "score", chunk_size: int | None = None,
                        check: str = "ignore") -> FisherEstimate:
    """Average the Fisher terms :func:`fisher_terms` over given observations.

    With ``data`` drawn from :math:`p(\\cdot\\mid\\theta)` this is a Monte Carlo estimate
    of :math:`I(\\theta)`; with observed data it is the empirical Fisher (``"score"``) or
    the observed information (``"hessian"``), see :mod:`infogeo.estimators.empirical`.

    Parameters
    ----------
    data : array-like or dask.array.Array, shape=(N,) + event_shape
        Observations along the first axis. A Dask array is reduced block by block with
        Dask's own ``mean``/``var`` (nothing is loaded at once; no diagnostics, and only
        the score and Hessian forms); a NumPy array in chunks of ``chunk_size`` rows.
    theta : array-like, shape=[..., dim]
        A batch of points broadcasts against ``data[k]`` (NumPy data only).
    method : {"score", "hessian", "combined"}
    check : {"ignore", "warn", "raise"}
        The diagnostics assume data drawn from the model at ``theta``; other data (the
        empirical Fisher's) fail them by design, hence ``"ignore"`` by default.

    Returns
    -------
    FisherEstimate
        ``estimator == "samples"``; ``stderr`` is ``inf`` from a single observation.
    """
    check_manifold(manifold)
    check_method(method)
    check_policy(check)
    if _is_dask(data):
        from ._dask import dask_fisher_terms_moments

        check_method(method, ("score", "hessian"))
        mean, var, n = dask_fisher_terms_moments(manifold, data, theta, method)
        return FisherEstimate(mean, np.sqrt(var / n), n, method, "samples")
    arr = validated_data(manifold, data)
    point = validated_point(manifold, theta)
    batch = int(np.prod(point.shape[:-1], dtype=int))
    n = arr.shape[0]
    chunk = (_auto_chunk(manifold, batch, n) if chunk_size is None
             else check_positive_int(chunk_size, "chunk_size"))
    acc = _Accumulator(manifold.dim, method)
    for start in range(0, n, chunk):
        acc.add(packed_terms(manifold, arr[start:start + chunk], point, method != "score"))
    return enforce(acc.estimate(manifold.coordinates, "samples"), check, "fisher_from_samples")
