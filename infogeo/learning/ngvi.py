r"""Natural-gradient variational inference with Gaussian families (the Bayesian learning
rule of Khan & Rue, JMLR 2023).

For :math:`q = N(m, P^{-1})` and a loss :math:`\bar\ell(\theta) = -\log p(D, \theta)`,
minimise :math:`\mathcal L(q) = E_q[\bar\ell] - H(q)` (the negative ELBO). In natural
parameters :math:`\lambda = (Pm, -\tfrac12 P)` with expectation parameters
:math:`\mu = (m,\, mm^\top + P^{-1})`, the natural gradient is the ordinary gradient in
:math:`\mu`, and the step

.. math::

    \lambda \leftarrow (1-\rho)\lambda - \rho\,\nabla_\mu E_q[\bar\ell]

reads, with :math:`\nabla_{\mu_1}E_q\bar\ell = E_q\nabla\bar\ell - E_q[\nabla^2\bar\ell]\,m`
and :math:`\nabla_{\mu_2}E_q\bar\ell = \tfrac12 E_q\nabla^2\bar\ell` (Bonnet and Price
theorems),

.. math::

    P \leftarrow (1-\rho)P + \rho\, E_q[\nabla^2\bar\ell], \qquad
    m \leftarrow m - \rho\, P^{-1} E_q[\nabla\bar\ell]

(Khan & Rue 2023, eqs. 12–13). For a conjugate Gaussian model one step with
:math:`\rho = 1` gives the exact posterior. The diagonal family keeps
:math:`\operatorname{diag}E_q[\nabla^2\bar\ell]`.

A *model* provides ``neg_log_joint(theta)``, ``grad(theta)`` (and optionally ``hess``,
``expected_grad_hess(mean, cov)``) batched over ``theta[..., d]``; see
:mod:`infogeo.learning.bayes_models`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import (
    as_finite_array,
    check_in_interval,
    check_positive,
    check_positive_int,
    check_rng,
)

__all__ = ["GaussianQ", "ELBOEstimate", "VIResult", "gaussian_expectations", "elbo",
           "ngvi_step", "ngvi", "gradient_vi", "gaussian_kl", "natural_parameters",
           "expectation_parameters", "from_natural_parameters"]


class GaussianQ(NamedTuple):
    """:math:`N(\\text{mean}, \\text{precision}^{-1})`; ``precision`` is ``[d, d]`` (full
    family) or ``[d]`` (diagonal family)."""

    mean: NDArray
    precision: NDArray

    @property
    def diagonal(self) -> bool:
        return self.precision.ndim == 1

    @property
    def dim(self) -> int:
        return self.mean.shape[0]

    def full_precision(self) -> NDArray:
        return np.diag(self.precision) if self.diagonal else self.precision

    def covariance(self) -> NDArray:
        return np.linalg.inv(self.full_precision())

    def entropy(self) -> float:
        r""":math:`H = \tfrac d2\log(2\pi e) - \tfrac12\log\det P`."""
        return float(0.5 * self.dim * np.log(2 * np.pi * np.e)
                     - 0.5 * np.linalg.slogdet(self.full_precision())[1])

    def sample(self, n: int, rng: np.random.Generator) -> NDArray:
        """``[n, d]`` draws, :math:`\\theta = m + L^{-\\top}\\varepsilon`, :math:`P = LL^\\top`."""
        eps = check_rng(rng).standard_normal((check_positive_int(n, "n"), self.dim))
        if self.diagonal:
            return self.mean + eps / np.sqrt(self.precision)
        L = np.linalg.cholesky(self.precision)
        return self.mean + np.linalg.solve(L.T, eps.T).T


def _check_q(q: GaussianQ, dim: int | None = None) -> GaussianQ:
    m = as_finite_array(q.mean, "q.mean")
    P = as_finite_array(q.precision, "q.precision")
    d = m.shape[0] if m.ndim == 1 else -1
    if m.ndim != 1 or (dim is not None and d != dim):
        raise ValueError(f"q.mean must have shape [{dim if dim is not None else 'd'}], "
                         f"got {m.shape}")
    if P.shape not in ((d,), (d, d)):
        raise ValueError(f"q.precision must have shape [{d}] or [{d}, {d}], got {P.shape}")
    if P.ndim == 1:
        check_positive(P, "q.precision")
    elif not np.allclose(P, P.T) or np.linalg.eigvalsh(P).min() <= 0:
        raise ValueError("q.precision must be symmetric positive definite")
    return GaussianQ(m, P)


def natural_parameters(q: GaussianQ) -> tuple[NDArray, NDArray]:
    """:math:`(\\lambda_1, \\lambda_2) = (Pm, -\\tfrac12 P)` (full precision)."""
    P = q.full_precision()
    return P @ q.mean, -0.5 * P


def expectation_parameters(q: GaussianQ) -> tuple[NDArray, NDArray]:
    """:math:`(\\mu_1, \\mu_2) = (m, mm^\\top + P^{-1})`."""
    return q.mean.copy(), np.outer(q.mean, q.mean) + q.covariance()


def from_natural_parameters(lam1: ArrayLike, lam2: ArrayLike) -> GaussianQ:
    P = -2.0 * np.asarray(lam2, dtype=float)
    return GaussianQ(np.linalg.solve(P, np.asarray(lam1, dtype=float)), P)


def gaussian_kl(q: GaussianQ, p: GaussianQ) -> float:
    r""":math:`KL(q\|p) = \tfrac12[\operatorname{tr}(P_p\Sigma_q) + (m_p - m_q)^\top P_p
    (m_p - m_q) - d + \log\det P_q - \log\det P_p]`."""
    Pq, Pp = q.full_precision(), p.full_precision()
    dm = p.mean - q.mean
    return float(0.5 * (np.trace(Pp @ np.linalg.inv(Pq)) + dm @ Pp @ dm - q.dim
                        + np.linalg.slogdet(Pq)[1] - np.linalg.slogdet(Pp)[1]))


class Expectations(NamedTuple):
    """:math:`E_q[\\nabla\\bar\\ell]`, :math:`E_q[\\nabla^2\\bar\\ell]` and their Monte Carlo
    standard errors (zeros when computed exactly)."""

    grad: NDArray
    hess: NDArray
    grad_stderr: NDArray
    hess_stderr: NDArray


def gaussian_expectations(model: Any, q: GaussianQ, method: str = "exact",
                          n_samples: int = 100, rng: np.random.Generator | None = None
                          ) -> Expectations:
    r"""Expected gradient and Hessian of :math:`\bar\ell` under ``q``.

    ``method="exact"`` calls ``model.expected_grad_hess(mean, cov)``; ``"monte_carlo"``
    averages ``model.grad`` and ``model.hess`` at ``n_samples`` draws, or — if the model
    has no ``hess`` — uses Stein's lemma, :math:`E[\nabla^2\bar\ell] =
    E[P(\theta - m)\nabla\bar\ell(\theta)^\top]` (symmetrised).
    """
    if method == "exact":
        if not hasattr(model, "expected_grad_hess"):
            raise ValueError(f"method='exact' needs model.expected_grad_hess; "
                             f"{type(model).__name__} has none, use method='monte_carlo'")
        g, H = model.expected_grad_hess(q.mean, q.covariance())
        return Expectations(g, H, np.zeros_like(g), np.zeros_like(H))
    if method != "monte_carlo":
        raise ValueError(f"method must be 'exact' or 'monte_carlo', got {method!r}")
    if rng is None:
        raise TypeError("rng must be a numpy.random.Generator for method='monte_carlo'")
    n = check_positive_int(n_samples, "n_samples")
    if n < 2:
        raise ValueError(f"n_samples must be >= 2 for a standard error, got {n}")
    theta = q.sample(n, rng)
    grads = model.grad(theta)
    if hasattr(model, "hess"):
        hs = model.hess(theta)
    else:
        z = (theta - q.mean) @ q.full_precision()
        hs = 0.5 * (z[:, :, None] * grads[:, None, :] + grads[:, :, None] * z[:, None, :])
    se = np.sqrt(n)
    return Expectations(grads.mean(0), hs.mean(0), grads.std(0, ddof=1) / se,
                        hs.std(0, ddof=1) / se)


class ELBOEstimate(NamedTuple):
    mean: float
    stderr: float


def elbo(model: Any, q: GaussianQ, n_samples: int, rng: np.random.Generator) -> ELBOEstimate:
    r"""Monte Carlo :math:`\text{ELBO} = E_q[\log p(D,\theta)] + H(q)` with its standard
    error (the entropy is exact)."""
    q = _check_q(q, getattr(model, "dim", None))
    n = check_positive_int(n_samples, "n_samples")
    if n < 2:
        raise ValueError(f"n_samples must be >= 2 for a standard error, got {n}")
    values = -model.neg_log_joint(q.sample(n, rng))
    return ELBOEstimate(float(values.mean() + q.entropy()), float(values.std(ddof=1) / np.sqrt(n)))


def ngvi_step(model: Any, q: GaussianQ, step_size: float = 1.0, method: str = "exact",
              n_samples: int = 100, rng: np.random.Generator | None = None) -> GaussianQ:
    """One Bayesian-learning-rule step (module docstring); raises ``ArithmeticError`` if
    the new precision is not positive definite (a non-convex loss with a long step)."""
    check_in_interval(step_size, "step_size", 0.0, 1.0, closed=(False, True))
    e = gaussian_expectations(model, q, method, n_samples, rng)
    if q.diagonal:
        P = (1 - step_size) * q.precision + step_size * np.diag(e.hess)
        if not np.all(P > 0):
            raise ArithmeticError("the updated diagonal precision is not positive")
        return GaussianQ(q.mean - step_size * e.grad / P, P)
    P = (1 - step_size) * q.precision + step_size * 0.5 * (e.hess + e.hess.T)
    try:
        L = np.linalg.cholesky(P)
    except np.linalg.LinAlgError as err:
        raise ArithmeticError("the updated precision is not positive definite") from err
    step = np.linalg.solve(L.T, np.linalg.solve(L, e.grad))
    return GaussianQ(q.mean - step_size * step, P)


class VIResult(NamedTuple):
    """Outcome of :func:`ngvi` / :func:`gradient_vi`: final ``q``, the iterates (``history[0]``
    is the start), whether the successive KL fell below ``tol`` and why it stopped."""

    q: GaussianQ
    n_iter: int
    converged: bool
    reason: str
    history: list


def _run(step_fn: Any, q: GaussianQ, max_iter: int, tol: float) -> VIResult:
    history = [q]
    for it in range(1, max_iter + 1):
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                new = step_fn(q)
        except (ArithmeticError, np.linalg.LinAlgError) as err:
            return VIResult(q, it - 1, False, f"diverged: {err}", history)
        try:
            new = _check_q(new)
        except ValueError as err:  # non-finite or indefinite iterate
            return VIResult(q, it - 1, False, f"diverged: {err}", history)
        change = gaussian_kl(new, q)
        history.append(new)
        q = new
        if not np.isfinite(change):
            return VIResult(q, it, False, "diverged: non-finite KL between iterates", history)
        if change < tol:
            return VIResult(q, it, True, f"KL between iterates {change:.2e} < tol", history)
    return VIResult(q, max_iter, False, "max_iter reached", history)


def ngvi(model: Any, q0: GaussianQ, step_size: float = 1.0, *, max_iter: int = 100,
         tol: float = 1e-10, method: str = "exact", n_samples: int = 100,
         rng: np.random.Generator | None = None) -> VIResult:
    """Iterate :func:`ngvi_step` until :math:`KL(q_{t}\\|q_{t-1})` < ``tol``.

    With Monte Carlo expectations the iterates fluctuate at the scale set by
    ``n_samples`` and ``step_size``; choose ``tol`` above that noise floor.
    """
    q0 = _check_q(q0, getattr(model, "dim", None))
    max_iter = check_positive_int(max_iter, "max_iter")
    check_positive(tol, "tol")
    check_in_interval(step_size, "step_size", 0.0, 1.0, closed=(False, True))
    return _run(lambda q: ngvi_step(model, q, step_size, method, n_samples, rng), q0,
                max_iter, tol)


def gradient_vi(model: Any, q0: GaussianQ, learning_rate: float, *, max_iter: int = 10_000,
                tol: float = 1e-10, method: str = "exact", n_samples: int = 100,
                rng: np.random.Generator | None = None) -> VIResult:
    r"""Plain gradient descent on the negative ELBO in :math:`(m, C)`,
    :math:`\Sigma = CC^\top` (C lower triangular; diagonal for the diagonal family):

    .. math::

        \nabla_m\mathcal L = E_q\nabla\bar\ell,\qquad
        \nabla_C\mathcal L = \operatorname{tril}(E_q[\nabla^2\bar\ell]\,C)
        - \operatorname{diag}(1/C_{ii}),

    the Euclidean baseline the natural gradient is compared with.
    """
    q0 = _check_q(q0, getattr(model, "dim", None))
    check_positive(learning_rate, "learning_rate")
    max_iter = check_positive_int(max_iter, "max_iter")

    def step(q: GaussianQ) -> GaussianQ:
        e = gaussian_expectations(model, q, method, n_samples, rng)
        if q.diagonal:
            c = 1.0 / np.sqrt(q.precision)
            c_new = c - learning_rate * (np.diag(e.hess) * c - 1.0 / c)
            if not np.all(c_new > 0):
                raise ArithmeticError("a scale of the diagonal covariance became <= 0")
            return GaussianQ(q.mean - learning_rate * e.grad, 1.0 / c_new**2)
        C = np.linalg.cholesky(q.covariance())
        grad_c = np.tril(e.hess @ C) - np.diag(1.0 / np.diag(C))
        C_new = C - learning_rate * grad_c
        if not np.all(np.diag(C_new) > 0):
            raise ArithmeticError("the covariance Cholesky factor lost positivity")
        C_inv = np.linalg.inv(C_new)
        return GaussianQ(q.mean - learning_rate * e.grad, C_inv.T @ C_inv)

    return _run(step, q0, max_iter, tol)
