"""Every estimator rejects bad input with a ValueError/TypeError naming what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.estimators import (
    BlockDiagonalFisher,
    FullFisher,
    KroneckerFactoredFisher,
    empirical_fisher,
    fisher_from_samples,
    fisher_monte_carlo,
    observed_information,
)
from infogeo.manifolds import Normal
from infogeo.manifolds.registry import get_family

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n_samples", [0, -5, 2.5, "10"])
def test_n_samples_must_be_a_positive_integer(n_samples: object) -> None:
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        fisher_monte_carlo(Normal(), [0.0, 1.0], n_samples, RNG)  # type: ignore[arg-type]


def test_other_monte_carlo_arguments() -> None:
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        fisher_monte_carlo(Normal(), [0.0, 1.0], 10, RNG, chunk_size=0)
    with pytest.raises(ValueError, match="method must be one of"):
        fisher_monte_carlo(Normal(), [0.0, 1.0], 10, RNG, method="fisher")
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        fisher_monte_carlo(Normal(), [0.0, 1.0], 10, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="manifold must be a StatisticalManifold"):
        fisher_monte_carlo("normal", [0.0, 1.0], 10, RNG)  # type: ignore[arg-type]


@pytest.mark.parametrize("theta", [[0.0, 1.0, 2.0], [1.0], 3.0])
def test_theta_with_wrong_shape(theta: object) -> None:
    with pytest.raises(ValueError, match=r"theta must have shape \[\.\.\., 2\]"):
        fisher_monte_carlo(Normal(), theta, 10, RNG)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"theta must have shape \[\.\.\., 2\]"):
        empirical_fisher(Normal(), [0.0, 1.0], theta)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "theta", "message"), [
    ("normal", [0.0, -1.0], "theta: sigma must be > 0"),
    ("normal", [np.nan, 1.0], "theta must be finite"),
    ("poisson", [-2.0], "theta"),
    ("bernoulli", [1.5], "theta"),
])
def test_theta_outside_the_parameter_domain(name: str, theta: list[float], message: str
                                            ) -> None:
    m = get_family(name)
    with pytest.raises(ValueError, match=message):
        fisher_monte_carlo(m, theta, 10, RNG)
    with pytest.raises(ValueError, match=message):
        observed_information(m, m.sample(m.random_point(RNG), 3, RNG), theta)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("poisson", [1.0, -1.0, 2.0], "support"),
    ("poisson", [1.0, 2.5], "support|integer"),
    ("exponential", [1.0, -0.3], "must be >= 0"),
    ("bernoulli", [0.0, 2.0], "support|0|1"),
    ("logistic_regression", np.full((2, 20), 0.5), "binary labels"),
])
def test_data_outside_the_support(name: str, data: object, message: str) -> None:
    m = get_family(name)
    theta = m.random_point(np.random.default_rng(1))
    with pytest.raises(ValueError, match=message):
        empirical_fisher(m, data, theta)
    with pytest.raises(ValueError, match=message):
        fisher_from_samples(m, data, theta, method="hessian")


def test_data_with_wrong_shape() -> None:
    m = get_family("linear_regression")
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 20\]"):
        empirical_fisher(m, np.zeros((4, 19)), [0.0, 0.0])
    with pytest.raises(ValueError, match=r"data must have shape \[N, \*event_shape\]"):
        empirical_fisher(m, np.zeros(20), [0.0, 0.0])
    with pytest.raises(ValueError, match=r"data must have shape \[N, \*event_shape\]"):
        empirical_fisher(Normal(), np.zeros(0), [0.0, 1.0])
    with pytest.raises(ValueError, match="must be finite"):
        empirical_fisher(Normal(), [0.0, np.inf], [0.0, 1.0])


def test_one_draw_is_not_enough_for_a_standard_error() -> None:
    with pytest.raises(ValueError, match="n_samples must be >= 2"):
        fisher_monte_carlo(Normal(), [0.0, 1.0], 1, RNG)


@pytest.mark.parametrize("check", ["strict", None, 1])
def test_check_policy_must_be_known(check: object) -> None:
    with pytest.raises(ValueError, match="check must be one of"):
        fisher_monte_carlo(Normal(), [0.0, 1.0], 10, RNG, check=check)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check must be one of"):
        fisher_from_samples(Normal(), [0.0, 1.0], [0.0, 1.0], check=check)  # type: ignore[arg-type]


@pytest.mark.parametrize("func", [empirical_fisher, observed_information, fisher_from_samples])
def test_data_errors_name_the_argument_data(func: object) -> None:
    m = get_family("exponential")
    with pytest.raises(ValueError, match=r"^data\b.*must be >= 0"):
        func(m, [1.0, -0.3], [2.0])  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"^data must be finite"):
        func(Normal(), [0.0, np.nan], [0.0, 1.0])  # type: ignore[operator]


def test_structured_approximations_reject_indefinite_matrices() -> None:
    indefinite = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    with pytest.raises(ValueError, match="matrix must be positive semi-definite"):
        FullFisher(indefinite)
    with pytest.raises(ValueError, match="a must be positive semi-definite"):
        KroneckerFactoredFisher(indefinite, np.eye(2))
    with pytest.raises(ValueError, match="matrix must be positive semi-definite"):
        BlockDiagonalFisher([indefinite], [[0, 1]])
    FullFisher(np.diag([1.0, 0.0]))  # semi-definite is a valid (singular) Fisher matrix
