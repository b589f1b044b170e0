r"""The one result type of every Fisher estimator, and the diagnostics behind its error bar."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .terms import natural_scale

__all__ = ["FisherEstimate", "Diagnostics"]


@dataclass(frozen=True, eq=False)
class Diagnostics:
    """Whether a Monte Carlo error bar can be trusted, and why not.

    Attributes
    ----------
    score_mean_z : ndarray, shape=[...]
        Largest :math:`|\\bar s_i| / \\mathrm{SE}(\\bar s_i)` over the score components,
        per point. The score has mean exactly zero under the model, so this is a
        standard normal in size; ``inf`` when the draws' score does not vary yet is not
        zero (every draw missed the rare outcomes that carry the information).
    identity_z : ndarray or None, shape=[...]
        Largest :math:`|\\overline{t^{s} - t^{h}}| / \\mathrm{SE}` over the entries, per
        point: the information identity :math:`E[ss^\\top] = -E[\\nabla^2\\ell]` tested
        on the draws (``None`` for the score form alone).
    tail_ess : ndarray, shape=[..., dim, dim]
        Effective number of draws behind each standard error, :math:`M_2^2/M_4` (``inf``
        for exact entries); see :meth:`StreamingMoments.tail_ess`.
    critical_z : float
        Threshold of the two z tests (Student-t quantile at a family-wise false-alarm
        rate of 1e-6).
    min_tail_ess : float
        Threshold below which a standard error is reported as untrustworthy.
    problems : tuple of str
        One sentence per failed check (empty when every check passed).
    biased : bool
        True when a z test failed conclusively: the estimate itself, not only its error
        bar, is wrong.
    flagged : ndarray of bool, shape=[...]
        Points where any check failed (for a batch: which estimates to distrust).
    """

    score_mean_z: NDArray
    identity_z: NDArray | None
    tail_ess: NDArray
    critical_z: float
    min_tail_ess: float
    problems: tuple[str, ...] = ()
    biased: bool = False
    flagged: NDArray = field(default_factory=lambda: np.zeros((), dtype=bool))

    @property
    def reliable(self) -> bool:
        """True when every check passed."""
        return not self.problems


@dataclass(frozen=True, eq=False)
class FisherEstimate:
    """An estimate of the Fisher matrix with its error bar; the result of every estimator.

    Attributes
    ----------
    mean : ndarray, shape=[..., dim, dim]
        The estimate :math:`\\hat I`.
    stderr : ndarray, shape=[..., dim, dim]
        Its error bar, entrywise: the standard error :math:`\\hat\\sigma/\\sqrt n` for
        Monte Carlo and given samples (``inf`` from a single draw: the spread is
        unknown), the estimated absolute error for quadrature and summation. Exactly 0
        where the value is exact: terms that do not vary from draw to draw (up to
        round-off, 1e-9 relative), a finite support summed completely.
    n : int
        Number of draws (Monte Carlo, samples) or of integrand evaluations / summed terms
        (quadrature, summation).
    method : str
        The form averaged: ``"score"`` (:math:`ss^\\top`), ``"hessian"``
        (:math:`-\\nabla^2\\ell`) or ``"combined"`` (their variance-minimizing mix).
    estimator : str
        ``"monte_carlo"``, ``"samples"`` (given draws), ``"quadrature"`` or
        ``"summation"``.
    diagnostics : Diagnostics or None
        Checks behind a statistical error bar (``None`` for deterministic estimators).
    """

    mean: NDArray
    stderr: NDArray
    n: int
    method: str
    estimator: str = "monte_carlo"
    diagnostics: Diagnostics | None = None

    @property
    def exact(self) -> NDArray:
        """Entries known without error (``stderr == 0``), shape ``[..., dim, dim]``."""
        return np.asarray(self.stderr) == 0

    def __array__(self, dtype: object = None, copy: bool | None = None) -> NDArray:
        # np.asarray(estimate) is the estimate itself, so array code keeps working
        return np.array(self.mean, dtype=dtype,  # type: ignore[call-overload]
                        copy=True if copy is None else copy)

    def z_scores(self, reference: ArrayLike, atol: float = 0.0, rtol: float = 1e-8
                 ) -> NDArray:
        r"""Entrywise :math:`|\hat I - I_{ref}| / \max(\mathrm{stderr}, \mathrm{atol})`.

        Where that denominator is zero (exact entries, ``atol = 0``) a ratio would only
        measure round-off, so the z-score is 0 if the entries agree to ``rtol`` against
        their natural scale :math:`\max(|\hat I_{ij}|, |I_{ij}|,
        \sqrt{I_{ii} I_{jj}})` and ``inf`` if they do not: an exact entry either matches
        or is wrong.

        Parameters
        ----------
        reference : array-like, shape=[..., dim, dim]
        atol : float
            Floor of the denominator (e.g. the accuracy of the reference itself).
        rtol : float
            Agreement tolerance of exact entries (round-off of the per-draw terms; finite
            differences where a family has no closed-form score or Hessian).

        Returns
        -------
        ndarray, shape=[..., dim, dim]
            Non-negative; ``inf`` marks an exact entry that disagrees.
        """
        ref = np.asarray(reference, dtype=float)
        diff = np.abs(self.mean - ref)
        denom = np.maximum(self.stderr, atol)
        ref_b = np.broadcast_to(ref, np.broadcast_shapes(ref.shape, self.mean.shape))
        scale = np.maximum(np.maximum(np.abs(self.mean), np.abs(ref_b)), natural_scale(ref_b))
        agree = diff <= rtol * scale
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = diff / np.where(denom > 0, denom, 1.0)
        return np.where(denom > 0, ratio, np.where(agree, 0.0, np.inf))

    def __repr__(self) -> str:
        return (f"FisherEstimate(mean={self.mean!r}, stderr={self.stderr!r}, n={self.n}, "
                f"method={self.method!r}, estimator={self.estimator!r})")
