"""Numeric Fisher estimators, each verified against closed forms.

- :func:`fisher_monte_carlo` — seeded Monte Carlo (score or Hessian form) with standard
  errors, in bounded memory; :func:`fisher_from_samples` for given draws (NumPy or Dask).
- :func:`fisher_quadrature` — deterministic integration / truncated summation for
  families with scalar observations.
- :func:`empirical_fisher`, :func:`observed_information` — data-based matrices (not the
  Fisher information); :func:`finite_difference_score` for log-density-only models.
- EMA mini-batch estimation (:func:`ema_fisher_update`, :func:`minibatch_bias_variance`).
- Structured approximations with one interface (``matrix``, ``solve``, ``inverse``,
  ``memory_bytes``) and :func:`approximation_error`.
- :mod:`~infogeo.estimators.kunstner` — the empirical-Fisher examples of Kunstner et al.
"""

from . import kunstner
from .approximation_error import ApproximationError, approximation_error
from .empirical import (
    default_fd_step,
    empirical_fisher,
    finite_difference_score,
    observed_information,
)
from .minibatch import (
    EMAFisherState,
    MinibatchStudy,
    ema_fisher_estimate,
    ema_fisher_init,
    ema_fisher_update,
    ema_variance_factor,
    minibatch_bias_variance,
)
from .monte_carlo import (
    FisherEstimate,
    StreamingMoments,
    fisher_from_samples,
    fisher_monte_carlo,
    fisher_terms,
)
from .quadrature import QuadratureToleranceWarning, family_support, fisher_quadrature
from .structured import (
    AbstractFisherApproximation,
    BlockDiagonalFisher,
    DiagonalFisher,
    FullFisher,
    KroneckerFactoredFisher,
    LowRankPlusDiagonalFisher,
)

__all__ = [
    "FisherEstimate",
    "StreamingMoments",
    "fisher_monte_carlo",
    "fisher_from_samples",
    "fisher_terms",
    "fisher_quadrature",
    "family_support",
    "QuadratureToleranceWarning",
    "empirical_fisher",
    "observed_information",
    "finite_difference_score",
    "default_fd_step",
    "EMAFisherState",
    "ema_fisher_init",
    "ema_fisher_update",
    "ema_fisher_estimate",
    "ema_variance_factor",
    "MinibatchStudy",
    "minibatch_bias_variance",
    "AbstractFisherApproximation",
    "FullFisher",
    "DiagonalFisher",
    "BlockDiagonalFisher",
    "KroneckerFactoredFisher",
    "LowRankPlusDiagonalFisher",
    "ApproximationError",
    "approximation_error",
    "kunstner",
]
