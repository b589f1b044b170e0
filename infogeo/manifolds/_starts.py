r"""Starting guesses for the geodesic engine's ``log``, and a residual chart.

A Newton iteration converges from close by; these build the start from a model space
with closed-form geodesics (the normal family's half-plane for Beta and Gamma at large
shapes, where the model is the family's normal approximation).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["log_end_map", "model_initial_velocity", "model_initial_path"]


def log_end_map(x: NDArray) -> tuple[NDArray, NDArray]:
    """``(log x, diag(1/x))`` for ``x [B, dim]``: a residual chart for positive coordinates
    of scale type, along which geodesics move exponentially fast."""
    return np.log(x), (1.0 / x)[..., None] * np.eye(x.shape[-1])


def model_initial_velocity(model_log: Callable[[NDArray, NDArray], NDArray],
                           phi: Callable[[NDArray], NDArray],
                           phi_jacobian: Callable[[NDArray], NDArray],
                           ) -> Callable[[NDArray, NDArray], NDArray]:
    r"""Starting guess for ``log`` from a model space with a closed-form logarithm.

    If :math:`\phi` maps the manifold approximately isometrically into a model space
    (e.g. the normal family's half-plane), the pulled-back model logarithm

    .. math::

        v_0 = (D\phi_x)^{-1} \log^{\mathrm{model}}_{\phi(x)} \phi(y)

    starts Newton far closer than the straight line ``y - x``. ``model_log(b, a)`` takes
    batch-first model points; ``phi_jacobian(x)[..., a, i] = ∂phi^a/∂x^i``.
    """
    def guess(x: NDArray, y: NDArray) -> NDArray:
        with np.errstate(all="ignore"):
            w = model_log(phi(y), phi(x))
            v = np.linalg.solve(phi_jacobian(x), w[..., None])[..., 0]
        # fall back to the straight line wherever the model is degenerate
        return np.where(np.all(np.isfinite(v), axis=-1, keepdims=True), v, y - x)

    return guess


def model_initial_path(model_exp: Callable[[NDArray, NDArray], NDArray],
                       model_log: Callable[[NDArray, NDArray], NDArray],
                       phi: Callable[[NDArray], NDArray],
                       phi_inverse: Callable[[NDArray], NDArray],
                       ) -> Callable[[NDArray, NDArray, NDArray], NDArray]:
    r"""Starting path for ``log`` from a model space with closed-form geodesics: the model
    geodesic from :math:`\phi(x)` to :math:`\phi(y)` mapped back,

    .. math::

        x(t) = \phi^{-1}\big(\exp^{\mathrm{model}}_{\phi(x)}(t\,
        \log^{\mathrm{model}}_{\phi(x)}\phi(y))\big),

    as ``path(x [B, d], y [B, d], t [T]) -> [B, T, d]`` (the straight line where the model
    is degenerate; the ends are exactly x and y).
    """
    def path(x: NDArray, y: NDArray, t: NDArray) -> NDArray:
        with np.errstate(all="ignore"):
            a = phi(x)
            w = model_log(phi(y), a)
            out = phi_inverse(model_exp(t[None, :, None] * w[:, None, :], a[:, None, :]))
        line = x[:, None] + t[None, :, None] * (y - x)[:, None]
        good = np.all(np.isfinite(out), axis=(1, 2)) & np.all(out > 0, axis=(1, 2))
        out = np.where(good[:, None, None], out, line)
        out[:, t == 0], out[:, t == 1] = x[:, None], y[:, None]
        return out

    return path
