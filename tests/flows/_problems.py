"""Shared test problems for the flows tests (closed forms stated where they are used)."""

from __future__ import annotations

import numpy as np

from infogeo.flows import pull_back
from infogeo.manifolds import Normal

#: data summary of the normal maximum-likelihood problem: mean and (biased) variance
DATA_MEAN, DATA_VAR = 1.0, 0.5
#: mean sufficient statistic T̄ = (mean x, mean x²) = the MLE in expectation coordinates
T_BAR = np.array([DATA_MEAN, DATA_MEAN**2 + DATA_VAR])
MLE = np.array([DATA_MEAN, np.sqrt(DATA_VAR)])
CHARTS = ("mu_sigma", "mu_log_sigma", "natural", "expectation", "mu_var")


def normal_nll(x: np.ndarray) -> float:
    """Average negative log-likelihood (up to ½ log 2π) in the chart (μ, σ).

    .. math:: L(\\mu, \\sigma) = \\log\\sigma + \\frac{(\\mu - \\bar x)^2 + s^2}{2\\sigma^2}
    """
    mu, sigma = x
    return float(np.log(sigma) + ((mu - DATA_MEAN) ** 2 + DATA_VAR) / (2 * sigma**2))


def normal_nll_grad(x: np.ndarray) -> np.ndarray:
    mu, sigma = x
    return np.array([(mu - DATA_MEAN) / sigma**2,
                     1 / sigma - ((mu - DATA_MEAN) ** 2 + DATA_VAR) / sigma**3])


def normal() -> Normal:
    return Normal()


def pull_back_normal(chart: str, x0: np.ndarray):  # noqa: ANN201 - test helper
    """(manifold in chart, loss, gradient, start) of the normal NLL problem in ``chart``."""
    n = Normal()
    other, loss, grad = pull_back(n, normal_nll, normal_nll_grad, chart)
    return other, loss, grad, n.change_chart(x0, chart)
