"""Between parametric families and the space of densities.

A family :math:`\\theta \\mapsto p_\\theta` is a finite-dimensional submanifold of the
densities. Its Fisher matrix is the pull-back of the Fisher–Rao (round) metric by the
embedding :math:`\\theta \\mapsto 2\\sqrt{p_\\theta}`, and a density is projected onto the
family by minimizing a divergence to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int
from ..manifolds import StatisticalManifold
from ._validate import check_density, check_weights, integrate
from .family_grid import FamilyGrid, family_density
from .geometry import fisher_rao_distance

__all__ = ["pullback_fisher", "project", "ProjectionResult"]


def _embedding_jacobian(manifold: StatisticalManifold, theta: NDArray, grid: FamilyGrid,
                        rel_step: float) -> NDArray:
    """:math:`\\partial_i\\sqrt{p_\\theta}(x_k)`, shape ``[dim, *grid_shape]``, by central
    differences with one Richardson extrapolation (error O(h⁴))."""
    def root(t: NDArray) -> NDArray:
        return np.sqrt(family_density(manifold, t, grid))

    rows = []
    for i in range(manifold.dim):
        h = rel_step * max(abs(float(theta[i])), 1.0)
        while True:
            e = np.zeros_like(theta)
            e[i] = h
            try:
                diffs = [(root(theta + s * e) - root(theta - s * e)) / (2 * s * h)
                         for s in (1.0, 0.5)]
                break
            except ValueError:  # a step left the parameter domain: shrink it
                h *= 0.1
                if h < 1e-12 * max(abs(float(theta[i])), 1.0):
                    raise
        rows.append((4.0 * diffs[1] - diffs[0]) / 3.0)
    return np.stack(rows)


def pullback_fisher(manifold: StatisticalManifold, theta: ArrayLike, grid: FamilyGrid,
                    method: str = "finite_difference", rel_step: float = 1e-3) -> NDArray:
    """Fisher matrix of a family as the pull-back of the non-parametric metric.

    .. math::

        I_{ij}(\\theta) = 4\\int \\partial_i\\sqrt{p_\\theta}\\;\\partial_j\\sqrt{p_\\theta}\\,dx
        = \\int p_\\theta\\,\\partial_i\\ell\\,\\partial_j\\ell\\,dx ,

    the metric :math:`\\langle u, v\\rangle_p = \\int uv/p` (equivalently the round metric of
    :math:`2\\sqrt p`) restricted to the tangent vectors :math:`u = \\partial_i p_\\theta`
    (Amari & Nagaoka, *Methods of Information Geometry*, 2000, §2.2).

    Parameters
    ----------
    manifold : StatisticalManifold
        Any numeric family with ``log_prob`` (in its current chart).
    theta : array-like, shape=[dim]
    grid : FamilyGrid
        Quadrature on the data space (:func:`family_grid`).
    method : {"finite_difference", "score"}
        ``"finite_difference"`` differentiates the embedding :math:`\\theta\\mapsto
        \\sqrt{p_\\theta}` on the grid (central differences, Richardson-extrapolated);
        ``"score"`` uses :math:`\\partial_i\\sqrt p = \\tfrac12\\sqrt p\\,\\partial_i\\ell`
        with ``manifold.score``.
    rel_step : float
        Finite-difference step relative to :math:`\\max(|\\theta_i|, 1)`.

    Returns
    -------
    ndarray, shape=[dim, dim]
    """
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (manifold.dim,):
        raise ValueError(f"theta must have shape ({manifold.dim},), got {theta.shape}")
    manifold.metric_matrix(theta)  # validates theta against the parameter domain
    w = check_weights(grid.weights, "grid.weights")
    if method == "finite_difference":
        jac = _embedding_jacobian(manifold, theta, grid, rel_step)
    elif method == "score":
        dens = family_density(manifold, theta, grid)
        with np.errstate(over="ignore", invalid="ignore"):
            score = np.moveaxis(manifold.score(grid.nodes, theta), -1, 0)
        jac = np.where(dens > 0, 0.5 * np.sqrt(dens) * score, 0.0)
    else:
        raise ValueError(f"method must be 'finite_difference' or 'score', got {method!r}")
    flat = jac.reshape(manifold.dim, -1)
    return 4.0 * (flat * w.reshape(-1)) @ flat.T


@dataclass(frozen=True)
class ProjectionResult:
    """The parameter of the family closest to a density, and how the search ended.

    Attributes
    ----------
    theta : ndarray, shape=[dim]
        The projection (current chart of the manifold).
    distance : float
        Fisher–Rao distance from the density to :math:`p_\\theta` on the grid.
    objective : float
        The minimized divergence at ``theta``: :math:`d_{FR}` or :math:`KL(p\\|p_\\theta)`.
    converged : bool
        Whether the natural-gradient step fell below ``tol`` (in the Fisher norm).
    n_iter : int
    message : str
    """

    theta: NDArray
    distance: float
    objective: float
    converged: bool
    n_iter: int
    message: str


def _objective_and_gradient(manifold, theta, p, grid, w, divergence):  # noqa: ANN001, ANN202
    """The divergence to minimize and the negative of its gradient in θ."""
    q = family_density(manifold, theta, grid)
    q = q / integrate(q, w)
    with np.errstate(over="ignore", invalid="ignore"):
        score = np.moveaxis(manifold.score(grid.nodes, theta), -1, 0)
    if divergence == "fisher_rao":
        bc = integrate(np.sqrt(p * q), w)
        # d = 2 arccos BC decreases with BC; ascend BC with the Newton scaling 4 (see below)
        return -float(bc), 0.5 * integrate(np.where(q > 0, np.sqrt(p * q) * score, 0.0), w)
    log_q = np.log(np.where(q > 0, q, 1.0))
    if np.any((p > 0) & (q == 0)):
        return np.inf, None
    return (float(-integrate(np.where(p > 0, p * log_q, 0.0), w)),
            integrate(np.where(p > 0, p * score, 0.0), w))


def project(p: ArrayLike, grid: FamilyGrid, manifold: StatisticalManifold,
            theta0: ArrayLike, divergence: str = "fisher_rao", tol: float = 1e-10,
            max_iter: int = 200) -> ProjectionResult:
    """Project a density onto a parametric family.

    .. math::

        \\hat\\theta = \\arg\\min_\\theta d_{FR}(p, p_\\theta)
        \\quad\\text{or}\\quad \\arg\\min_\\theta KL(p\\,\\|\\,p_\\theta),

    by natural-gradient (Fisher-scoring) steps :math:`\\theta \\leftarrow \\theta + \\alpha
    I(\\theta)^{-1} g` with backtracking on α (the domain is respected and the objective
    decreases). For the Fisher–Rao projection :math:`g = 4\\nabla_\\theta BC` — the Newton
    step when p is in the family, since :math:`BC = \\cos(d/2) \\approx 1 - \\tfrac18
    \\delta^\\top I\\delta`; for KL, :math:`g = \\int p\\,\\nabla_\\theta\\ell` (Fisher scoring;
    the KL projection onto an exponential family matches the expected sufficient
    statistics, Amari & Nagaoka 2000, §3.5).

    Parameters
    ----------
    p : array-like, shape=grid_shape
        The density on the grid nodes (rescaled to unit mass).
    grid : FamilyGrid
        Quadrature on the family's data space (:func:`family_grid`).
    manifold : StatisticalManifold
    theta0 : array-like, shape=[dim]
        Starting parameter (current chart).
    divergence : {"fisher_rao", "kl"}
    tol : float
        Stop when the natural-gradient step has Fisher norm below ``tol``.
    max_iter : int

    Returns
    -------
    ProjectionResult
    """
    w = check_weights(grid.weights, "grid.weights")
    dens = check_density(p, w, "p")
    if dens.shape != w.shape:
        raise ValueError(f"p must have the grid shape {w.shape}, got {dens.shape}")
    if divergence not in ("fisher_rao", "kl"):
        raise ValueError(f"divergence must be 'fisher_rao' or 'kl', got {divergence!r}")
    max_iter = check_positive_int(max_iter, "max_iter")
    theta = np.asarray(theta0, dtype=float)
    manifold.metric_matrix(theta)  # validates theta0
    scaling = 4.0 if divergence == "fisher_rao" else 1.0
    value, grad = _objective_and_gradient(manifold, theta, dens, grid, w, divergence)
    if not np.isfinite(value):
        raise ValueError("theta0: the family's density vanishes where p has mass (infinite KL)")
    converged, message, it = False, f"reached max_iter = {max_iter}", 0
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` is reported after the loop
        metric = manifold.metric_matrix(theta)
        step = scaling * np.linalg.solve(metric, grad)
        size = float(np.sqrt(max(step @ metric @ step, 0.0)))
        if size < tol:
            converged, message = True, f"natural-gradient step {size:.2e} < tol = {tol:.1e}"
            break
        alpha = 1.0
        while alpha > 1e-12:
            trial = theta + alpha * step
            try:
                new_value, new_grad = _objective_and_gradient(manifold, trial, dens, grid, w,
                                                              divergence)
            except ValueError:  # outside the parameter domain
                new_value = np.inf
            # non-increase up to rounding: at the minimum the change is below eps·|value|
            if np.isfinite(new_value) and new_value <= value + 8 * np.finfo(float).eps * abs(
                    value):
                break
            alpha *= 0.5
        else:
            message = "line search failed: no step decreases the divergence (at a minimum " \
                      "to rounding, or the gradient is inaccurate)"
            converged = size < 1e-6
            break
        theta, value, grad = trial, new_value, new_grad
    q = family_density(manifold, theta, grid)
    distance = float(fisher_rao_distance(dens, q, w))
    objective = distance if divergence == "fisher_rao" else float(
        value + integrate(np.where(dens > 0, dens * np.log(np.where(dens > 0, dens, 1.0)), 0.0),
                          w))
    return ProjectionResult(theta, distance, objective, converged, it, message)
