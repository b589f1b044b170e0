"""The Dirichlet family Dir(α), α ∈ (0, ∞)^k: a Hessian manifold with no closed-form geodesics.

The Dirichlet family is an exponential family with sufficient statistic ``log x`` and
natural parameter ``α − 1``, so in the base chart α (an affine image of the natural
chart) the Fisher metric is the Hessian of the log-partition function

.. math::

    F(\\alpha) = \\sum_i \\log\\Gamma(\\alpha_i) - \\log\\Gamma\\Big(\\sum_i \\alpha_i\\Big).

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.3 and §3.4;
A. Le Brigant, S. C. Preston & S. Puechmorel, "Fisher-Rao geometry of Dirichlet
distributions", Differential Geometry and its Applications 74 (2021); REFERENCE.md.
"""

from __future__ import annotations

from math import factorial

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._checks import check_positive
from ._divergences import bregman_by_taylor
from ._log_variates import log_dirichlet_variates
from ._sizes import resolve_sample_dim
from ._special import polygammas
from .charts import Chart, affine_chart
from .declarations import (
    POSITIVE,
    GeomstatsCounterpart,
    Parameter,
    ScipyCounterpart,
    Size,
    SymbolicCounterpart,
)
from .hessian_family import AbstractHessianFamily

__all__ = ["Dirichlet"]


def _diagonal(values: NDArray, order: int) -> NDArray:
    """``out[i, ..., i, ...] = values[i, ...]`` (``order`` equal leading indices), else 0."""
    k = values.shape[0]
    out = np.zeros((k,) * order + values.shape[1:])
    out[(np.arange(k),) * order] = values
    return out


def dirichlet_jets(alpha: NDArray, order: int = 2) -> tuple[NDArray, ...]:
    r"""Derivatives 2, …, ``order`` of :math:`F(\alpha) = \sum\log\Gamma(\alpha_i) -
    \log\Gamma(A)`, :math:`A = \sum_i \alpha_i`, components first.

    .. math::

        \partial_{i_1}\cdots\partial_{i_n} F = \psi^{(n-1)}(\alpha_i)\,[i_1 = \dots = i_n]
        - \psi^{(n-1)}(A)

    For n = 2 this is the Fisher metric :math:`\operatorname{diag}\psi'(\alpha_i) -
    \psi'(A)\mathbf 1\mathbf 1^\top`, for n = 3 the skewness tensor (REFERENCE.md).

    Parameters
    ----------
    alpha : ndarray, shape=[k, ...]
        Components first (see :func:`components_first`).

    Returns
    -------
    tuple
        ``(g [k, k, ...], F3 [k, k, k, ...], ..., F_order)``.
    """
    k = alpha.shape[0]
    # one polygamma call for the α_i and their sum together
    both = polygammas(np.concatenate([alpha, alpha.sum(axis=0)[None]]), order - 1)
    jets = [_diagonal(psi[:k], n) - psi[k] for n, psi in enumerate(both, start=2)]
    _diagonal_differences(alpha, jets)
    return tuple(jets)


def _diagonal_differences(alpha: NDArray, jets: list[NDArray]) -> None:
    r"""Recompute in place the diagonals :math:`\psi^{(n-1)}(\alpha_i) - \psi^{(n-1)}(A)`
    of the metric and skewness jets where the other components sum to
    :math:`r_i \le 10^{-4}\alpha_i`: there the difference cancels (Beta(10⁴, 10⁻⁴) loses
    8 digits), while its Taylor series in :math:`r_i`

    .. math::

        \psi^{(n-1)}(\alpha_i) - \psi^{(n-1)}(\alpha_i + r_i)
        = -\sum_{m=1}^{3} \psi^{(n-1+m)}(\alpha_i)\,\frac{r_i^m}{m!}

    is exact to :math:`(r_i/\alpha_i)^3 \le 10^{-12}` relative.
    """
    k = alpha.shape[0]
    # a cheap screen first (A − α_i is accurate to eps·A, ample at the 1e-4 threshold);
    # the exact sums of the others only where some component may qualify
    if not np.any(alpha.sum(axis=0) - alpha < 2e-4 * alpha):
        return
    rest = np.stack([np.delete(alpha, i, axis=0).sum(axis=0) for i in range(k)])
    close = rest < 1e-4 * alpha
    if not np.any(close):
        return
    psis = polygammas(alpha, 5)  # ψ', ..., ψ^(5)
    for n, jet in enumerate(jets[:2], start=2):
        series = -sum(psis[n - 2 + m] * rest**m / factorial(m) for m in range(1, 4))
        diag = (np.arange(k),) * n
        jet[diag] = np.where(close, series, jet[diag])


def dirichlet_kl(alpha_p: NDArray, alpha_q: NDArray) -> NDArray:
    r"""KL divergence between Dirichlet-type families, the Bregman divergence of F.

    .. math::

        KL = F(\alpha_q) - F(\alpha_p) - \nabla F(\alpha_p)\cdot(\alpha_q - \alpha_p),
        \qquad \partial_i F = \psi(\alpha_i) - \psi(A)

    (by its Taylor series where the points are close, see
    :func:`~._divergences.bregman_by_taylor`).
    """
    def log_partition(a: NDArray) -> NDArray:
        return special.gammaln(a).sum(-1) - special.gammaln(a.sum(-1))

    grad = special.digamma(alpha_p) - special.digamma(alpha_p.sum(-1))[..., None]
    direct = (log_partition(alpha_q) - log_partition(alpha_p)
              - np.sum(grad * (alpha_q - alpha_p), axis=-1))
    # nearby points: the Taylor series of the Bregman divergence (no cancellation)
    return bregman_by_taylor(dirichlet_jets, alpha_p, alpha_q, direct)


def _check_natural(y: NDArray, name: str) -> None:
    check_positive(y + 1.0, f"{name}: theta + 1 (natural parameter alpha - 1)")


class Dirichlet(AbstractHessianFamily):
    r"""Dirichlet family on the (k−1)-simplex, base chart α ∈ (0, ∞)^k.

    .. math::

        p(x\mid\alpha) = \frac{\Gamma(A)}{\prod_i\Gamma(\alpha_i)}\prod_i x_i^{\alpha_i-1},
        \qquad I(\alpha) = \operatorname{diag}\psi'(\alpha_i) - \psi'(A)\,\mathbf 1
        \mathbf 1^\top

    Christoffel symbols of the Hessian metric: :math:`\Gamma^k_{ij} = \tfrac12 g^{kl}
    F_{ijl}`; geodesics have no closed form (Le Brigant et al. 2021), so ``exp`` integrates
    the geodesic ODE and ``log``/``dist`` shoot with exact Jacobians
    (:class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow`, integrated in
    :math:`u = \log\alpha`).

    Parameters
    ----------
    sample_dim : int
        k, the number of categories (>= 2): samples lie in the simplex of
        :math:`\mathbb R^k` and the manifold dimension is k. Also the attribute ``k``.
        (The keyword ``k`` and the former default 3 are deprecated.)
    chart : str, optional
        ``"alpha"`` (base) or ``"natural"`` (:math:`\theta = \alpha - 1`).
    """

    scipy_counterpart = ScipyCounterpart("dirichlet", {"alpha": "alpha"},
                                         hyper={"sample_dim": Size("alpha")}, batched=False)
    symbolic_counterpart = SymbolicCounterpart("dirichlet", requires={"sample_dim": 3})
    geomstats_counterpart = GeomstatsCounterpart("dirichlet.DirichletDistributions", "alpha",
                                                 hyper={"sample_dim": ("dim", 0)})
    examples = {"dirichlet": lambda: Dirichlet(sample_dim=3)}

    def __init__(self, sample_dim: int | None = None, chart: str | None = None, *,
                 k: int | None = None) -> None:
        k = resolve_sample_dim("Dirichlet", sample_dim, 2, default=3, k=k)
        self.sample_dim = self.k = k
        self.dim = k
        self.event_shape = (k,)
        self.parameters = (Parameter("alpha", POSITIVE, typical=(0.5, 5.0), edges=(1e-4, 1e4),
                                     size=k, scalar=False),)
        # in u = log α the scaling α → cα is a translation and ψ'(α) ~ 1/α² near 0 is
        # tame; shooting starts from the straight line in u
        self._init_flow(dirichlet_jets, None)
        super().__init__(chart)

    def _jets(self, x_components: NDArray, order: int) -> tuple[NDArray, ...]:
        return dirichlet_jets(x_components, order)

    def _charts(self) -> list[Chart]:
        return [
            self._declared_base_chart("alpha"),
            affine_chart("natural", tuple(f"theta_{i + 1}" for i in range(self.k)),
                         np.eye(self.k), np.ones(self.k), check=_check_natural),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_positive(data, f"{name}: every component (the open simplex)")
        total = data.sum(axis=-1)
        bad = np.abs(total - 1.0) > 1e-9 * self.k
        if np.any(bad):
            raise ValueError(f"{name} must lie on the simplex (components sum to 1), got a "
                             f"sum of {float(total[bad].flat[0])!r}")

    # -- geometry -------------------------------------------------------------------------
    # -- statistics -----------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        log_norm = special.gammaln(x).sum(-1) - special.gammaln(x.sum(-1))
        return np.sum((x - 1.0) * np.log(data), axis=-1) - log_norm

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        return np.log(data) - special.digamma(x) + special.digamma(x.sum(-1))[..., None]

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        # normalized Gamma(α_i, 1) draws, normalized in log space (any batch shape of α); a
        # component below the float range is an exact 0 (on the boundary of the simplex,
        # rejected by log_prob), never a clipped value with wrong log x_i
        with np.errstate(under="ignore"):
            return np.exp(log_dirichlet_variates(x, n, rng))

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        return dirichlet_kl(xp, xq)

    def __repr__(self) -> str:
        return f"Dirichlet(sample_dim={self.k}, chart={self.chart.name!r})"
