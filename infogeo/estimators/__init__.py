"""Numeric Fisher estimators: Monte Carlo, quadrature, empirical, structured approximations."""

from .structured import (
    AbstractFisherApproximation,
    ApproximationError,
    BlockDiagonalFisher,
    DiagonalFisher,
    FullFisher,
    KroneckerFactoredFisher,
    LowRankPlusDiagonalFisher,
    approximation_error,
)

__all__ = [
    "AbstractFisherApproximation",
    "FullFisher",
    "DiagonalFisher",
    "BlockDiagonalFisher",
    "KroneckerFactoredFisher",
    "LowRankPlusDiagonalFisher",
    "ApproximationError",
    "approximation_error",
]
