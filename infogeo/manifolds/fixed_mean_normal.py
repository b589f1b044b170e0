"""The covariance manifold N(m, Σ) with the mean m fixed: half the affine-invariant
geometry of symmetric positive-definite matrices (Pennec, Fillard & Ayache, IJCV 66,
2006), in the point layout of :mod:`.multivariate_normal` (upper triangle of Σ,
row-major).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array
from ._gaussian import (
    _basis,
    _check_symmetric,
    _cov_score,
    _gaussian_kl,
    _gaussian_log_prob,
    _sample_gaussian,
    spd_christoffels,
    spd_exp,
    spd_log,
    spd_metric,
    spd_skewness,
    sym_from_triu,
    triu_from_sym,
)
from ._sizes import resolve_sample_dim
from .base import StatisticalManifold
from .charts import Chart
from .declarations import (
    CovarianceMatrix,
    ParameterBlock,
    ScipyCounterpart,
    Size,
)

__all__ = ["FixedMeanNormal"]


class FixedMeanNormal(StatisticalManifold):
    r"""Covariances of N(m, Σ) with the mean m fixed: the SPD cone, point = upper triangle.

    .. math::

        g(\delta\Sigma, \delta\Sigma) = \tfrac12\operatorname{tr}(\Sigma^{-1}\delta\Sigma
        \Sigma^{-1}\delta\Sigma), \qquad
        d(\Sigma_1, \Sigma_2) = \sqrt{\tfrac12 \textstyle\sum_i \log^2 \lambda_i(\Sigma_1^{-1}
        \Sigma_2)},

    .. math::

        \exp_\Sigma(V) = \Sigma^{1/2}\exp(\Sigma^{-1/2}V\Sigma^{-1/2})\Sigma^{1/2}, \qquad
        \log_\Sigma(S) = \Sigma^{1/2}\log(\Sigma^{-1/2}S\Sigma^{-1/2})\Sigma^{1/2},

    half the affine-invariant metric (Pennec et al. 2006; REFERENCE.md), with
    :math:`\Gamma(V, W) = -\tfrac12(V\Sigma^{-1}W + W\Sigma^{-1}V)`. Matrix functions use
    ``eigh`` and broadcast over batches.

    Parameters
    ----------
    sample_dim : int
        d, the dimension of the observations; the manifold has dimension d(d+1)/2. Also
        the attribute ``d``. (The keyword ``d`` is deprecated.)
    mean : array-like, shape=[d], optional
        The known mean (zero by default).
    chart : str, optional
    """

    # from_scipy(multivariate_normal) dispatches to MultivariateNormal; this family reads
    # the covariance of a distribution with its mean
    scipy_counterpart = ScipyCounterpart("multivariate_normal", {"cov": "sigma"},
                                         hyper={"mean": "mean", "sample_dim": Size("cov")},
                                         batched=False, dispatch=False)
    examples = {"fixed_mean_normal": lambda: FixedMeanNormal(sample_dim=2),
                "fixed_mean_normal_d3": lambda: FixedMeanNormal(sample_dim=3,
                                                                mean=[0.5, -1.0, 2.0])}

    def __init__(self, sample_dim: int | None = None, mean: ArrayLike | None = None,
                 chart: str | None = None, *, d: int | None = None) -> None:
        self.sample_dim = self.d = resolve_sample_dim("FixedMeanNormal", sample_dim, d=d)
        self.dim = self.d * (self.d + 1) // 2
        self.event_shape = (self.d,)
        self.mean = np.zeros(self.d) if mean is None else as_finite_array(mean, "mean")
        if self.mean.shape != (self.d,):
            raise ValueError(f"mean must have shape ({self.d},), got {self.mean.shape}")
        self._basis = _basis(self.d)
        super().__init__(chart)

    @property
    def parameters(self) -> tuple[ParameterBlock, ...]:  # type: ignore[override]
        """The covariance (its upper triangle)."""
        return (CovarianceMatrix(self.d, "sigma"),)

    def pack(self, cov: ArrayLike) -> NDArray:
        """``[..., dim]`` point from covariances ``[..., d, d]``."""
        cov = as_finite_array(cov, "cov")
        if cov.shape[-2:] != (self.d, self.d):
            raise ValueError(f"cov must have shape [..., {self.d}, {self.d}], got {cov.shape}")
        _check_symmetric(cov)
        return triu_from_sym(cov)

    def unpack(self, theta: ArrayLike) -> NDArray:
        """Covariances ``[..., d, d]`` of points ``[..., dim]``."""
        return sym_from_triu(np.asarray(theta, dtype=float), self.d)

    def _charts(self) -> list[Chart]:
        return [self._declared_base_chart("cov")]

    def _metric(self, x: NDArray) -> NDArray:
        return spd_metric(np.linalg.inv(self.unpack(x)), self._basis)

    def _christoffels(self, x: NDArray) -> NDArray:
        return spd_christoffels(np.linalg.inv(self.unpack(x)), self._basis)

    def _skewness(self, x: NDArray) -> NDArray:
        return spd_skewness(np.linalg.inv(self.unpack(x)), self._basis)

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        return triu_from_sym(spd_exp(self.unpack(v), self.unpack(x)))

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        return triu_from_sym(spd_log(self.unpack(y), self.unpack(x)))

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        # λ(Σa⁻¹Σb) = λ(L⁻¹ Σb L⁻ᵀ) with Σa = L Lᵀ: a symmetric problem for eigvalsh
        inv_l = np.linalg.inv(np.linalg.cholesky(self.unpack(xa)))
        lam = np.linalg.eigvalsh(inv_l @ self.unpack(xb) @ np.swapaxes(inv_l, -1, -2))
        return np.sqrt(0.5 * np.sum(np.log(lam) ** 2, axis=-1))

    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        return _gaussian_log_prob(data, self.mean, self.unpack(x))

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        return _cov_score(data, self.mean, np.linalg.inv(self.unpack(x)))[1]

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return _sample_gaussian(self.mean, self.unpack(x), n, rng)

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        return _gaussian_kl(self.mean, self.unpack(xp), self.mean, self.unpack(xq))

    def __repr__(self) -> str:
        return f"FixedMeanNormal(sample_dim={self.d}, chart={self.chart.name!r})"
