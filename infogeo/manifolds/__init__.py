"""Numeric statistical manifolds: families of distributions with the Fisher metric.

Every family module of this package is found by :mod:`.registry`; a family whose module
is not imported below is exported here all the same (adding a family is adding its file).
"""

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


def _export_declared_families() -> None:
    from . import registry

    for cls in registry.family_classes():
        if cls.__name__ not in globals():
            globals()[cls.__name__] = cls
            __all__.append(cls.__name__)


_export_declared_families()
