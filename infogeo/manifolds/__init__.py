"""Numeric statistical manifolds: families of distributions with the Fisher metric."""

from .base import StatisticalManifold
from .charts import Chart
from .geodesic_solvers import GeodesicIntegrationError, ShootingError, ShootingResult
from .location_scale import Cauchy, StudentT
from .normal import Normal
from .regression import LinearRegression, LogisticRegression

__all__ = [
    "StatisticalManifold",
    "Chart",
    "ShootingResult",
    "ShootingError",
    "GeodesicIntegrationError",
    "Normal",
    "StudentT",
    "Cauchy",
    "LinearRegression",
    "LogisticRegression",
]
