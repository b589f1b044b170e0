"""The Beta family Beta(a, b): the Dirichlet family with two categories.

Beta(a, b) is the law of the first component of Dir(a, b), so its Fisher geometry is the
k = 2 Dirichlet geometry: the Hessian of :math:`F(a, b) = \\log\\Gamma(a) + \\log\\Gamma(b)
- \\log\\Gamma(a + b)`. No closed-form geodesics (Le Brigant, Preston & Puechmorel,
"Fisher-Rao geometry of Dirichlet distributions", Differential Geom. Appl. 74, 2021).

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000); REFERENCE.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._checks import check_in_interval, check_positive
from ._arrays import matrix_from_rows as _jac
from ._arrays import stack_last as _stack
from ._log_variates import logit_beta_variates
from .charts import Chart, identity_chart
from .dirichlet import dirichlet_jets, dirichlet_kl
from .geodesic_flow import model_initial_velocity
from .hessian_family import AbstractHessianFamily
from .normal import Normal

__all__ = ["Beta"]


def _check_natural(y: NDArray, name: str) -> None:
    check_positive(y + 1.0, f"{name}: theta + 1 (natural parameters a - 1, b - 1)")


def _check_mean_precision(y: NDArray, name: str) -> None:
    check_in_interval(y[..., 0], f"{name}: m (the mean a/(a+b))", 0.0, 1.0)
    check_positive(y[..., 1], f"{name}: s (the precision a+b)")


def frozen_parameters(dist: object, family: str, names: tuple[str, ...]) -> list[float]:
    """Shape parameters, loc and scale of a frozen ``scipy.stats`` distribution.

    Reads the public ``dist.args`` / ``dist.kwds`` of ``rv_frozen`` in scipy's order
    (shapes, loc, scale); raises ``ValueError`` naming ``dist`` for another family.
    """
    name = getattr(getattr(dist, "dist", None), "name", None)
    if name != family:
        raise ValueError(f"dist must be a frozen scipy.stats.{family}, got {name!r}")
    order = names + ("loc", "scale")
    values = dict(zip(order, dist.args, strict=False))
    values.update(dist.kwds)
    values.setdefault("loc", 0.0)
    values.setdefault("scale", 1.0)
    return [values[n] for n in order]


def _normal_model(x: NDArray) -> NDArray:
    r"""(μ, σ) = (2 arcsin √m, s^{-1/2}), m = a/s, s = a + b: for large s the Beta metric is
    :math:`	frac12 d\log s^2 + s\,dm^2/(m(1-m))` to leading order, which is the normal
    family's :math:`(d\mu^2 + 2 d\sigma^2)/\sigma^2` in these coordinates."""
    s = x.sum(axis=-1)
    return _stack(2 * np.arcsin(np.sqrt(x[..., 0] / s)), s**-0.5)


def _normal_model_jacobian(x: NDArray) -> NDArray:
    a, b = x[..., 0], x[..., 1]
    s = a + b
    # d(2 arcsin √m) = dm / √(m(1−m)), dm = (b da − a db)/s², √(m(1−m)) = √(ab)/s
    root = np.sqrt(a * b) * s
    return _jac([[b / root, -a / root], [-0.5 * s**-1.5, -0.5 * s**-1.5]])


class Beta(AbstractHessianFamily):
    r"""Beta family on (0, 1), base chart (a, b).

    .. math::

        p(x\mid a, b) = \frac{x^{a-1}(1-x)^{b-1}}{B(a, b)}, \qquad
        I(a, b) = \begin{pmatrix}\psi'(a) - \psi'(a+b) & -\psi'(a+b)\\
        -\psi'(a+b) & \psi'(b) - \psi'(a+b)\end{pmatrix}

    Charts: ``"a_b"`` (base), ``"natural"`` (:math:`\theta = (a - 1, b - 1)`, sufficient
    statistic :math:`(\log x, \log(1-x))`) and ``"mean_precision"``
    (:math:`m = a/(a+b)`, :math:`s = a + b`). ``exp`` integrates the geodesic ODE and
    ``log``/``dist`` shoot with exact Jacobians
    (:class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow`).

    Examples
    --------
    >>> import infogeo as ig
    >>> ig.manifolds.Beta().metric_matrix([1.0, 1.0]).round(6)  # 1 - π²/6 off the diagonal
    array([[ 1.      , -0.644934],
           [-0.644934,  1.      ]])
    """

    dim = 2

    def __init__(self, chart: str | None = None) -> None:
        # Newton starts from the closed-form log of a matched normal model
        self._init_flow(dirichlet_jets, model_initial_velocity(Normal()._log, _normal_model,
                                                 _normal_model_jacobian))
        super().__init__(chart)

    def _jets(self, x_components: NDArray, order: int) -> tuple[NDArray, ...]:
        return dirichlet_jets(x_components, order)

    def _charts(self) -> list[Chart]:
        return [
            identity_chart("a_b", ("a", "b")),
            Chart("natural", ("theta1", "theta2"),
                  to_base=lambda y: y + 1.0, from_base=lambda x: x - 1.0,
                  jacobian=lambda y: np.broadcast_to(np.eye(2), y.shape + (2,)).copy(),
                  check=_check_natural),
            Chart("mean_precision", ("m", "s"),
                  to_base=lambda y: _stack(y[..., 0] * y[..., 1], (1 - y[..., 0]) * y[..., 1]),
                  from_base=lambda x: _stack(x[..., 0] / x.sum(-1), x.sum(-1)),
                  jacobian=lambda y: _jac([[y[..., 1], y[..., 0]],
                                           [-y[..., 1], 1 - y[..., 0]]]),
                  check=_check_mean_precision),
        ]

    def _check_base(self, x: NDArray, name: str) -> None:
        check_positive(x[..., 0], f"{name}: a")
        check_positive(x[..., 1], f"{name}: b")

    def _check_data(self, data: NDArray, name: str) -> None:
        check_in_interval(data, name, 0.0, 1.0)

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        return rng.uniform(0.5, 5.0, size + (2,))

    # -- geometry: the k = 2 Dirichlet formulas -------------------------------------------
    # -- statistics -----------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        a, b = x[..., 0], x[..., 1]
        return ((a - 1) * np.log(data) + (b - 1) * np.log1p(-data)
                - special.betaln(a, b))

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        a, b = x[..., 0], x[..., 1]
        common = special.digamma(a + b)
        return _stack(np.log(data) - special.digamma(a) + common,
                      np.log1p(-data) - special.digamma(b) + common)

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        # the logit is drawn in log space; expit rounds correctly, so a draw closer to 0 or
        # 1 than float64 resolves is an exact 0 or 1 (outside the open support, rejected by
        # log_prob), never a clipped value with wrong log x or log(1 - x)
        logit = logit_beta_variates(x[..., 0], x[..., 1], (n,) + x.shape[:-1], rng)
        with np.errstate(under="ignore"):
            return special.expit(logit)

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""Bregman divergence of F: :math:`\log\frac{B(a_q, b_q)}{B(a_p, b_p)}
        + (a_p - a_q)\psi(a_p) + (b_p - b_q)\psi(b_p) + (a_q - a_p + b_q - b_p)
        \psi(a_p + b_p)`."""
        return dirichlet_kl(xp, xq)

    def to_scipy(self, theta: NDArray):  # noqa: ANN201 - scipy frozen type is private
        """The frozen ``scipy.stats.beta`` at ``theta`` (current chart)."""
        from scipy import stats

        x = self._to_base(theta)
        return stats.beta(x[..., 0], x[..., 1])

    def from_scipy(self, dist) -> NDArray:  # noqa: ANN001
        """The point (current chart) of a frozen ``scipy.stats.beta`` on (0, 1)."""
        a, b, loc, scale = frozen_parameters(dist, "beta", ("a", "b"))
        if np.any(np.asarray(loc) != 0) or np.any(np.asarray(scale) != 1):
            raise ValueError(f"dist must have loc=0 and scale=1, got loc={loc!r}, "
                             f"scale={scale!r}")
        return self._from_base(_stack(a, b))
