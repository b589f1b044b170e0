"""Monte Carlo estimation of the Fisher information with bounded memory.

Samples are drawn and reduced chunk by chunk; the running mean and the sum of squared
deviations are merged with the pairwise update of Chan, Golub & LeVeque (1979), so
:math:`10^7` samples never hold :math:`10^7` scores at once and the variance does not
suffer the cancellation of the naive :math:`E[x^2] - E[x]^2` formula.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int, check_rng
from ..manifolds.base import StatisticalManifold

__all__ = ["FisherEstimate", "StreamingMoments", "fisher_monte_carlo", "fisher_from_samples",
           "fisher_terms"]

_METHODS = ("score", "hessian")
#: float64 values one chunk may hold in its largest intermediate (~8 MB)
_CHUNK_BUDGET = 1_000_000

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class FisherEstimate:
    """A Monte Carlo estimate of the Fisher matrix with its standard error.

    Attributes
    ----------
    mean : ndarray, shape=[..., dim, dim]
        The estimate :math:`\\hat I = \\frac1n \\sum_k t_k` of the per-sample terms
        :math:`t_k` (score outer products or negative Hessians).
    stderr : ndarray, shape=[..., dim, dim]
        Entrywise standard error :math:`\\hat\\sigma / \\sqrt n` (sample standard deviation,
        ``ddof = 1``; zero when ``n == 1``).
    n : int
        Number of samples.
    method : str
        ``"score"`` or ``"hessian"``.
    """

    mean: NDArray
    stderr: NDArray
    n: int
    method: str

    def z_scores(self, reference: ArrayLike, atol: float = 0.0) -> NDArray:
        """Entrywise :math:`|\\hat I - I_{ref}| / \\max(\\text{stderr}, \\text{atol})`."""
        ref = np.asarray(reference, dtype=float)
        return np.abs(self.mean - ref) / np.maximum(self.stderr, max(atol, 1e-300))


class StreamingMoments:
    """Running mean and sum of squared deviations over the leading axis of chunks.

    .. math::

        \\delta = \\bar x_B - \\bar x_A, \\quad
        \\bar x_{AB} = \\bar x_A + \\delta\\,\\frac{n_B}{n_{AB}}, \\quad
        M_{2,AB} = M_{2,A} + M_{2,B} + \\delta^2\\,\\frac{n_A n_B}{n_{AB}}

    (Chan, Golub & LeVeque 1979); numerically stable for any number of chunks.
    """

    def __init__(self) -> None:
        self.n = 0
        self.mean: NDArray | None = None
        self.m2: NDArray | None = None

    def update(self, chunk: NDArray) -> None:
        """Merge the samples ``chunk[k]`` (leading axis) into the running moments."""
        nb = chunk.shape[0]
        mean_b = chunk.mean(axis=0)
        dev = chunk - mean_b
        np.square(dev, out=dev)  # in place: one temporary per chunk
        self.merge(nb, mean_b, dev.sum(axis=0))

    def merge(self, nb: int, mean_b: NDArray, m2_b: NDArray) -> None:
        """Merge precomputed moments of ``nb`` samples."""
        if nb == 0:
            return
        if self.mean is None or self.m2 is None:
            self.n, self.mean, self.m2 = nb, np.array(mean_b, dtype=float), np.array(m2_b)
            return
        n = self.n + nb
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + m2_b + delta**2 * (self.n * nb / n)
        self.n = n

    def stderr(self) -> NDArray:
        """Standard error of the mean, :math:`\\sqrt{M_2 / (n (n - 1))}`."""
        if self.m2 is None:
            raise ValueError("no samples were accumulated")
        if self.n < 2:
            return np.zeros_like(self.m2)
        return np.sqrt(self.m2 / (self.n * (self.n - 1)))


def _check_method(method: str) -> str:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method


def fisher_terms(manifold: StatisticalManifold, data: ArrayLike, theta: ArrayLike,
                 method: str = "score") -> NDArray:
    """Per-observation Fisher terms, shape ``[N, ..., dim, dim]``.

    .. math::

        t(x) = \\nabla_\\theta\\ell\\,\\nabla_\\theta\\ell^\\top \\ (\\text{score}), \\qquad
        t(x) = -\\nabla^2_\\theta \\ell \\ (\\text{hessian}), \\qquad
        \\ell = \\log p(x\\mid\\theta).

    Both have expectation :math:`I(\\theta)` when :math:`x \\sim p(\\cdot\\mid\\theta)`.
    """
    _check_method(method)
    if method == "score":
        s = manifold.score(data, theta)
        return s[..., :, None] * s[..., None, :]
    return -manifold.log_prob_hessian(data, theta)


def _validated_point(manifold: StatisticalManifold, theta: ArrayLike) -> NDArray:
    """``theta`` as a float array, after the manifold's own shape and domain checks."""
    manifold._to_base(theta, "theta")  # raises ValueError naming theta
    return np.asarray(theta, dtype=float)


def _packed_terms(manifold: StatisticalManifold, data: NDArray, point: NDArray,
                  method: str) -> NDArray:
    """The upper triangle ``i <= j`` of the Fisher terms, shape ``[N, ..., dim(dim+1)/2]``:
    the terms are symmetric, so the reduction only needs these entries."""
    rows, cols = np.triu_indices(manifold.dim)
    if method == "score":
        s = manifold.score(data, point)
        return s[..., rows] * s[..., cols]
    return -manifold.log_prob_hessian(data, point)[..., rows, cols]


def _unpack(packed: NDArray, dim: int) -> NDArray:
    """Symmetric ``[..., dim, dim]`` from the packed upper triangle."""
    rows, cols = np.triu_indices(dim)
    out = np.empty(packed.shape[:-1] + (dim, dim))
    out[..., rows, cols] = packed
    out[..., cols, rows] = packed
    return out


def _estimate(moments: StreamingMoments, dim: int, method: str) -> FisherEstimate:
    if moments.mean is None:
        raise ValueError("no samples were accumulated")
    return FisherEstimate(_unpack(moments.mean, dim), _unpack(moments.stderr(), dim),
                          moments.n, method)


def _event_size(manifold: StatisticalManifold) -> int:
    return int(np.prod(manifold.event_shape, dtype=int))


def _auto_chunk(manifold: StatisticalManifold, batch: int, n: int) -> int:
    # the hessian method (finite differences) holds a few copies of [c, dim, dim]
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


def fisher_monte_carlo(manifold: StatisticalManifold, theta: ArrayLike, n_samples: int,
                       rng: np.random.Generator, method: str = "score",
                       chunk_size: int | None = None,
                       progress: bool | ProgressCallback = False) -> FisherEstimate:
    """Monte Carlo estimate of the Fisher information at ``theta``.

    .. math::

        \\hat I(\\theta) = \\frac1n \\sum_{k=1}^n t(x_k),
        \\qquad x_k \\sim p(\\cdot\\mid\\theta),

    with :math:`t` the score outer product (``method="score"``) or the negative Hessian of
    the log-likelihood (``method="hessian"``); see :func:`fisher_terms`.

    Parameters
    ----------
    manifold : StatisticalManifold
        Must implement ``sample`` and ``score`` (``log_prob_hessian`` for the Hessian
        method; it falls back to differences of the score).
    theta : array-like, shape=[..., dim]
        One point or a batch (every point gets ``n_samples`` draws).
    n_samples : int
        Number of draws, >= 1.
    rng : numpy.random.Generator
    method : {"score", "hessian"}
    chunk_size : int, optional
        Draws per chunk; by default about 8 MB of intermediates per chunk. Memory is
        bounded by the chunk size, whatever ``n_samples`` is.
    progress : bool or callable, optional
        ``True`` draws a text progress bar on stderr; a callable is called as
        ``progress(done, total)`` after each chunk.

    Returns
    -------
    FisherEstimate
        ``mean`` and entrywise ``stderr`` of shape ``[..., dim, dim]``.

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> est = ig.estimators.fisher_monte_carlo(ig.manifolds.Normal(), [0.0, 2.0], 20_000,
    ...                                        np.random.default_rng(0))
    >>> bool(np.all(np.abs(est.mean - np.diag([0.25, 0.5])) < 4 * est.stderr))
    True
    """
    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be a StatisticalManifold, got {type(manifold).__name__}")
    _check_method(method)
    n_samples = check_positive_int(n_samples, "n_samples")
    rng = check_rng(rng)
    point = _validated_point(manifold, theta)
    batch = int(np.prod(point.shape[:-1], dtype=int))
    chunk = (_auto_chunk(manifold, batch, n_samples) if chunk_size is None
             else check_positive_int(chunk_size, "chunk_size"))
    report = _progress_fn(progress)
    moments = StreamingMoments()
    done = 0
    try:
        while done < n_samples:
            size = min(chunk, n_samples - done)
            draws = manifold.sample(point, size, rng)
            moments.update(_packed_terms(manifold, draws, point, method))
            done += size
            if report is not None:
                report(done, n_samples)
    finally:
        if report is not None and not callable(progress) and 0 < done < n_samples:
            sys.stderr.write("\n")  # interrupted: end the bar's line before the traceback
    return _estimate(moments, manifold.dim, method)


def _is_dask(x: object) -> bool:
    return type(x).__module__.split(".")[0] == "dask"


def fisher_from_samples(manifold: StatisticalManifold, data: ArrayLike, theta: ArrayLike,
                        method: str = "score", chunk_size: int | None = None) -> FisherEstimate:
    """Average the Fisher terms :func:`fisher_terms` over given observations.

    With ``data`` drawn from :math:`p(\\cdot\\mid\\theta)` this is a Monte Carlo estimate
    of :math:`I(\\theta)`; with observed data it is the empirical Fisher (``"score"``) or
    the observed information (``"hessian"``), see :mod:`infogeo.estimators.empirical`.

    Parameters
    ----------
    data : array-like or dask.array.Array, shape=(N,) + event_shape
        Observations along the first axis. A Dask array is reduced block by block with
        Dask's own ``mean``/``var`` (nothing is loaded at once); a NumPy array in chunks
        of ``chunk_size`` rows with a streaming update.
    theta : array-like, shape=[..., dim]
        A batch of points broadcasts against ``data[k]`` (NumPy data only).

    Returns
    -------
    FisherEstimate
    """
    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be a StatisticalManifold, got {type(manifold).__name__}")
    _check_method(method)
    if _is_dask(data):
        from ._dask import dask_fisher_terms_moments

        mean, var, n = dask_fisher_terms_moments(manifold, data, theta, method)
        stderr = np.sqrt(var / n) if n > 1 else np.zeros_like(mean)
        return FisherEstimate(mean, stderr, n, method)
    arr = np.asarray(data, dtype=float)
    ndim_event = len(manifold.event_shape)
    if arr.ndim < ndim_event + 1 or arr.shape[0] < 1:
        raise ValueError(f"data must have shape [N, *event_shape] with N >= 1 "
                         f"(event_shape {manifold.event_shape}), got {arr.shape}")
    point = _validated_point(manifold, theta)
    batch = int(np.prod(point.shape[:-1], dtype=int))
    n = arr.shape[0]
    chunk = (_auto_chunk(manifold, batch, n) if chunk_size is None
             else check_positive_int(chunk_size, "chunk_size"))
    moments = StreamingMoments()
    for start in range(0, n, chunk):
        moments.update(_packed_terms(manifold, arr[start:start + chunk], point, method))
    return _estimate(moments, manifold.dim, method)
