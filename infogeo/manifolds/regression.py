"""Regression models as statistical manifolds over the weights.

For a fixed design matrix :math:`X \\in \\mathbb R^{n\\times d}` (rows :math:`x_i`), a
point is a weight vector :math:`w \\in \\mathbb R^d` and one *observation* is the whole
response vector :math:`y \\in \\mathbb R^n` (``event_shape = (n,)``), with independent
responses :math:`y_i \\mid x_i, w`. The Fisher metric is therefore a **sum** over the
rows of the design,

.. math::

    I(w) = \\sum_{i=1}^n \\lambda_i(w)\\, x_i x_i^\\top,
    \\qquad \\lambda_i = 1/s^2 \\ \\text{(linear)}, \\quad
    \\lambda_i = p_i(1 - p_i),\\ p_i = \\sigma(x_i^\\top w) \\ \\text{(logistic)},

which is what ``metric_matrix`` returns (it equals :math:`E[\\nabla\\ell\\nabla\\ell^\\top]`
for :math:`\\ell = \\log p(y\\mid w)`). The per-example average :math:`I(w)/n`, the
scale used by stochastic training, is ``fisher_matrix(w, reduction="mean")``.

Sources: McCullagh & Nelder, *Generalized Linear Models* (1989), §2.5 (Fisher scoring,
:math:`X^\\top W X`); Amari & Nagaoka (2000), §3 (Hessian metrics of exponential families:
:math:`\\Gamma_{ij,k} = \\tfrac12 \\partial_i\\partial_j\\partial_k\\psi`).
"""

from __future__ import annotations

import abc

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from .._checks import as_finite_array, check_positive
from ._divergences import relative_entropy_term
from .base import StatisticalManifold
from .charts import Chart
from .declarations import REAL, Parameter, ParameterBlock
from .differential import christoffels_from_metric_derivative

__all__ = ["AbstractRegression", "LinearRegression", "LogisticRegression", "example_design"]

_REDUCTIONS = ("sum", "mean")


def example_design(n: int = 20, d: int = 2, seed: int = 0) -> NDArray:
    """A fixed, seeded design ``[n, d]``: an intercept column and standard normal covariates.

    Used by the family registry so that the generic tests run on a reproducible model.
    """
    rng = np.random.default_rng(seed)
    return np.column_stack([np.ones(n), rng.standard_normal((n, d - 1))])


class AbstractRegression(StatisticalManifold, abc.ABC):
    """Common machinery: design matrix, linear predictor, per-example scores.

    Parameters
    ----------
    design : array-like, shape=[n, d]
        Fixed design matrix :math:`X`; rows are the covariates :math:`x_i`.
    """

    def __init__(self, design: ArrayLike, chart: str | None = None) -> None:
        x = as_finite_array(design, "design")
        if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(f"design must be a 2-D array of shape [n, d] with n, d >= 1, "
                             f"got shape {x.shape}")
        self.design = x
        self.n_obs, self.dim = x.shape
        self.event_shape = (self.n_obs,)
        super().__init__(chart)

    #: edge range of the weights
    weight_edges: tuple[float, float] = (-1e8, 1e8)

    @property
    def parameters(self) -> tuple[ParameterBlock, ...]:  # type: ignore[override]
        """The weights: every real vector is valid."""
        return (Parameter("w", REAL, typical=(-1.0, 1.0), edges=self.weight_edges,
                          size=self.dim, scalar=False,
                          coordinates=tuple(f"w{j}" for j in range(self.dim))),)

    def _charts(self) -> list[Chart]:
        return [self._declared_base_chart("weights")]

    def _eta(self, w: NDArray) -> NDArray:
        """Linear predictor :math:`\\eta_i = x_i^\\top w`, shape ``[..., n]``."""
        return w @ self.design.T

    @abc.abstractmethod
    def _residual(self, data: NDArray, w: NDArray) -> NDArray:
        """:math:`\\partial \\log p(y_i\\mid\\eta_i) / \\partial\\eta_i`, shape ``[..., n]``."""

    @abc.abstractmethod
    def _weights(self, w: NDArray) -> NDArray:
        """Fisher weights :math:`\\lambda_i(w)`, shape ``[..., n]``."""

    def _score(self, data: NDArray, w: NDArray) -> NDArray:
        return self._residual(data, w) @ self.design

    def _metric(self, w: NDArray) -> NDArray:
        return np.einsum("...n,na,nb->...ab", self._weights(w), self.design, self.design)

    def _log_prob_hessian(self, data: NDArray, w: NDArray) -> NDArray:
        # canonical links: the Hessian does not depend on y, it is -I(w)
        shape = np.broadcast_shapes(data.shape[:-1], w.shape[:-1])
        return np.broadcast_to(-self._metric(w), shape + (self.dim, self.dim))

    def per_example_scores(self, y: ArrayLike, w: ArrayLike) -> NDArray:
        """Scores of the single responses, :math:`\\nabla_w \\log p(y_i\\mid x_i, w)`.

        Parameters
        ----------
        y : array-like, shape=[..., n]
        w : array-like, shape=[..., d]

        Returns
        -------
        ndarray, shape=[..., n, d]
            Summing over the ``n`` axis gives ``score(y, w)``.
        """
        data, x = self._data(y, "y"), self._to_base(w, "w")
        return self._residual(data, x)[..., None] * self.design

    def per_example_fisher(self, w: ArrayLike) -> NDArray:
        """Fisher information of each response, :math:`\\lambda_i x_i x_i^\\top`,
        shape ``[..., n, d, d]``."""
        x = self._to_base(w, "w")
        return np.einsum("...n,na,nb->...nab", self._weights(x), self.design, self.design)

    def fisher_matrix(self, w: ArrayLike, reduction: str = "sum") -> NDArray:
        """Fisher information, summed over the responses or averaged (``"mean"``).

        .. math::

            I_{\\text{sum}}(w) = \\sum_i \\lambda_i x_i x_i^\\top, \\qquad
            I_{\\text{mean}}(w) = I_{\\text{sum}}(w) / n
        """
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        g = self.metric_matrix(w)
        return g if reduction == "sum" else g / self.n_obs

    def nll(self, y: ArrayLike, w: ArrayLike, reduction: str = "mean") -> NDArray:
        """Negative log-likelihood of the responses, summed or averaged over them."""
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        total = -self.log_prob(y, w)
        return total if reduction == "sum" else total / self.n_obs

    def nll_grad(self, y: ArrayLike, w: ArrayLike, reduction: str = "mean") -> NDArray:
        """Gradient of :meth:`nll` in ``w``, shape ``[..., d]``."""
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        grad = -self.score(y, w)
        return grad if reduction == "sum" else grad / self.n_obs


class LinearRegression(AbstractRegression):
    r"""Gaussian linear regression :math:`y_i = x_i^\top w + s\,\varepsilon_i`.

    .. math::

        \log p(y\mid w) = -\frac{\|y - Xw\|^2}{2 s^2} - n\log s - \frac n2\log 2\pi,
        \qquad I(w) = \frac{X^\top X}{s^2}

    The metric is constant, so the manifold is flat: :math:`\Gamma = 0`,
    :math:`\exp_w(v) = w + v` and :math:`d(w_1, w_2) = \|X(w_1 - w_2)\|/s`;
    :math:`KL = \|X(w_p - w_q)\|^2 / (2 s^2)`.

    Parameters
    ----------
    design : array-like, shape=[n, d]
    noise_scale : float
        Known noise standard deviation :math:`s > 0`.

    Examples
    --------
    >>> import numpy as np
    >>> m = LinearRegression(np.array([[1.0, 0.0], [1.0, 1.0]]), noise_scale=2.0)
    >>> m.metric_matrix([0.0, 0.0]).tolist()
    [[0.5, 0.25], [0.25, 0.25]]
    """

    examples = {"linear_regression": lambda: LinearRegression(example_design(20, 2),
                                                              noise_scale=0.8)}

    def __init__(self, design: ArrayLike, noise_scale: float = 1.0,
                 chart: str | None = None) -> None:
        check_positive(as_finite_array(noise_scale, "noise_scale"), "noise_scale")
        self.noise_scale = float(noise_scale)
        super().__init__(design, chart)

    def _residual(self, data: NDArray, w: NDArray) -> NDArray:
        return (data - self._eta(w)) / self.noise_scale**2

    def _weights(self, w: NDArray) -> NDArray:
        return np.full(w.shape[:-1] + (self.n_obs,), self.noise_scale**-2)

    def _christoffels(self, w: NDArray) -> NDArray:
        return np.zeros(w.shape + (self.dim, self.dim))

    def _skewness(self, w: NDArray) -> NDArray:
        # third central moment of a Gaussian residual is zero
        return np.zeros(w.shape + (self.dim, self.dim))

    def _exp(self, v: NDArray, w: NDArray) -> NDArray:
        return w + v

    def _log(self, y: NDArray, w: NDArray) -> NDArray:
        return y - w

    def _dist(self, wa: NDArray, wb: NDArray) -> NDArray:
        return np.linalg.norm(self._eta(wa - wb), axis=-1) / self.noise_scale

    def _kl(self, wp: NDArray, wq: NDArray) -> NDArray:
        return 0.5 * np.sum(self._eta(wp - wq) ** 2, axis=-1) / self.noise_scale**2

    def _log_prob(self, data: NDArray, w: NDArray) -> NDArray:
        z = (data - self._eta(w)) / self.noise_scale
        return (-0.5 * np.sum(z**2, axis=-1)
                - self.n_obs * (np.log(self.noise_scale) + 0.5 * np.log(2 * np.pi)))

    def _sample(self, w: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        mean = self._eta(w)
        return mean + self.noise_scale * rng.standard_normal((n,) + mean.shape)

    def mle(self, y: ArrayLike) -> NDArray:
        """Least-squares estimate :math:`\\hat w = (X^\\top X)^{-1} X^\\top y`.

        Returns
        -------
        ndarray, shape=[..., d]
        """
        data = self._data(y, "y")
        sol, *_ = np.linalg.lstsq(self.design, np.moveaxis(data, -1, 0).reshape(self.n_obs, -1),
                                  rcond=None)
        return sol.T.reshape(data.shape[:-1] + (self.dim,))


class LogisticRegression(AbstractRegression):
    r"""Logistic regression :math:`y_i \sim \mathrm{Bernoulli}(\sigma(x_i^\top w))`.

    .. math::

        \log p(y\mid w) = \sum_i y_i\eta_i - \log(1 + e^{\eta_i}), \qquad
        I(w) = \sum_i p_i(1-p_i)\, x_i x_i^\top

    An exponential family with natural parameter :math:`w` and potential
    :math:`\psi(w) = \sum_i \log(1 + e^{x_i^\top w})`, so :math:`I = \nabla^2\psi`,

    .. math::

        T_{ijk} = \partial_i\partial_j\partial_k\psi
        = \sum_n p_n(1-p_n)(1-2p_n)\, x_{ni}x_{nj}x_{nk},
        \qquad \Gamma^k_{ij} = \tfrac12 g^{kl} T_{ijl},

    and :math:`KL = \sum_i \sigma(a_i)(a_i - b_i) + \log(1+e^{b_i}) - \log(1+e^{a_i})`
    with :math:`a = Xw_p,\ b = Xw_q`. ``exp``/``log``/``dist`` use the generic geodesic
    ODE and shooting.
    """

    discrete = True
    # |x·w| up to ~100 for the example designs: p(1 − p) stays a normal float (1e-44), so
    # the metric stays positive definite in double precision
    weight_edges = (-20.0, 20.0)
    examples = {"logistic_regression": lambda: LogisticRegression(example_design(20, 2))}

    def _check_data(self, data: NDArray, name: str) -> None:
        bad = (data != 0) & (data != 1)
        if np.any(bad):
            raise ValueError(f"{name} must hold binary labels in {{0, 1}}, "
                             f"got {float(data[bad].flat[0])!r}")

    def _prob(self, w: NDArray) -> NDArray:
        return expit(self._eta(w))

    def _residual(self, data: NDArray, w: NDArray) -> NDArray:
        return data - self._prob(w)

    def _weights(self, w: NDArray) -> NDArray:
        p = self._prob(w)
        return p * (1.0 - p)

    def _skewness(self, w: NDArray) -> NDArray:
        p = self._prob(w)
        x = self.design
        return np.einsum("...n,na,nb,nc->...abc", p * (1 - p) * (1 - 2 * p), x, x, x)

    def _christoffels(self, w: NDArray) -> NDArray:
        # Hessian metric: ∂_l g_ij = T_ijl, and the Koszul formula gives ½ g^{kl} T_ijl
        return christoffels_from_metric_derivative(self._metric(w), self._skewness(w))

    def _log_prob(self, data: NDArray, w: NDArray) -> NDArray:
        eta = self._eta(w)
        return np.sum(data * eta - np.logaddexp(0.0, eta), axis=-1)

    def _kl(self, wp: NDArray, wq: NDArray) -> NDArray:
        # a sum of Bernoulli divergences, each as Σ (p log(p/q) − p + q) over both labels
        # (nonnegative terms, no cancellation); 1 − σ(a) = σ(−a) keeps its digits
        a, b = self._eta(wp), self._eta(wq)
        return np.sum(relative_entropy_term(expit(a), expit(b))
                      + relative_entropy_term(expit(-a), expit(-b)), axis=-1)

    def _sample(self, w: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        p = self._prob(w)
        return (rng.random((n,) + p.shape) < p).astype(float)
