"""The empirical-Fisher examples of Kunstner, Balles & Hennig (NeurIPS 2019).

"Limitations of the empirical Fisher approximation for natural gradient descent":

- linear regression, :math:`N = 1000`, :math:`x \\sim \\mathrm{LogNormal}(0, 0.75)`,
  :math:`y = 2 + 2x + \\varepsilon`, :math:`\\varepsilon \\sim N(0, 1)`: preconditioning the
  gradient with the Fisher gives the Newton step (straight to the minimum) everywhere;
  preconditioning with the empirical Fisher gives steps that are badly distorted in
  direction and length away from the minimum, and agree with Newton only near it;
- a misspecified logistic regression, where the empirical Fisher differs from the Fisher
  even at the maximum-likelihood estimate, because the squared residuals
  :math:`(y - p)^2` do not average to the model variance :math:`p(1-p)`.

Both matrices here are **sums** over the data points (the scale of the summed negative
log-likelihood), so the preconditioned steps are directly comparable to Newton steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int, check_rng
from ..manifolds.regression import AbstractRegression, LinearRegression, LogisticRegression

__all__ = ["GradientFields", "kunstner_linear_regression", "kunstner_fields_on_grid",
           "misspecified_logistic_regression", "regression_empirical_fisher",
           "preconditioned_gradient_fields", "step_angle", "fit_logistic_newton"]


@dataclass(frozen=True)
class GradientFields:
    """Gradient of the summed NLL and its preconditioned steps on a grid of weights.

    Attributes
    ----------
    points : ndarray, shape=[..., d]
    gradient : ndarray, shape=[..., d]
        :math:`\\nabla L(w)`, :math:`L = -\\sum_n \\log p(y_n\\mid x_n, w)`.
    fisher_step : ndarray, shape=[..., d]
        :math:`-(I(w) + \\lambda I)^{-1}\\nabla L`.
    empirical_fisher_step : ndarray, shape=[..., d]
        :math:`-(\\tilde F(w) + \\lambda I)^{-1}\\nabla L`.
    """

    points: NDArray
    gradient: NDArray
    fisher_step: NDArray
    empirical_fisher_step: NDArray


def kunstner_linear_regression(rng: np.random.Generator, n: int = 1000
                               ) -> tuple[LinearRegression, NDArray]:
    """The data set of Kunstner et al. (2019), Fig. 1: model with design ``[1, x]`` and y.

    .. math::

        x_n \\sim \\mathrm{LogNormal}(0, 0.75), \\qquad y_n = 2 + 2x_n + \\varepsilon_n,
        \\quad \\varepsilon_n \\sim N(0, 1)
    """
    rng = check_rng(rng)
    n = check_positive_int(n, "n")
    x = rng.lognormal(0.0, 0.75, n)
    y = 2.0 + 2.0 * x + rng.standard_normal(n)
    return LinearRegression(np.column_stack([np.ones(n), x]), noise_scale=1.0), y


def regression_empirical_fisher(model: AbstractRegression, y: ArrayLike, w: ArrayLike,
                                reduction: str = "sum") -> NDArray:
    r"""Empirical Fisher of a regression over its single responses.

    .. math::

        \tilde F(w) = \sum_{n=1}^N \nabla_w \log p(y_n\mid x_n, w)\,
        \nabla_w \log p(y_n\mid x_n, w)^\top \quad (\text{divided by } N \text{ for "mean"})

    Returns
    -------
    ndarray, shape=[..., d, d]
    """
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be one of ('sum', 'mean'), got {reduction!r}")
    g = model.per_example_scores(y, w)
    ef = np.einsum("...na,...nb->...ab", g, g)
    return ef if reduction == "sum" else ef / model.n_obs


def preconditioned_gradient_fields(model: AbstractRegression, y: ArrayLike, points: ArrayLike,
                                   damping: float = 1e-8) -> GradientFields:
    """Fisher- and empirical-Fisher-preconditioned gradient steps at ``points``.

    .. math::

        \\Delta_F = -(I(w) + \\lambda I)^{-1}\\nabla L(w), \\qquad
        \\Delta_{EF} = -(\\tilde F(w) + \\lambda I)^{-1}\\nabla L(w)

    Parameters
    ----------
    model : LinearRegression or LogisticRegression
    y : array-like, shape=[n]
    points : array-like, shape=[..., d]
        E.g. a grid ``np.stack(np.meshgrid(w0, w1), -1)``.
    damping : float
        :math:`\\lambda \\ge 0`, a small ridge for numerical safety.
    """
    lam = float(as_finite_array(damping, "damping"))
    check_positive(lam, "damping", strict=False)
    w = np.asarray(points, dtype=float)
    grad = model.nll_grad(y, w, reduction="sum")
    eye = lam * np.eye(model.dim)
    fisher = model.metric_matrix(w) + eye
    ef = regression_empirical_fisher(model, y, w) + eye
    grad_b = np.broadcast_to(grad, fisher.shape[:-1])
    return GradientFields(w, grad,
                          -np.linalg.solve(fisher, grad_b[..., None])[..., 0],
                          -np.linalg.solve(ef, grad_b[..., None])[..., 0])


def kunstner_fields_on_grid(rng: np.random.Generator, n: int = 1000, num: int = 15,
                            half_width: float = 3.0, damping: float = 1e-8
                            ) -> tuple[GradientFields, NDArray]:
    """The Fig. 1 set-up in one call: data, MLE and both fields on a square grid.

    Returns
    -------
    fields : GradientFields
        On ``num x num`` points (shape ``[num, num, 2]``) within ``half_width`` of the MLE.
    w_hat : ndarray, shape=[2]
        The least-squares estimate (where the Fisher-preconditioned steps point).
    """
    model, y = kunstner_linear_regression(rng, n)
    w_hat = model.mle(y)
    axes = [np.linspace(c - half_width, c + half_width, check_positive_int(num, "num"))
            for c in w_hat]
    grid = np.stack(np.meshgrid(*axes, indexing="xy"), axis=-1)
    return preconditioned_gradient_fields(model, y, grid, damping), w_hat


def step_angle(u: ArrayLike, v: ArrayLike) -> NDArray:
    """Angle in degrees between vectors ``u`` and ``v`` (last axis), shape ``[...]``."""
    a, b = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    if np.any(na == 0) or np.any(nb == 0):
        raise ValueError("step_angle is undefined for zero vectors")
    cos = np.sum(a * b, axis=-1) / (na * nb)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def fit_logistic_newton(model: LogisticRegression, y: ArrayLike, tol: float = 1e-12,
                        max_iter: int = 100) -> NDArray:
    """Maximum-likelihood weights by Newton's method (= Fisher scoring, canonical link).

    .. math::

        w_{k+1} = w_k + I(w_k)^{-1} \\nabla \\log p(y\\mid w_k)

    Converged when the gradient max-norm is below ``tol`` times the number of
    observations and the last step is negligible; otherwise raises ``RuntimeError`` saying
    why (on linearly separable data the steps never shrink: no MLE exists).
    """
    w = np.zeros(model.dim)
    grad = model.score(y, w)
    for _ in range(check_positive_int(max_iter, "max_iter")):
        try:
            step = np.linalg.solve(model.metric_matrix(w), grad)
        except np.linalg.LinAlgError:
            break  # p(1-p) underflowed: the weights run off to infinity
        w = w + step
        grad = model.score(y, w)
        # both small: on separable data the gradient vanishes but the steps do not
        if (np.max(np.abs(grad)) <= tol * model.n_obs
                and np.max(np.abs(step)) <= 1e-8 * (1.0 + np.max(np.abs(w)))):
            return w
    raise RuntimeError(f"fit_logistic_newton did not converge in {max_iter} iterations "
                       f"(gradient max-norm {np.max(np.abs(grad)):.3g}, weights "
                       f"max-norm {np.max(np.abs(w)):.3g}); the data may be linearly "
                       "separable (the MLE does not exist)")


def misspecified_logistic_regression(rng: np.random.Generator, n: int = 2000
                                     ) -> tuple[LogisticRegression, NDArray]:
    """A logistic regression fitted to labels it cannot model.

    Covariates :math:`x_n \\sim N(0, 1)` with design ``[1, x]``; labels are 1 with
    probability :math:`q(x) = 0.1 + 0.8\\,\\mathbb 1[|x| < 1]` (not monotone in
    :math:`x`), so :math:`E[(y - p)^2 \\mid x] = p(1-p) + (q-p)^2 \\ne p(1-p)` at the
    MLE and the empirical Fisher stays away from the Fisher as :math:`N \\to \\infty`.
    """
    rng = check_rng(rng)
    n = check_positive_int(n, "n")
    x = rng.standard_normal(n)
    q = np.where(np.abs(x) < 1.0, 0.9, 0.1)
    y = (rng.random(n) < q).astype(float)
    return LogisticRegression(np.column_stack([np.ones(n), x])), y
