"""The categorical family on k labels: the positive orthant of a sphere of radius 2.

The map :math:`\\xi_a = 2\\sqrt{p_a}` (a = 0..k−1) sends the open simplex onto the
positive part of the sphere :math:`|\\xi| = 2` and the Fisher metric
:math:`\\sum_a dp_a^2/p_a` onto the round metric :math:`\\sum_a d\\xi_a^2`; geodesics
are great circles, the sectional curvature is 1/4 and the scalar curvature
(k − 1)(k − 2)/4.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2 and §2.5;
Miyamoto et al., "On closed-form expressions for the Fisher–Rao distance",
arXiv:2304.14885, §3; REFERENCE.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import softmax

from .._checks import as_finite_array, check_positive
from ._divergences import relative_entropy_term
from ._sizes import resolve_sample_dim
from .base import StatisticalManifold
from .charts import Chart
from .declarations import (
    GeomstatsCounterpart,
    ParameterBlock,
    ProbabilityVector,
    SymbolicCounterpart,
)
from .onedim import check_integer_data

__all__ = ["Categorical"]


def _append_last(x: NDArray) -> NDArray:
    """Full probability vector ``[..., k]`` from the first k − 1 entries."""
    return np.concatenate([x, 1.0 - x.sum(-1, keepdims=True)], axis=-1)


class Categorical(StatisticalManifold):
    r"""Categorical distribution on the labels 0..k−1; base chart ``"probs"``.

    The coordinates are the first k − 1 probabilities; the last is
    :math:`p_k = 1 - \sum_{i<k} p_i` (index k means label k − 1). For i, j, m < k:

    .. math::

        g_{ij} = \frac{\delta_{ij}}{p_i} + \frac{1}{p_k}, \qquad
        g^{ij} = p_i\delta_{ij} - p_i p_j, \qquad
        T_{ijm} = \frac{\delta_{ijm}}{p_i^2} - \frac{1}{p_k^2},

    .. math::

        \Gamma^m_{ij} = -\frac{\delta_{ijm}}{2 p_m} + \frac{p_m}{2}\, g_{ij}, \qquad
        d(p, q) = 2\arccos\sum_a \sqrt{p_a q_a}
        = 4\arcsin\left(\tfrac12 \bigl|\sqrt p - \sqrt q\bigr|\right).

    The Christoffel symbols of the first kind are :math:`\Gamma_{ij,m} = -T_{ijm}/2`
    (from :math:`\partial_i g_{jm} = -\delta_{ijm}/p_i^2 + 1/p_k^2`), so the
    m-connection (α = −1) vanishes in this chart: the probabilities are expectation
    coordinates.

    Charts: ``"probs"`` (base), ``"natural"`` (:math:`\theta_i = \log(p_i/p_k)`) and
    ``"sphere"`` (:math:`\xi_i = 2\sqrt{p_i}`, i < k).

    Parameters
    ----------
    sample_dim : int
        Number of labels k >= 2 (samples are integer labels 0, ..., k − 1); the manifold
        has dimension k − 1. Also the attribute ``n_categories``. (The keyword
        ``n_categories`` is deprecated.)
    chart : str, optional

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> c = ig.manifolds.Categorical(3)
    >>> p, q = c.from_probabilities([0.2, 0.3, 0.5]), c.from_probabilities([1/3, 1/3, 1/3])
    >>> bool(np.isclose(c.dist(p, q), 2 * np.arccos(np.sum(np.sqrt([0.2, 0.3, 0.5]) / np.sqrt(3)))))
    True
    """

    discrete = True
    symbolic_counterpart = SymbolicCounterpart("categorical", requires={"sample_dim": 3})
    # geomstats' categorical points are full probability vectors (dim + 1 entries)
    geomstats_counterpart = GeomstatsCounterpart(
        "categorical.CategoricalDistributions", "probs", hyper={"sample_dim": ("dim", 1)},
        points="full_probabilities")
    examples = {"categorical_3": lambda: Categorical(sample_dim=3),
                "categorical_4": lambda: Categorical(sample_dim=4)}

    def __init__(self, sample_dim: int | None = None, chart: str | None = None, *,
                 n_categories: int | None = None) -> None:
        self.sample_dim = resolve_sample_dim("Categorical", sample_dim, 2,
                                             n_categories=n_categories)
        self.n_categories = self.sample_dim
        self.dim = self.n_categories - 1
        super().__init__(chart)

    @property
    def parameters(self) -> tuple[ParameterBlock, ...]:  # type: ignore[override]
        """The first k − 1 probabilities, in the open simplex."""
        return (ProbabilityVector(self.n_categories),)

    # ------------------------------------------------------------------ charts
    def _charts(self) -> list[Chart]:
        idx = range(self.dim)
        return [
            self._declared_base_chart("probs"),
            Chart("natural", tuple(f"theta_{i}" for i in idx),
                  to_base=lambda t: softmax(_pad_zero(t), axis=-1)[..., :-1],
                  from_base=lambda x: np.log(x) - np.log1p(-x.sum(-1, keepdims=True)),
                  jacobian=self._natural_jacobian),
            Chart("sphere", tuple(f"xi_{i}" for i in idx),
                  to_base=lambda s: 0.25 * s**2, from_base=lambda x: 2.0 * np.sqrt(x),
                  jacobian=lambda s: _diag(0.5 * s), check=_check_sphere),
        ]

    @staticmethod
    def _natural_jacobian(t: NDArray) -> NDArray:
        # dp_i/dθ_j = p_i δ_ij − p_i p_j (the covariance of the one-hot statistic)
        p = softmax(_pad_zero(t), axis=-1)[..., :-1]
        return _diag(p) - p[..., :, None] * p[..., None, :]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_integer_data(data, f"{name} (labels)", 0, self.n_categories - 1)

    def support(self, theta: ArrayLike) -> tuple[float, float]:
        """The labels ``(0, k - 1)`` (the same at every ``theta``)."""
        self._to_base(theta)
        return 0.0, float(self.n_categories - 1)

    def from_probabilities(self, probabilities: ArrayLike, atol: float = 1e-10) -> NDArray:
        """The point (current chart) of full probability vectors ``[..., k]``.

        Raises ``ValueError`` unless every vector is nonnegative and sums to 1 (within
        ``atol``); a zero probability is on the boundary and is rejected as well.
        """
        p = as_finite_array(probabilities, "probabilities")
        if p.ndim == 0 or p.shape[-1] != self.n_categories:
            raise ValueError(f"probabilities must have shape [..., {self.n_categories}], "
                             f"got {p.shape}")
        check_positive(p, "probabilities", strict=False)
        total = p.sum(-1)
        off = np.abs(total - 1.0) > atol
        if np.any(off):
            raise ValueError(f"probabilities must sum to 1 (off the simplex), "
                             f"got a sum of {total[off].flat[0]!r}")
        x = (p / total[..., None])[..., :-1]
        self._check_base(x, "probabilities")
        return self._from_base(x)

    def probabilities(self, theta: ArrayLike) -> NDArray:
        """The full probability vectors ``[..., k]`` of the points ``theta``."""
        return _append_last(self._to_base(theta))

    # ------------------------------------------------------------------ geometry
    def _metric(self, x: NDArray) -> NDArray:
        last = 1.0 - x.sum(-1)
        return _diag(1.0 / x) + (1.0 / last)[..., None, None]

    def _christoffels(self, x: NDArray) -> NDArray:
        # Γ^m_ij = −δ_ijm/(2 p_m) + (p_m/2) g_ij
        gamma = 0.5 * x[..., :, None, None] * self._metric(x)[..., None, :, :]
        m = np.arange(self.dim)
        gamma[..., m, m, m] -= 0.5 / x
        return gamma

    def _skewness(self, x: NDArray) -> NDArray:
        last = 1.0 - x.sum(-1)
        t = np.broadcast_to(-1.0 / last**2, x.shape[:-1])[..., None, None, None]
        t = np.repeat(np.repeat(np.repeat(t, self.dim, -1), self.dim, -2), self.dim, -3)
        m = np.arange(self.dim)
        t[..., m, m, m] += 1.0 / x**2
        return t

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        # Hellinger form of 2 arccos Σ√(p q): accurate for nearby points
        half_chord = 0.5 * np.linalg.norm(np.sqrt(_append_last(xa)) - np.sqrt(_append_last(xb)),
                                          axis=-1)
        return 4.0 * np.arcsin(np.minimum(half_chord, 1.0))

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        root = np.sqrt(_append_last(x))
        xi = 2.0 * root
        dxi = _append_last_tangent(v) / root  # dξ_a = dp_a / √p_a, |dξ| = Fisher norm
        angle = 0.5 * np.linalg.norm(dxi, axis=-1)
        end = np.cos(angle)[..., None] * xi + np.sinc(angle / np.pi)[..., None] * dxi
        # Two points of the positive orthant are at most π/2 apart, and a great-circle
        # arc shorter than π/2 with both ends inside stays inside.
        left = (angle >= 0.5 * np.pi) | np.any(end <= 0.0, axis=-1)
        if np.any(left):
            i = np.flatnonzero(left.ravel())[0]
            raise ValueError(
                "tangent_vec leaves the probability simplex: the geodesic (a great circle) "
                f"reaches a face p_a = 0 before t = 1 (Fisher norm of tangent_vec "
                f"{float(2 * angle.ravel()[i])!r})")
        y = (0.25 * end**2)[..., :-1]
        self._check_base(y, "exp(tangent_vec, base_point)")
        return y

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        root_x, root_y = np.sqrt(_append_last(x)), np.sqrt(_append_last(y))
        xi, zeta = 2.0 * root_x, 2.0 * root_y
        chord = np.linalg.norm(zeta - xi, axis=-1)
        angle = 2.0 * np.arcsin(np.minimum(0.25 * chord, 1.0))
        # u = ζ − cos(angle) ξ, with 1 − cos = chord²/8 to avoid cancellation
        u = (zeta - xi) + (chord**2 / 8.0)[..., None] * xi
        dxi = u / np.sinc(angle / np.pi)[..., None]
        return (root_x * dxi)[..., :-1]

    # ------------------------------------------------------------------ statistics
    def _full_at(self, data: NDArray, x: NDArray) -> tuple[NDArray, NDArray]:
        """Labels and full probabilities, broadcast to a common batch shape."""
        labels = data.astype(np.intp)
        full = _append_last(x)
        shape = np.broadcast_shapes(labels.shape, full.shape[:-1])
        return np.broadcast_to(labels, shape), np.broadcast_to(full, shape + full.shape[-1:])

    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        labels, full = self._full_at(data, x)
        return np.log(np.take_along_axis(full, labels[..., None], axis=-1)[..., 0])

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        # ∂_i log p_x = [x = i]/p_i − [x = k−1]/p_k
        labels, full = self._full_at(data, x)
        onehot = labels[..., None] == np.arange(self.n_categories)
        return onehot[..., :-1] / full[..., :-1] - (onehot[..., -1] / full[..., -1])[..., None]

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        labels, full = self._full_at(data, x)
        onehot = labels[..., None] == np.arange(self.n_categories)
        last = (onehot[..., -1] / full[..., -1] ** 2)[..., None, None]
        return -_diag(onehot[..., :-1] / full[..., :-1] ** 2) - last

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        # inverse CDF, vectorized over the batch of parameters
        cdf = np.cumsum(_append_last(x), axis=-1)[..., :-1]
        u = rng.random((n,) + x.shape[:-1])
        return np.sum(u[..., None] >= cdf, axis=-1)

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r""":math:`KL = \sum_a p_a \log(p_a/q_a)`."""
        # Σ (p log(p/q) − p + q): the added terms sum to 0, each summand is ≥ 0 and free
        # of cancellation
        return np.sum(relative_entropy_term(_append_last(xp), _append_last(xq)), axis=-1)

    def __repr__(self) -> str:
        return f"Categorical(sample_dim={self.sample_dim}, chart={self.chart.name!r})"


def _diag(d: NDArray) -> NDArray:
    """Diagonal matrices ``[..., n, n]`` from ``[..., n]``."""
    return d[..., :, None] * np.eye(d.shape[-1])


def _pad_zero(t: NDArray) -> NDArray:
    return np.concatenate([t, np.zeros(t.shape[:-1] + (1,))], axis=-1)


def _append_last_tangent(v: NDArray) -> NDArray:
    """Ambient tangent vector ``[..., k]``: the last component keeps Σ dp_a = 0."""
    return np.concatenate([v, -v.sum(-1, keepdims=True)], axis=-1)


def _check_sphere(s: NDArray, name: str) -> None:
    check_positive(s, f"{name}: sphere coordinates xi_i = 2 sqrt(p_i)")
    check_positive(4.0 - np.sum(s**2, axis=-1), f"{name}: 4 - sum(xi_i^2) (= 4 p_last)")
