"""Numeric Fisher estimators, each verified against closed forms.

Every estimator returns a :class:`FisherEstimate` (``mean``, ``stderr`` — exactly 0
where the value is exact —, ``n``, ``method``, ``estimator``), and none returns an answer
it cannot vouch for: it is right to its error bar, or refused with a reason
(:class:`~infogeo.errors.UnreliableEstimateError`).

- :func:`fisher_monte_carlo` — seeded Monte Carlo (score, Hessian or combined form) with
  standard errors checked by :mod:`~infogeo.estimators.diagnostics`, in bounded memory;
  :func:`fisher_from_samples` for given draws (NumPy or Dask).
- :func:`fisher_quadrature` — deterministic integration in coordinates without end
  points / truncated summation, for families with scalar observations, with an honest
  error estimate.
- :func:`log_space_view` — Gamma, Beta, Dirichlet observed in log coordinates, where
  float64 holds their draws at every shape.
- :func:`empirical_fisher`, :func:`observed_information` — data-based matrices (not the
  Fisher information); :func:`finite_difference_score` for log-density-only models.
- EMA mini-batch estimation (:func:`ema_fisher_update`, :func:`minibatch_bias_variance`).
- Structured approximations with one interface (``matrix``, ``solve``, ``inverse``,
  ``memory_bytes``) and :func:`approximation_error`.
- :mod:`~infogeo.estimators.kunstner` — the empirical-Fisher examples of Kunstner et al.
"""

from . import kunstner
from .approximation_error import ApproximationError, approximation_error
from .diagnostics import diagnose
from .empirical import (
    default_fd_step,
    empirical_fisher,
    finite_difference_score,
    observed_information,
)
from .log_space import (
    AbstractLogSpaceView,
    BetaLogitView,
    DirichletLogView,
    GammaLogView,
    log_space_view,
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
from .moments import StreamingCoMoment, StreamingMoments
from .monte_carlo import fisher_from_samples, fisher_monte_carlo
from .quadrature import QuadratureToleranceWarning, family_support, fisher_quadrature
from .result import Diagnostics, FisherEstimate
from .structured import (
    AbstractFisherApproximation,
    BlockDiagonalFisher,
    DiagonalFisher,
    FullFisher,
    KroneckerFactoredFisher,
    LowRankPlusDiagonalFisher,
)
from .terms import fisher_terms

__all__ = [
    "FisherEstimate",
    "Diagnostics",
    "diagnose",
    "StreamingMoments",
    "StreamingCoMoment",
    "log_space_view",
    "AbstractLogSpaceView",
    "GammaLogView",
    "BetaLogitView",
    "DirichletLogView",
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
