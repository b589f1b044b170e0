r"""Server-side aggregation rules as plain functions of arrays (no engine needed).

Weights are client example counts :math:`n_k`; every rule normalizes them,
:math:`w_k = n_k/\sum_j n_j`, so that the aggregate of per-client *mean* losses is the
mean loss of the pooled data, :math:`L = \sum_k w_k L_k`, and the damping :math:`\lambda`
is on the scale of the pooled mean-loss Fisher (the step of the summed loss with damping
:math:`N\lambda` is the same step).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.linalg import LinearOperator, cg

from .._checks import as_finite_array, check_positive
from ..errors import ConvergenceError
from .curvature import (
    Curvature,
    average_curvature,
    curvature_kind,
    curvature_matvec,
    curvature_solve,
)

__all__ = ["normalized_weights", "weighted_average", "aggregate_natural_gradient",
           "fisher_merge"]


def normalized_weights(weights: ArrayLike, n: int) -> NDArray:
    """``weights`` (``[n]``, >= 0, positive sum) divided by their sum."""
    w = as_finite_array(weights, "weights")
    if w.shape != (n,):
        raise ValueError(f"weights must have shape ({n},) (one per client), got {w.shape}")
    check_positive(w, "weights", strict=False)
    total = float(w.sum())
    if total <= 0:
        raise ValueError("weights must have a positive sum")
    return w / total


def _stack(vectors: Sequence[ArrayLike], name: str) -> NDArray:
    if len(vectors) == 0:
        raise ValueError(f"{name} must hold at least one client's array")
    arrs = [as_finite_array(v, f"{name}[{k}]") for k, v in enumerate(vectors)]
    shape = arrs[0].shape
    if len(shape) != 1 or any(a.shape != shape for a in arrs):
        raise ValueError(f"{name} must be 1-D arrays of one shape, got "
                         f"{[a.shape for a in arrs]}")
    return np.stack(arrs)


def weighted_average(params: Sequence[ArrayLike], weights: ArrayLike) -> NDArray:
    r"""FedAvg (McMahan et al. 2017, Algorithm 1): :math:`\sum_k w_k\theta_k`."""
    p = _stack(params, "params")
    return normalized_weights(weights, len(p)) @ p


def aggregate_natural_gradient(grads: Sequence[ArrayLike], fishers: Sequence[Curvature],
                               weights: ArrayLike, damping: float) -> NDArray:
    r"""The damped natural-gradient step of the pooled loss from client statistics.

    .. math::

        \Delta = \Big(\sum_k w_k F_k + \lambda I\Big)^{-1} \sum_k w_k g_k,
        \qquad w_k = \frac{n_k}{\sum_j n_j},

    and the server moves :math:`\theta \leftarrow \theta - \eta\,\Delta`. This is
    :math:`(\sum_k n_k F_k + N\lambda I)^{-1}\sum_k n_k g_k` with :math:`N = \sum_k n_k`.
    Because the gradient and the Fisher of a mean loss are example averages, with exact
    Fisher matrices the step equals the centralized natural-gradient step on the pooled
    data, to rounding (Amari 1998; for an exponential family every client's Fisher is the
    same :math:`\nabla^2\psi(\theta)`).

    Parameters
    ----------
    grads : sequence of arrays, shape=[d]
        :math:`g_k`, gradient of client :math:`k`'s mean loss.
    fishers : sequence of arrays [d, d] or [d], or of K-FAC factor lists
        :math:`F_k`: full matrices, diagonals, or per-layer ``(A, G)`` pairs (the
        K-FAC factors are averaged separately, see :mod:`infogeo.federated.curvature`).
    weights : array-like, shape=[K]
        :math:`n_k` (any non-negative numbers with a positive sum).
    damping : float
        :math:`\lambda \ge 0` (Tikhonov); must make the aggregate invertible.

    Returns
    -------
    ndarray, shape=[d]
        :math:`\Delta`.

    Examples
    --------
    >>> import numpy as np
    >>> g = [np.array([1.0, 0.0]), np.array([0.0, 2.0])]
    >>> F = [np.diag([1.0, 1.0]), np.diag([3.0, 1.0])]
    >>> aggregate_natural_gradient(g, F, [1, 1], damping=0.0)
    array([0.25, 1.  ])
    """
    g = _stack(grads, "grads")
    if len(fishers) != len(g):
        raise ValueError(f"fishers must have one entry per client ({len(g)}), "
                         f"got {len(fishers)}")
    damping = float(as_finite_array(damping, "damping"))
    check_positive(damping, "damping", strict=False)
    w = normalized_weights(weights, len(g))
    _check_structures(fishers, g.shape[1])
    return curvature_solve(average_curvature(fishers, w), w @ g, damping)


def _check_structures(fishers: Sequence[Curvature], dim: int) -> None:
    for k, f in enumerate(fishers):
        kind = curvature_kind(f)
        if kind == "kfac":
            size = sum(np.shape(a)[0] * np.shape(gg)[0] for a, gg in f)
        else:
            size = np.shape(f)[0]
            if kind == "exact" and np.shape(f) != (dim, dim):
                raise ValueError(f"fishers[{k}] must have shape ({dim}, {dim}), "
                                 f"got {np.shape(f)}")
        if size != dim:
            raise ValueError(f"fishers[{k}] covers {size} parameters, the gradients {dim}")
        arrays = [x for pair in f for x in pair] if kind == "kfac" else [f]
        for x in arrays:
            as_finite_array(x, f"fishers[{k}]")


def fisher_merge(params: Sequence[ArrayLike], fishers: Sequence[Curvature],
                 weights: ArrayLike, damping: float = 0.0,
                 anchor: ArrayLike | None = None, rtol: float = 1e-10) -> NDArray:
    r"""Fisher-weighted merging of client models (one shot).

    .. math::

        \theta^\star = \Big(\sum_k w_k F_k + \lambda I\Big)^{-1}
        \Big(\sum_k w_k F_k\theta_k + \lambda\,\theta_0\Big),

    the minimizer of :math:`\sum_k \frac{w_k}{2}\lVert\theta-\theta_k\rVert_{F_k}^2 +
    \frac\lambda2\lVert\theta-\theta_0\rVert^2`: each client's model is trusted in the
    directions its own data determine (its Fisher) — the Laplace approximation of each
    client's posterior, multiplied. Matena & Raffel (2022), *Merging models with
    Fisher-weighted averaging* (NeurIPS; diagonal Fisher); Jhunjhunwala et al. (2023),
    *FedFisher: leveraging Fisher information for one-shot federated learning*
    (diagonal and K-FAC Fisher).

    Diagonal: elementwise; exact: one linear solve; K-FAC: :math:`\sum_k w_k
    A_k\otimes G_k` is not a Kronecker product, so the system is solved by conjugate
    gradients with Kronecker matrix-vector products (FedFisher solves it iteratively too).

    Parameters
    ----------
    params : sequence of arrays, shape=[d]
        :math:`\theta_k`.
    fishers : as in :func:`aggregate_natural_gradient`, each at :math:`\theta_k`.
    weights : array-like, shape=[K]
    damping : float
        :math:`\lambda \ge 0`, pulling toward ``anchor`` :math:`\theta_0` (default 0) in
        directions no client's Fisher determines.
    rtol : float
        Relative residual of the conjugate-gradient solve (K-FAC only).

    Examples
    --------
    >>> import numpy as np
    >>> fisher_merge([np.array([0.0, 0.0]), np.array([1.0, 1.0])],
    ...              [np.array([1.0, 3.0]), np.array([3.0, 1.0])], [1, 1])
    array([0.75, 0.25])
    """
    p = _stack(params, "params")
    if len(fishers) != len(p):
        raise ValueError(f"fishers must have one entry per client ({len(p)}), "
                         f"got {len(fishers)}")
    damping = float(as_finite_array(damping, "damping"))
    check_positive(damping, "damping", strict=False)
    w = normalized_weights(weights, len(p))
    _check_structures(fishers, p.shape[1])
    theta0 = np.zeros(p.shape[1]) if anchor is None else as_finite_array(anchor, "anchor")
    rhs = sum(wk * curvature_matvec(f, pk) for wk, f, pk in zip(w, fishers, p, strict=True))
    rhs = rhs + damping * theta0
    if curvature_kind(fishers[0]) != "kfac":
        return curvature_solve(average_curvature(fishers, w), rhs, damping)

    def matvec(v: NDArray) -> NDArray:
        return sum(wk * curvature_matvec(f, v) for wk, f in zip(w, fishers, strict=True)) \
            + damping * v

    op = LinearOperator((p.shape[1], p.shape[1]), matvec=matvec, dtype=float)
    x0 = w @ p  # FedAvg as the starting point
    sol, info = cg(op, rhs, x0=x0, rtol=rtol, atol=0.0, maxiter=20 * p.shape[1])
    if info != 0:
        raise ConvergenceError(f"fisher_merge: conjugate gradients did not reach rtol={rtol} "
                               f"in {20 * p.shape[1]} iterations; increase damping")
    return sol
