"""Argument checks shared by every estimator (one place, imported by all of them)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..manifolds.base import StatisticalManifold

__all__ = ["METHODS", "check_manifold", "check_method", "check_policy",
           "check_positive_semidefinite", "validated_point", "validated_data"]

#: the forms of the Fisher terms an estimator can average
METHODS = ("score", "hessian", "combined")
#: what an estimator does when its diagnostics fail
POLICIES = ("raise", "warn", "ignore")


def check_manifold(manifold: object) -> StatisticalManifold:
    """``manifold`` itself, or a ``TypeError`` naming what it is instead."""
    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be a StatisticalManifold, got {type(manifold).__name__}")
    return manifold


def check_method(method: object, allowed: tuple[str, ...] = METHODS) -> str:
    """``method`` if it is one of ``allowed``, else a ``ValueError`` listing them."""
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(f"method must be one of {allowed}, got {method!r}")
    return method


def check_policy(check: object) -> str:
    """``check`` if it is one of ``("raise", "warn", "ignore")``."""
    if not isinstance(check, str) or check not in POLICIES:
        raise ValueError(f"check must be one of {POLICIES}, got {check!r}")
    return check


def check_positive_semidefinite(eigenvalues: NDArray, name: str) -> None:
    """Reject a matrix (given by its eigenvalues) with an eigenvalue below round-off of
    zero: a Fisher matrix is a covariance, never indefinite."""
    floor = -1e-10 * max(float(np.abs(eigenvalues).max(initial=0.0)), np.finfo(float).tiny)
    if eigenvalues.size and float(eigenvalues.min()) < floor:
        raise ValueError(f"{name} must be positive semi-definite (a Fisher matrix is a "
                         f"covariance), got smallest eigenvalue {float(eigenvalues.min()):.6g}")


def validated_point(manifold: StatisticalManifold, theta: ArrayLike) -> NDArray:
    """``theta`` as a float array ``[..., dim]`` in the manifold's current chart, after the
    manifold's own shape and domain checks (a ``ValueError`` naming ``theta``)."""
    manifold._to_base(theta, "theta")
    return np.asarray(theta, dtype=float)


def validated_data(manifold: StatisticalManifold, data: ArrayLike) -> NDArray:
    """Observations ``[N, ..., *event_shape]`` (N >= 1; middle axes broadcast against a
    batch of points) inside the family's support; errors name the argument ``data``."""
    arr = manifold._data(data, "data")
    ndim_event = len(manifold.event_shape)
    if arr.ndim < ndim_event + 1 or arr.shape[0] < 1:
        raise ValueError(f"data must have shape [N, *event_shape] with N >= 1 "
                         f"(event_shape {manifold.event_shape}), got {arr.shape}")
    return arr
