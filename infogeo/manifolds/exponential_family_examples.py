"""Ready-made ``ExponentialFamily`` instances that mirror hand-written families.

They exercise the generic exponential-family path (Hessian metric, Newton inversion of
∇ψ, Bregman KL, ODE geodesics) against closed forms: ``Poisson(chart="natural")`` and
``Normal(chart="natural")``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .declarations import NEGATIVE, REAL, Parameter
from .exponential_family import ExponentialFamily, poisson_exponential_family

__all__ = ["normal_exponential_family", "poisson_exponential_family"]


def _normal_psi(t: NDArray) -> NDArray:
    t1, t2 = t[..., 0], t[..., 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(t2 < 0, -t1**2 / (4 * t2) - 0.5 * np.log(np.abs(2 * t2)), np.inf)


def _normal_grad(t: NDArray) -> NDArray:
    t1, t2 = t[..., 0], t[..., 1]
    return np.stack([-t1 / (2 * t2), t1**2 / (4 * t2**2) - 1 / (2 * t2)], axis=-1)


def _normal_hess(t: NDArray) -> NDArray:
    t1, t2 = t[..., 0], t[..., 1]
    h12 = t1 / (2 * t2**2)
    rows = [-1 / (2 * t2), h12, h12, -t1**2 / (2 * t2**3) + 1 / (2 * t2**2)]
    return np.stack(np.broadcast_arrays(*rows), axis=-1).reshape(t.shape[:-1] + (2, 2))


def _normal_third(t: NDArray) -> NDArray:
    t1, t2 = t[..., 0], t[..., 1]
    t112, t122 = 1 / (2 * t2**2), -t1 / t2**3
    t222 = 3 * t1**2 / (2 * t2**4) - 1 / t2**3
    flat = [np.zeros_like(t1), t112, t112, t122, t112, t122, t122, t222]
    return np.stack(np.broadcast_arrays(*flat), axis=-1).reshape(t.shape[:-1] + (2, 2, 2))


def normal_exponential_family() -> ExponentialFamily:
    r"""The univariate normal as a generic exponential family.

    .. math::

        \theta = \left(\frac{\mu}{\sigma^2}, -\frac{1}{2\sigma^2}\right), \quad
        T(x) = (x, x^2), \quad
        \psi(\theta) = -\frac{\theta_1^2}{4\theta_2} - \frac12\log(-2\theta_2), \quad
        h(x) = \frac{1}{\sqrt{2\pi}}.

    ∇ψ, ∇²ψ and ∇³ψ are closed forms (so the Levi-Civita connection is accurate to
    rounding); it mirrors ``Normal(chart="natural")``.
    """
    def sampler(t: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        mu, sigma = -t[..., 0] / (2 * t[..., 1]), np.sqrt(-0.5 / t[..., 1])
        return rng.normal(mu, sigma, size=(n,) + t.shape[:-1])

    def random_natural(rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        mu, sigma = rng.normal(0.0, 2.0, size), np.exp(rng.uniform(-1.0, 1.0, size))
        return np.stack([mu / sigma**2, -0.5 / sigma**2], axis=-1)

    return ExponentialFamily(
        _normal_psi, 2, lambda x: np.stack([x, x**2], axis=-1),
        lambda x: np.full(np.shape(x), -0.5 * np.log(2 * np.pi)),
        gradient=_normal_grad, hessian=_normal_hess, third_derivative=_normal_third,
        sampler=sampler, support_interval=(-np.inf, np.inf),
        domain=lambda t: t[..., 1] < 0, random_natural=random_natural,
        parameters=(Parameter("theta1", REAL, typical=(-4.0, 4.0), coordinates=("theta_0",)),
                    Parameter("theta2", NEGATIVE, typical=(-2.0, -0.1),
                              coordinates=("theta_1",))),
        reference_point=[0.0, -0.5], name="Normal (natural parameters)")

