r"""Families observed in log coordinates, where float64 holds every draw.

At small shapes Gamma, Beta and Dirichlet put most of their mass closer to an end of the
support than float64 can represent (Gamma(10⁻⁴): 93 % of draws are below the smallest
subnormal; Beta(10⁻², 10⁻²): half the draws are within 10⁻⁴⁰ of 1, where :math:`1 - x`
rounds to nothing). Their scores depend on the draw only through :math:`\log x` (and
:math:`x`, or :math:`\log(1 - x)`), which are ordinary numbers. A *log-space view* is
the same family — same charts, metric, parameter checks — whose observation is

- Gamma: :math:`u = \log x`, density :math:`\frac{\beta^\alpha}{\Gamma(\alpha)}
  e^{\alpha u - \beta e^u}`;
- Beta: :math:`u = \operatorname{logit} x`, with :math:`\log x = -\operatorname{softplus}
  (-u)` and :math:`\log(1-x) = -\operatorname{softplus}(u)`, density
  :math:`x^a (1-x)^b / B(a, b)`;
- Dirichlet: :math:`u_i = \log x_i` (:math:`\operatorname{logsumexp} u = 0`), density of
  :math:`(u_1, \dots, u_{k-1})`: :math:`\prod_i x_i^{\alpha_i - 1}\prod_{i<k} x_i / B(\alpha)`.

A change of the observation variable multiplies the density by a Jacobian that does not
depend on θ, so the score, the Hessian and the Fisher information are unchanged
(Fisher information is invariant under sufficient, here bijective, maps of the data).
The estimators use the view whenever a family has one: Monte Carlo draws and scores in
u, quadrature integrates over u ∈ ℝ, where the endpoint singularities of x are gone.

A family declares its own view with a method ``log_space_view()``; the three families
above get theirs here.
"""

from __future__ import annotations

import abc

import numpy as np
from numpy.typing import NDArray
from scipy import special

from ..manifolds._log_variates import (
    log_dirichlet_variates,
    log_gamma_variates,
    logit_beta_variates,
    logsumexp_last,
)
from ..manifolds.base import StatisticalManifold
from ..manifolds.beta import Beta
from ..manifolds.charts import Chart
from ..manifolds.dirichlet import Dirichlet
from ..manifolds.gamma import Gamma

__all__ = ["AbstractLogSpaceView", "GammaLogView", "BetaLogitView", "DirichletLogView",
           "log_space_view", "digamma_difference"]


def _stack(*cols: NDArray) -> NDArray:
    return np.stack(np.broadcast_arrays(*cols), axis=-1)


#: B_2k / (2k), k = 1..8: the asymptotic series of the digamma function
_PSI_SERIES = np.array([1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6,
                        -3617 / 510]) / np.arange(2, 18, 2)


def digamma_difference(x: NDArray, a: NDArray) -> NDArray:
    r""":math:`\psi(x + a) - \psi(x)` for x > 0, a >= 0, without cancellation.

    The direct difference loses :math:`\log_{10}(\psi(x) x / a)` digits when
    :math:`a \ll x` (7 digits at x = 10⁴, a = 10⁻⁴: the Beta score at (10⁻⁴, 10⁴)).
    Shifted to :math:`z = x + m \ge 10` by :math:`\psi(z + 1) = \psi(z) + 1/z`, then
    the asymptotic series (Abramowitz & Stegun 6.3.18) differenced term by term:

    .. math::

        \psi(x + a) - \psi(x) = \sum_{j<m} \frac{a}{(x + j)(x + a + j)}
        + \log\!\left(1 + \frac az\right) + \frac{a}{2z(z + a)}
        - \sum_{k=1}^{8} \frac{B_{2k}}{2k}\, z^{-2k}
          \operatorname{expm1}\!\left(-2k \log\left(1 + \frac az\right)\right).
    """
    x, a = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(a, dtype=float))
    out = np.zeros(x.shape)
    z = x.copy()
    for _ in range(11):  # x > 0 reaches 10 in at most 10 unit shifts
        small = z < 10.0
        if not np.any(small):
            break
        out += np.where(small, a / (z * (z + a)), 0.0)
        z = np.where(small, z + 1.0, z)
    log_ratio = np.log1p(a / z)
    k2 = np.arange(2, 18, 2).reshape((-1,) + (1,) * z.ndim)
    series = np.sum(_PSI_SERIES.reshape(k2.shape) * z ** (-k2) * np.expm1(-k2 * log_ratio),
                    axis=0)
    return out + log_ratio + a / (2.0 * z * (z + a)) - series


class AbstractLogSpaceView(StatisticalManifold):
    """An exponential family (base chart affine in its natural parameters) observed in a
    coordinate ``u`` float64 can hold; geometry delegated to the wrapped family.

    Parameters
    ----------
    family : StatisticalManifold
        The family viewed; the view uses its current chart.
    """

    #: how the observation is written, e.g. ``"u = log x"``
    observation: str = ""

    def __init__(self, family: StatisticalManifold) -> None:
        self.family = family
        self.dim = family.dim
        self.event_shape = family.event_shape
        super().__init__(family.chart.name)

    def _charts(self) -> list[Chart]:
        return list(self.family._all_charts.values())

    def _check_base(self, x: NDArray, name: str) -> None:
        self.family._check_base(x, name)

    def _metric(self, x: NDArray) -> NDArray:
        return self.family._metric(x)

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        # ℓ is linear in the sufficient statistic: the Hessian is −I whatever the data
        data_batch = np.shape(data)[: np.ndim(data) - len(self.event_shape)]
        shape = np.broadcast_shapes(data_batch, x.shape[:-1]) + (self.dim, self.dim)
        return np.broadcast_to(-self._metric(x), shape).copy()

    def support(self, theta: NDArray) -> tuple[float, float]:
        """Every real ``u`` is an observation."""
        return -np.inf, np.inf

    @abc.abstractmethod
    def to_data(self, u: NDArray) -> NDArray:
        """The observation ``x`` of the wrapped family (rounded: 0 or 1 where it
        underflows)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.family!r})"


class GammaLogView(AbstractLogSpaceView):
    """Gamma(α, β) observed as :math:`u = \\log x`."""

    observation = "u = log x"

    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        alpha, beta = x[..., 0], x[..., 1]
        with np.errstate(over="ignore"):
            return alpha * np.log(beta) + alpha * data - beta * np.exp(data) - special.gammaln(
                alpha)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        alpha, beta = x[..., 0], x[..., 1]
        with np.errstate(under="ignore"):
            return _stack(np.log(beta) + data - special.digamma(alpha),
                          alpha / beta - np.exp(data))

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return log_gamma_variates(x[..., 0], (n,) + x.shape[:-1], rng) - np.log(x[..., 1])

    def to_data(self, u: NDArray) -> NDArray:
        with np.errstate(under="ignore"):
            return np.exp(u)


def _log_x_log_1mx(u: NDArray) -> tuple[NDArray, NDArray]:
    """:math:`(\\log x, \\log(1 - x))` from :math:`u = \\operatorname{logit} x`, both
    accurate for every real u."""
    return -np.logaddexp(0.0, -u), -np.logaddexp(0.0, u)


class BetaLogitView(AbstractLogSpaceView):
    """Beta(a, b) observed as :math:`u = \\operatorname{logit} x`."""

    observation = "u = logit x"

    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        log_x, log_1mx = _log_x_log_1mx(data)
        return x[..., 0] * log_x + x[..., 1] * log_1mx - special.betaln(x[..., 0], x[..., 1])

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        a, b = x[..., 0], x[..., 1]
        log_x, log_1mx = _log_x_log_1mx(data)
        # ψ(a + b) - ψ(a) without cancellation when b << a (and vice versa)
        return _stack(log_x + digamma_difference(a, b), log_1mx + digamma_difference(b, a))

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return logit_beta_variates(x[..., 0], x[..., 1], (n,) + x.shape[:-1], rng)

    def to_data(self, u: NDArray) -> NDArray:
        with np.errstate(under="ignore"):
            return special.expit(u)


class DirichletLogView(AbstractLogSpaceView):
    """Dirichlet(α) observed as :math:`u_i = \\log x_i`."""

    observation = "u_i = log x_i"

    def _check_data(self, data: NDArray, name: str) -> None:
        total = logsumexp_last(data)
        bad = np.abs(total) > 1e-9 * data.shape[-1]
        if np.any(bad):
            raise ValueError(f"{name} must be logs of a point of the simplex (logsumexp of the "
                             f"components 0), got {float(total[bad].flat[0])!r}")

    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        log_norm = special.gammaln(x).sum(-1) - special.gammaln(x.sum(-1))
        return (np.sum((x - 1.0) * data, axis=-1) + np.sum(data[..., :-1], axis=-1)
                - log_norm)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        # ψ(A) - ψ(α_i) = ψ(α_i + rest_i) - ψ(α_i), rest_i summed without α_i (no
        # cancellation in A - α_i when α_i dominates)
        k = x.shape[-1]
        rest = np.sum(np.where(np.eye(k, dtype=bool), 0.0, x[..., None, :]), axis=-1)
        return data + digamma_difference(x, rest)

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return log_dirichlet_variates(x, n, rng)

    def to_data(self, u: NDArray) -> NDArray:
        with np.errstate(under="ignore"):
            return np.exp(u)


_VIEWS: dict[type, type[AbstractLogSpaceView]] = {
    Gamma: GammaLogView,
    Beta: BetaLogitView,
    Dirichlet: DirichletLogView,
}


def log_space_view(manifold: StatisticalManifold) -> StatisticalManifold | None:
    """The family observed in log coordinates (in its current chart), or ``None``.

    A family's own ``log_space_view()`` method comes first; Gamma, Beta and Dirichlet
    (exactly these classes: a subclass may change the density) have views here.
    """
    hook = getattr(manifold, "log_space_view", None)
    if callable(hook):
        view = hook()
        if not isinstance(view, StatisticalManifold):
            raise TypeError(f"{type(manifold).__name__}.log_space_view() must return a "
                            f"StatisticalManifold, got {type(view).__name__}")
        return view
    view_class = _VIEWS.get(type(manifold))
    return None if view_class is None else view_class(manifold)
