"""Fisher–Rao geometry of densities: the sphere of square-root densities.

The map :math:`p \\mapsto \\xi = 2\\sqrt p` sends densities onto the positive part of the
sphere of radius 2 in :math:`L^2`, isometrically for the Fisher–Rao metric

.. math::

    \\langle u, v\\rangle_p = \\int \\frac{u\\,v}{p}\\,dx
    = \\int \\delta\\xi_u\\,\\delta\\xi_v\\,dx, \\qquad \\delta\\xi_u = u/\\sqrt p ,

so distances are great-circle arcs (Bhattacharyya angles), geodesics are great circles
of :math:`\\sqrt p` and exp/log are those of the round sphere. Tangent vectors at p are
density perturbations u with :math:`\\int u = 0` that vanish where p does.

Sources: Č. N. Čencov (Chentsov), *Statistical Decision Rules and Optimal Inference*
(1982); A. Bhattacharyya, Bull. Calcutta Math. Soc. 35 (1943); A. Srivastava, I. Jermyn &
S. Joshi, "Riemannian analysis of probability density functions with applications in
vision", CVPR 2007; M. Bauer, M. Bruveris & P. Michor, "Uniqueness of the Fisher–Rao
metric on the space of smooth densities", Bull. LMS 48 (2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive_int
from ._validate import check_density, check_weights, grid_axes, integrate

__all__ = [
    "bhattacharyya_coefficient",
    "fisher_rao_distance",
    "geodesic",
    "exp",
    "log",
    "inner_product",
    "norm",
    "frechet_mean",
    "FrechetMeanResult",
]


def _unit(p: ArrayLike, w: NDArray, name: str) -> NDArray:
    """:math:`\\sqrt p` of the normalized density: a unit vector of :math:`L^2(w)`."""
    dens = check_density(p, w, name)  # a fresh array: take the root in place
    return np.sqrt(dens, out=dens)


def _dot(a: NDArray, b: NDArray, w: NDArray) -> NDArray:
    return integrate(a * b, w)


def _expand(values: NDArray, w: NDArray) -> NDArray:
    return np.expand_dims(values, grid_axes(w))


def _angle(a: NDArray, b: NDArray, w: NDArray) -> NDArray:
    """Great-circle angle of unit vectors, :math:`2\\arcsin(\\|a-b\\|/2)` (no cancellation
    for nearby points, unlike :math:`\\arccos\\langle a, b\\rangle`)."""
    diff = a - b
    chord = np.sqrt(np.maximum(integrate(np.square(diff, out=diff), w), 0.0))
    return 2.0 * np.arcsin(np.minimum(0.5 * chord, 1.0))


def bhattacharyya_coefficient(p: ArrayLike, q: ArrayLike, weights: ArrayLike) -> NDArray:
    """:math:`BC(p, q) = \\int\\sqrt{p\\,q}\\,dx` of the normalized densities, shape ``[...]``.

    Parameters
    ----------
    p, q : array-like, shape=[..., \\*grid_shape]
        Nonnegative density values on the grid (rescaled to unit quadrature mass).
    weights : array-like, shape=grid_shape
        Positive quadrature weights.
    """
    w = check_weights(weights)
    return _dot(_unit(p, w, "p"), _unit(q, w, "q"), w)


def fisher_rao_distance(p: ArrayLike, q: ArrayLike, weights: ArrayLike) -> NDArray:
    """Fisher–Rao distance between two densities on a quadrature.

    .. math::

        d(p, q) = 2\\arccos\\int\\sqrt{p\\,q}\\,dx
        = 4\\arcsin\\left(\\tfrac12\\big\\|\\sqrt p - \\sqrt q\\big\\|_{L^2}\\right)
        \\in [0, \\pi],

    the arc length between :math:`2\\sqrt p` and :math:`2\\sqrt q` on the sphere of radius 2
    (computed with the second form, accurate for nearby densities).

    Parameters
    ----------
    p, q : array-like, shape=[..., \\*grid_shape]
        Nonnegative density values on the grid nodes (batches broadcast); each is rescaled
        to unit quadrature mass.
    weights : array-like, shape=grid_shape
        Positive quadrature weights (:func:`grid_weights`, histogram bin widths,
        :func:`importance_weights`).

    Returns
    -------
    ndarray, shape=[...]

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> x = np.linspace(-12, 12, 2001); w = ig.nonparametric.grid_weights(x)
    >>> p, q = np.exp(-x**2 / 2), np.exp(-(x - 1)**2 / 2)
    >>> bool(np.isclose(ig.nonparametric.fisher_rao_distance(p, q, w), 2 * np.arccos(np.exp(-1/8))))
    True
    """
    w = check_weights(weights)
    return 2.0 * _angle(_unit(p, w, "p"), _unit(q, w, "q"), w)


def _sin_ratio(s: ArrayLike, theta: NDArray) -> NDArray:
    """:math:`\\sin(s\\theta)/\\sin\\theta`, continuous at θ = 0 (where it is s)."""
    return s * np.sinc(s * theta / np.pi) / np.sinc(theta / np.pi)


def geodesic(p: ArrayLike, q: ArrayLike, t: ArrayLike, weights: ArrayLike) -> NDArray:
    """Densities along the Fisher–Rao geodesic (great circle of :math:`\\sqrt p`) from p to q.

    .. math::

        \\sqrt{p_t} = \\frac{\\sin((1-t)\\theta)\\sqrt p + \\sin(t\\theta)\\sqrt q}{\\sin\\theta},
        \\qquad \\theta = \\tfrac12 d(p, q),

    normalized for every t, with :math:`d(p_s, p_t) = |s - t|\\,d(p, q)`; t outside [0, 1]
    continues the great circle.

    Parameters
    ----------
    p, q : array-like, shape=[..., \\*grid_shape]
    t : float or array-like, shape=[T]
    weights : array-like, shape=grid_shape

    Returns
    -------
    ndarray, shape=[..., \\*grid_shape] for a scalar t, [..., T, \\*grid_shape] otherwise
    """
    w = check_weights(weights)
    a, b = np.broadcast_arrays(_unit(p, w, "p"), _unit(q, w, "q"))
    times = as_finite_array(t, "t")
    if times.ndim > 1:
        raise ValueError(f"t must be a scalar or a 1-D array of times, got shape {times.shape}")
    theta = _expand(_angle(a, b, w), w)
    if times.ndim == 1:
        a, b, theta = (np.expand_dims(z, -w.ndim - 1) for z in (a, b, theta))
        times = times.reshape((-1,) + (1,) * w.ndim)
    root = _sin_ratio(1.0 - times, theta) * a + _sin_ratio(times, theta) * b
    return root**2


def _check_tangent(u: ArrayLike, root: NDArray, w: NDArray, name: str) -> NDArray:
    vec = as_finite_array(u, name)
    if vec.shape[vec.ndim - w.ndim:] != w.shape or vec.ndim < w.ndim:
        raise ValueError(f"{name} must have the grid shape {w.shape} in its trailing axes, "
                         f"got {vec.shape}")
    root = np.broadcast_to(root, np.broadcast_shapes(root.shape, vec.shape))
    if np.any((root == 0) & (vec != 0)):
        raise ValueError(f"{name} must vanish where the base density is zero "
                         "(a tangent vector cannot move mass outside the support)")
    scale = integrate(np.abs(vec), w) + 1e-300
    if np.any(np.abs(integrate(vec, w)) > 1e-8 * np.maximum(scale, 1.0)):
        raise ValueError(f"{name} must integrate to 0 (tangent to the normalized densities), "
                         f"got sum(weights * {name}) = {np.max(np.abs(integrate(vec, w)))!r}")
    return vec


def _half_velocity(u: NDArray, root: NDArray) -> NDArray:
    """The velocity :math:`u/(2\\sqrt p)` of the unit vector :math:`\\sqrt p`."""
    safe = np.where(root > 0, root, 1.0)
    return np.where(root > 0, 0.5 * u / safe, 0.0)


def inner_product(u: ArrayLike, v: ArrayLike, base_point: ArrayLike,
                  weights: ArrayLike) -> NDArray:
    """Fisher–Rao inner product :math:`\\langle u, v\\rangle_p = \\int uv/p\\,dx`, shape ``[...]``.

    Parameters
    ----------
    u, v : array-like, shape=[..., \\*grid_shape]
        Density perturbations with zero integral that vanish where ``base_point`` does.
    base_point : array-like, shape=[..., \\*grid_shape]
    weights : array-like, shape=grid_shape
    """
    w = check_weights(weights)
    root = _unit(base_point, w, "base_point")
    du = _half_velocity(_check_tangent(u, root, w, "u"), root)
    dv = _half_velocity(_check_tangent(v, root, w, "v"), root)
    return 4.0 * _dot(du, dv, w)


def norm(u: ArrayLike, base_point: ArrayLike, weights: ArrayLike) -> NDArray:
    """:math:`\\|u\\|_p = \\sqrt{\\int u^2/p\\,dx}`, shape ``[...]``."""
    return np.sqrt(inner_product(u, u, base_point, weights))


def exp(tangent_vec: ArrayLike, base_point: ArrayLike, weights: ArrayLike) -> NDArray:
    """Riemannian exponential: follow the great circle of :math:`\\sqrt p` for unit time.

    .. math::

        \\sqrt{\\exp_p(u)} = \\cos\\|\\eta\\|\\,\\sqrt p + \\sin\\|\\eta\\|\\,
        \\frac{\\eta}{\\|\\eta\\|}, \\qquad \\eta = \\frac{u}{2\\sqrt p},
        \\quad \\|\\eta\\| = \\tfrac12\\|u\\|_p .

    Past :math:`\\|u\\|_p = \\pi` the circle leaves the positive orthant; the result is still
    the density :math:`(\\cdot)^2` of the point reached.

    Parameters
    ----------
    tangent_vec : array-like, shape=[..., \\*grid_shape]
        A density perturbation u with :math:`\\int u = 0`, zero where p is.
    base_point : array-like, shape=[..., \\*grid_shape]
    weights : array-like, shape=grid_shape
    """
    w = check_weights(weights)
    root = _unit(base_point, w, "base_point")
    eta = _half_velocity(_check_tangent(tangent_vec, root, w, "tangent_vec"), root)
    speed = _expand(np.sqrt(_dot(eta, eta, w)), w)
    return (np.cos(speed) * root + np.sinc(speed / np.pi) * eta) ** 2


def log(point: ArrayLike, base_point: ArrayLike, weights: ArrayLike) -> NDArray:
    """Riemannian logarithm: the initial velocity of the geodesic from p to q.

    .. math::

        \\log_p q = 2\\sqrt p\\;\\frac{\\theta}{\\sin\\theta}
        \\left(\\sqrt q - \\cos\\theta\\,\\sqrt p\\right), \\qquad
        \\theta = \\tfrac12 d(p, q), \\quad \\|\\log_p q\\|_p = d(p, q).

    Returns
    -------
    ndarray, shape=[..., \\*grid_shape]
        A density perturbation with zero integral. Where p = 0 < q it is 0: the geodesic
        to q starts with zero velocity there (mass is created there at second order).
    """
    w = check_weights(weights)
    a, b = np.broadcast_arrays(_unit(base_point, w, "base_point"), _unit(point, w, "point"))
    theta = _angle(a, b, w)
    cos_theta = _expand(np.cos(theta), w)
    factor = _expand(1.0 / np.sinc(theta / np.pi), w)
    return 2.0 * a * factor * (b - cos_theta * a)


@dataclass(frozen=True)
class FrechetMeanResult:
    """The Fréchet (Karcher) mean of densities and how its iteration ended.

    Attributes
    ----------
    mean : ndarray, shape=grid_shape
        The normalized mean density.
    variance : float
        :math:`\\sum_i \\alpha_i d^2(\\bar p, p_i)` at the mean.
    gradient_norm : float
        :math:`\\|\\sum_i \\alpha_i \\log_{\\bar p} p_i\\|_{\\bar p}` (zero at a critical point).
    converged : bool
        Whether ``gradient_norm`` fell below ``tol``.
    n_iter : int
    message : str
    """

    mean: NDArray
    variance: float
    gradient_norm: float
    converged: bool
    n_iter: int
    message: str


def frechet_mean(densities: ArrayLike, weights: ArrayLike,
                 sample_weights: ArrayLike | None = None, tol: float = 1e-12,
                 max_iter: int = 100) -> FrechetMeanResult:
    """Fréchet mean :math:`\\arg\\min_m \\sum_i \\alpha_i d^2(m, p_i)` of densities.

    Karcher's fixed-point iteration :math:`m \\leftarrow \\exp_m\\big(\\sum_i \\alpha_i
    \\log_m p_i\\big)`, started at the normalized extrinsic mean of :math:`\\sqrt{p_i}`. The
    densities lie in the positive orthant, a geodesically convex set of diameter π/2 on
    the unit sphere of :math:`\\sqrt p`, where the mean is unique and the iteration converges
    (H. Karcher, Comm. Pure Appl. Math. 30, 1977; B. Afsari, Proc. AMS 139, 2011).

    Parameters
    ----------
    densities : array-like, shape=[n, \\*grid_shape]
    weights : array-like, shape=grid_shape
        Quadrature weights.
    sample_weights : array-like, shape=[n], optional
        Nonnegative weights α of the densities (normalized to sum 1); equal by default.
    tol : float
        Stop when the Riemannian gradient norm is below ``tol``.
    max_iter : int

    Returns
    -------
    FrechetMeanResult
    """
    w = check_weights(weights)
    roots = _unit(densities, w, "densities")
    if roots.ndim != w.ndim + 1:
        raise ValueError(f"densities must have shape [n, {', '.join(map(str, w.shape))}], "
                         f"got {roots.shape}")
    n = roots.shape[0]
    alpha = np.full(n, 1.0 / n) if sample_weights is None else _sample_weights(sample_weights, n)
    max_iter = check_positive_int(max_iter, "max_iter")
    root = np.tensordot(alpha, roots, axes=1)
    root = root / np.sqrt(_dot(root, root, w))
    converged, message, grad_norm = False, f"reached max_iter = {max_iter}", np.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` is reported after the loop
        theta = _angle(roots, root, w)
        cos_theta = _expand(np.cos(theta), w)
        factor = _expand(1.0 / np.sinc(theta / np.pi), w)
        # the mean tangent vector at the unit vector `root` (half-velocity units)
        eta = np.tensordot(alpha, factor * (roots - cos_theta * root), axes=1)
        speed = float(np.sqrt(_dot(eta, eta, w)))
        grad_norm = 2.0 * speed
        if grad_norm <= tol:
            converged, message = True, f"gradient norm {grad_norm:.2e} <= tol = {tol:.1e}"
            break
        root = np.cos(speed) * root + np.sinc(speed / np.pi) * eta
        root = root / np.sqrt(_dot(root, root, w))  # rounding only
    variance = float(np.sum(alpha * (2.0 * _angle(roots, root, w)) ** 2))
    return FrechetMeanResult(root**2, variance, float(grad_norm), converged, it, message)


def _sample_weights(values: ArrayLike, n: int) -> NDArray:
    a = as_finite_array(values, "sample_weights")
    if a.shape != (n,):
        raise ValueError(f"sample_weights must have shape ({n},), got {a.shape}")
    if np.any(a < 0) or not a.sum() > 0:
        raise ValueError("sample_weights must be >= 0 with a positive sum")
    return a / a.sum()
