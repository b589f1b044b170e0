"""How far a structured Fisher approximation is from the full matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .structured import AbstractFisherApproximation, _damping, _square

__all__ = ["ApproximationError", "approximation_error"]


@dataclass(frozen=True)
class ApproximationError:
    """How far an approximation :math:`\\tilde F` is from the full Fisher :math:`F`.

    Attributes
    ----------
    relative_frobenius : float
        :math:`\\|\\tilde F - F\\|_F / \\|F\\|_F`.
    kl : float
        :math:`KL(N(0, F^{-1}) \\| N(0, \\tilde F^{-1}))` (both damped by ``damping``).
    damping : float
    """

    relative_frobenius: float
    kl: float
    damping: float


def approximation_error(approx: AbstractFisherApproximation, full: ArrayLike,
                        damping: float = 0.0) -> ApproximationError:
    r"""Relative Frobenius error and Gaussian KL of an approximation.

    .. math::

        KL\left(N(0, F^{-1}) \,\|\, N(0, \tilde F^{-1})\right)
        = \tfrac12\left[\operatorname{tr}(\tilde F F^{-1}) - d
        + \log\det F - \log\det\tilde F\right],

    with :math:`F, \tilde F` replaced by :math:`F + \lambda I, \tilde F + \lambda I`.
    The KL is the expected log-likelihood loss of using :math:`\tilde F^{-1}` as the
    covariance of the Laplace posterior instead of :math:`F^{-1}`; it is invariant under
    reparametrization, unlike the Frobenius error.
    """
    if not isinstance(approx, AbstractFisherApproximation):
        raise TypeError(f"approx must be an AbstractFisherApproximation, "
                        f"got {type(approx).__name__}")
    f = _square(full, "full")
    if f.shape[0] != approx.dim:
        raise ValueError(f"full must be [{approx.dim}, {approx.dim}] to match approx, "
                         f"got {f.shape}")
    lam = _damping(damping)
    g = approx.matrix()
    rel = float(np.linalg.norm(g - f) / np.linalg.norm(f))
    fd, gd = f + lam * np.eye(f.shape[0]), g + lam * np.eye(f.shape[0])
    sign_f, logdet_f = np.linalg.slogdet(fd)
    sign_g, logdet_g = np.linalg.slogdet(gd)
    if sign_f <= 0 or sign_g <= 0:
        raise ValueError("full and the approximation (+ damping) must be positive definite "
                         "for the Gaussian KL; use damping > 0")
    trace = float(np.trace(np.linalg.solve(fd, gd)))
    kl = 0.5 * (trace - f.shape[0] + logdet_f - logdet_g)
    return ApproximationError(rel, max(float(kl), 0.0), lam)
