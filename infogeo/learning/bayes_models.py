r"""Bayesian regression models for variational inference tests and benchmarks.

Each model exposes the negative log joint :math:`\bar\ell(\theta) = -\log p(D, \theta)`
(batched over ``theta[..., d]``) with its gradient and Hessian, and the Gaussian
expectations :math:`E_{N(m, \Sigma)}[\nabla\bar\ell]`, :math:`E[\nabla^2\bar\ell]` in
closed form or by one-dimensional Gauss–Hermite quadrature (generalised linear models only
depend on :math:`\theta` through :math:`x_n^\top\theta \sim N(x_n^\top m, x_n^\top\Sigma x_n)`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int

__all__ = ["BayesianLinearRegression", "BayesianLogisticRegression", "GaussianPosterior"]


class GaussianPosterior(NamedTuple):
    """A Gaussian :math:`N(\\text{mean}, \\text{precision}^{-1})`."""

    mean: NDArray
    precision: NDArray


def _design_and_prior(X: ArrayLike, prior_mean: ArrayLike | None,
                      prior_precision: ArrayLike) -> tuple[NDArray, NDArray, NDArray]:
    X = as_finite_array(X, "X")
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"X must have shape [N, d] with N >= 1, got {X.shape}")
    d = X.shape[1]
    m0 = np.zeros(d) if prior_mean is None else as_finite_array(prior_mean, "prior_mean")
    if m0.shape != (d,):
        raise ValueError(f"prior_mean must have shape [{d}], got {m0.shape}")
    P0 = as_finite_array(prior_precision, "prior_precision")
    if P0.ndim == 0:
        check_positive(P0, "prior_precision")
        P0 = float(P0) * np.eye(d)
    if P0.shape != (d, d):
        raise ValueError(f"prior_precision must be a scalar or [{d}, {d}], got {P0.shape}")
    if not np.allclose(P0, P0.T) or np.linalg.eigvalsh(P0).min() <= 0:
        raise ValueError("prior_precision must be symmetric positive definite")
    return X, m0, P0


def _sigmoid(z: NDArray) -> NDArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow for large |z|


class BayesianLinearRegression:
    r""":math:`y = X\theta + \varepsilon`, :math:`\varepsilon\sim N(0, \sigma^2 I)`,
    prior :math:`\theta \sim N(m_0, \Lambda_0^{-1})`. Conjugate:

    .. math::

        \Lambda = \Lambda_0 + X^\top X/\sigma^2, \qquad
        m = \Lambda^{-1}(\Lambda_0 m_0 + X^\top y/\sigma^2)

    (Bishop, *Pattern Recognition and Machine Learning*, eqs. 3.50–3.51), and the log
    evidence :math:`\log N(y;\, X m_0,\; \sigma^2 I + X\Lambda_0^{-1}X^\top)` (eq. 3.86).
    """

    def __init__(self, X: ArrayLike, y: ArrayLike, noise_std: float = 1.0,
                 prior_precision: ArrayLike = 1.0, prior_mean: ArrayLike | None = None) -> None:
        self.X, self.prior_mean, self.prior_precision = _design_and_prior(
            X, prior_mean, prior_precision)
        self.y = as_finite_array(y, "y")
        if self.y.shape != (self.X.shape[0],):
            raise ValueError(f"y must have shape [{self.X.shape[0]}], got {self.y.shape}")
        check_positive(noise_std, "noise_std")
        self.noise_var = float(noise_std) ** 2
        self.dim = self.X.shape[1]

    def neg_log_joint(self, theta: ArrayLike) -> NDArray:
        t = np.asarray(theta, dtype=float)
        r = self.y - t @ self.X.T
        dt = t - self.prior_mean
        n = self.X.shape[0]
        return (0.5 * np.sum(r**2, axis=-1) / self.noise_var
                + 0.5 * np.einsum("...i,ij,...j->...", dt, self.prior_precision, dt)
                + 0.5 * n * np.log(2 * np.pi * self.noise_var)
                + 0.5 * self.dim * np.log(2 * np.pi)
                - 0.5 * np.linalg.slogdet(self.prior_precision)[1])

    def grad(self, theta: ArrayLike) -> NDArray:
        t = np.asarray(theta, dtype=float)
        return ((t @ self.X.T - self.y) @ self.X / self.noise_var
                + (t - self.prior_mean) @ self.prior_precision)

    def hess(self, theta: ArrayLike) -> NDArray:
        t = np.asarray(theta, dtype=float)
        H = self.X.T @ self.X / self.noise_var + self.prior_precision
        return np.broadcast_to(H, t.shape[:-1] + H.shape)

    def expected_grad_hess(self, mean: NDArray, cov: NDArray) -> tuple[NDArray, NDArray]:
        """Exact: the gradient is affine and the Hessian constant."""
        return self.grad(mean), self.hess(mean)

    def posterior(self) -> GaussianPosterior:
        P = self.prior_precision + self.X.T @ self.X / self.noise_var
        b = self.prior_precision @ self.prior_mean + self.X.T @ self.y / self.noise_var
        return GaussianPosterior(np.linalg.solve(P, b), P)

    def log_evidence(self) -> float:
        from scipy.stats import multivariate_normal
        cov = (self.noise_var * np.eye(self.X.shape[0])
               + self.X @ np.linalg.solve(self.prior_precision, self.X.T))
        return float(multivariate_normal(self.X @ self.prior_mean, cov).logpdf(self.y))


class BayesianLogisticRegression:
    r"""Labels :math:`y_n\in\{0,1\}`, :math:`p(y_n = 1) = \sigma(x_n^\top\theta)`, prior
    :math:`N(m_0, \Lambda_0^{-1})`:

    .. math::

        \bar\ell(\theta) = \sum_n \big[\log(1 + e^{x_n^\top\theta}) - y_n x_n^\top\theta\big]
        + \tfrac12(\theta - m_0)^\top\Lambda_0(\theta - m_0) + \text{const},\qquad
        \nabla^2\bar\ell = X^\top\operatorname{diag}(\sigma(1-\sigma))X + \Lambda_0 .

    ``expected_grad_hess`` uses ``n_quadrature``-point Gauss–Hermite quadrature along each
    :math:`x_n^\top\theta`.
    """

    def __init__(self, X: ArrayLike, y: ArrayLike, prior_precision: ArrayLike = 1.0,
                 prior_mean: ArrayLike | None = None, n_quadrature: int = 64) -> None:
        self.X, self.prior_mean, self.prior_precision = _design_and_prior(
            X, prior_mean, prior_precision)
        self.y = as_finite_array(y, "y")
        if self.y.shape != (self.X.shape[0],):
            raise ValueError(f"y must have shape [{self.X.shape[0]}], got {self.y.shape}")
        bad = (self.y != 0) & (self.y != 1)
        if np.any(bad):
            raise ValueError(f"y must hold labels 0 or 1, got {self.y[bad][0]!r}")
        self.dim = self.X.shape[1]
        nodes, weights = hermegauss(check_positive_int(n_quadrature, "n_quadrature"))
        self._nodes, self._weights = nodes, weights / np.sqrt(2 * np.pi)

    def neg_log_joint(self, theta: ArrayLike) -> NDArray:
        t = np.asarray(theta, dtype=float)
        z = t @ self.X.T
        dt = t - self.prior_mean
        return (np.sum(np.logaddexp(0.0, z) - self.y * z, axis=-1)
                + 0.5 * np.einsum("...i,ij,...j->...", dt, self.prior_precision, dt)
                + 0.5 * self.dim * np.log(2 * np.pi)
                - 0.5 * np.linalg.slogdet(self.prior_precision)[1])

    def grad(self, theta: ArrayLike) -> NDArray:
        t = np.asarray(theta, dtype=float)
        return ((_sigmoid(t @ self.X.T) - self.y) @ self.X
                + (t - self.prior_mean) @ self.prior_precision)

    def hess(self, theta: ArrayLike) -> NDArray:
        t = np.asarray(theta, dtype=float)
        s = _sigmoid(t @ self.X.T)
        return np.einsum("...n,ni,nj->...ij", s * (1 - s), self.X, self.X) + self.prior_precision

    def expected_grad_hess(self, mean: NDArray, cov: NDArray) -> tuple[NDArray, NDArray]:
        r""":math:`E[\sigma(z_n)]`, :math:`E[\sigma'(z_n)]` with
        :math:`z_n\sim N(x_n^\top m, x_n^\top\Sigma x_n)` by Gauss–Hermite quadrature."""
        mu = self.X @ mean
        sd = np.sqrt(np.maximum(np.einsum("ni,ij,nj->n", self.X, cov, self.X), 0.0))
        s = _sigmoid(mu[:, None] + sd[:, None] * self._nodes[None, :])
        e_s = s @ self._weights
        e_ds = (s * (1 - s)) @ self._weights
        g = (e_s - self.y) @ self.X + self.prior_precision @ (mean - self.prior_mean)
        H = (self.X * e_ds[:, None]).T @ self.X + self.prior_precision
        return g, H

    def laplace(self, max_iter: int = 100, tol: float = 1e-12) -> GaussianPosterior:
        """Newton's method to the MAP, precision = Hessian there (Laplace approximation).

        The loss is strictly convex (positive-definite prior), so Newton converges; an
        ``ArithmeticError`` reports the case where it did not within ``max_iter``."""
        theta = self.prior_mean.copy()
        for _ in range(check_positive_int(max_iter, "max_iter")):
            step = np.linalg.solve(self.hess(theta), self.grad(theta))
            theta = theta - step
            if np.linalg.norm(step) < tol * (1 + np.linalg.norm(theta)):
                return GaussianPosterior(theta, self.hess(theta))
        raise ArithmeticError(f"Newton's method for the MAP did not converge in {max_iter} "
                              "iterations")
