"""The registry of numeric families that the generic test suites run over.

Adding a family: one line here. Each entry builds a representative instance (fixed
hyper-parameters such as the number of trials are set here).
"""

from __future__ import annotations

from collections.abc import Callable

from .. import manifolds as _f
from .base import StatisticalManifold
from .exponential_family_examples import poisson_exponential_family

__all__ = ["FAMILIES", "get_family"]

FAMILIES: dict[str, Callable[[], StatisticalManifold]] = {
    "normal": lambda: _f.Normal(),
    "student_t": lambda: _f.StudentT(nu=5),
    "cauchy": lambda: _f.Cauchy(),
    "von_mises": lambda: _f.VonMises(),
    "multivariate_normal": lambda: _f.MultivariateNormal(d=2),
    "fixed_mean_normal": lambda: _f.FixedMeanNormal(d=2),
    "fixed_mean_normal_d3": lambda: _f.FixedMeanNormal(d=3, mean=[0.5, -1.0, 2.0]),
    "linear_regression": lambda: _f.LinearRegression(_f.regression.example_design(20, 2),
                                                     noise_scale=0.8),
    "logistic_regression": lambda: _f.LogisticRegression(_f.regression.example_design(20, 2)),
    "poisson": lambda: _f.Poisson(),
    "exponential": lambda: _f.Exponential(),
    "bernoulli": lambda: _f.Bernoulli(),
    "binomial": lambda: _f.Binomial(n_trials=10),
    "geometric": lambda: _f.Geometric(),
    "negative_binomial": lambda: _f.NegativeBinomial(r=3),
    "categorical_3": lambda: _f.Categorical(n_categories=3),
    "categorical_4": lambda: _f.Categorical(n_categories=4),
    "exponential_family_poisson": lambda: poisson_exponential_family(),
    "gamma": lambda: _f.Gamma(),
    "beta": lambda: _f.Beta(),
    "dirichlet": lambda: _f.Dirichlet(k=3),
}


def get_family(name: str) -> StatisticalManifold:
    """Instantiate the registered family ``name``."""
    if name not in FAMILIES:
        raise ValueError(f"name must be one of {sorted(FAMILIES)}, got {name!r}")
    return FAMILIES[name]()
