"""Functionals of densities on a quadrature, given by their value and first variation.

A gradient flow only needs the first variation :math:`\\delta F/\\delta p` (a function on
the grid, defined up to an additive constant); the value is used for monitoring. Sums of
functionals are functionals (``F + G``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array
from ._validate import check_log_density, check_weights, integrate

__all__ = ["Functional", "kl_functional", "potential_energy", "interaction_energy"]


@dataclass(frozen=True)
class Functional:
    """A functional :math:`F(p)` of normalized densities on a quadrature.

    Parameters
    ----------
    first_variation : callable
        ``p -> δF/δp`` on the grid, ``[*grid_shape] -> [*grid_shape]``; a constant shift
        does not change the flow.
    value : callable, optional
        ``p -> F(p)`` (float), for monitoring.
    name : str

    Examples
    --------
    The general F of a flow, here :math:`F(p) = \\int p^2` (first variation 2p):

    >>> import numpy as np, infogeo as ig
    >>> F = ig.nonparametric.Functional(lambda p: 2 * p, name="int p^2")
    """

    first_variation: Callable[[NDArray], NDArray]
    value: Callable[[NDArray], float] | None = None
    name: str = "F"

    def __add__(self, other: Functional) -> Functional:
        if not isinstance(other, Functional):
            return NotImplemented
        value = None
        if self.value is not None and other.value is not None:
            def value(p: NDArray, a: Functional = self, b: Functional = other) -> float:
                return float(a.value(p)) + float(b.value(p))  # type: ignore[misc]
        return Functional(lambda p: self.first_variation(p) + other.first_variation(p),
                          value, f"{self.name} + {other.name}")


def kl_functional(log_target: ArrayLike, weights: ArrayLike) -> Functional:
    """:math:`F(p) = KL(p\\,\\|\\,\\pi) = \\int p\\log(p/\\pi)`, first variation
    :math:`\\log(p/\\pi) + 1`.

    Parameters
    ----------
    log_target : array-like, shape=grid_shape
        Unnormalized :math:`\\log\\pi` on the grid (−inf where π = 0); normalized here.
    weights : array-like, shape=grid_shape
    """
    w = check_weights(weights)
    log_pi = check_log_density(log_target, w, "log_target")
    if log_pi.shape != w.shape:
        raise ValueError(f"log_target must have the grid shape {w.shape}, got {log_pi.shape}")
    log_pi = log_pi - _log_mass(log_pi, w)

    def first_variation(p: NDArray) -> NDArray:
        with np.errstate(divide="ignore"):
            return np.log(p) - log_pi + 1.0

    def value(p: NDArray) -> float:
        if np.any((p > 0) & (log_pi == -np.inf)):
            return np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * (np.log(p) - log_pi), 0.0)
        return float(integrate(terms, w))

    return Functional(first_variation, value, "KL(p||pi)")


def _log_mass(log_f: NDArray, w: NDArray) -> float:
    top = np.max(log_f)
    return float(top + np.log(integrate(np.exp(log_f - top), w)))


def potential_energy(potential: ArrayLike, weights: ArrayLike) -> Functional:
    """:math:`F(p) = \\int V p`, first variation V (its Fisher–Rao flow is
    :math:`p_t \\propto p_0 e^{-tV}`)."""
    w = check_weights(weights)
    v = as_finite_array(potential, "potential")
    if v.shape != w.shape:
        raise ValueError(f"potential must have the grid shape {w.shape}, got {v.shape}")
    return Functional(lambda p: v, lambda p: float(integrate(v * p, w)), "int V p")


def interaction_energy(kernel: ArrayLike, weights: ArrayLike) -> Functional:
    """:math:`F(p) = \\tfrac12\\iint K(x, y)\\,p(x)\\,p(y)`, first variation
    :math:`\\int K(\\cdot, y)\\,p(y)\\,dy` (K symmetric).

    Parameters
    ----------
    kernel : array-like, shape=[n, n]
        :math:`K(x_i, x_j)` on a 1-D grid of n nodes (or the flattened nodes of a 2-D grid).
    weights : array-like, shape=grid_shape
    """
    w = check_weights(weights)
    k = as_finite_array(kernel, "kernel")
    n = w.size
    if k.shape != (n, n):
        raise ValueError(f"kernel must have shape ({n}, {n}) (grid nodes squared), got {k.shape}")
    if not np.allclose(k, k.T, rtol=1e-12, atol=0.0):
        raise ValueError("kernel must be symmetric, K(x, y) = K(y, x)")
    flat_w = w.reshape(-1)

    def first_variation(p: NDArray) -> NDArray:
        return (k @ (flat_w * p.reshape(-1))).reshape(w.shape)

    def value(p: NDArray) -> float:
        wp = flat_w * p.reshape(-1)
        return float(0.5 * wp @ k @ wp)

    return Functional(first_variation, value, "1/2 int int K p p")
