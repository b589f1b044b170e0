"""Numeric statistical manifolds: families of distributions with the Fisher metric."""

from .base import StatisticalManifold
from .bernoulli import Bernoulli, Binomial
from .beta import Beta
from .categorical import Categorical
from .charts import Chart
from .dirichlet import Dirichlet
from .exponential import Exponential
from .exponential_family import ExponentialFamily, InversionResult
from .gamma import Gamma
from .geodesic_solvers import GeodesicIntegrationError, ShootingError, ShootingResult
from .geometric import Geometric, NegativeBinomial
from .location_scale import Cauchy, StudentT
from .multivariate_normal import FixedMeanNormal, MultivariateNormal
from .normal import Normal
from .onedim import AbstractOneParameterFamily
from .poisson import Poisson
from .regression import LinearRegression, LogisticRegression
from .von_mises import VonMises

__all__ = [
    "StatisticalManifold",
    "Chart",
    "ShootingResult",
    "ShootingError",
    "GeodesicIntegrationError",
    "Normal",
    "StudentT",
    "Cauchy",
    "VonMises",
    "MultivariateNormal",
    "FixedMeanNormal",
    "LinearRegression",
    "LogisticRegression",
    "AbstractOneParameterFamily",
    "Poisson",
    "Exponential",
    "Bernoulli",
    "Binomial",
    "Geometric",
    "NegativeBinomial",
    "Categorical",
    "ExponentialFamily",
    "InversionResult",
    "Gamma",
    "Beta",
    "Dirichlet",
]
