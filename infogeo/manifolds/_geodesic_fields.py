r"""The right-hand sides of the geodesic engine: the geodesic acceleration

.. math::

    a^k(x, \dot x) = -\Gamma^k_{ij}\dot x^i \dot x^j

with its partial derivatives (those of the Jacobi equation), built from a Hessian
metric's potential, from Christoffel symbols, or carried to log coordinates.
:class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow` integrates them.

Arrays are components first (``x[d, m]``), as in :mod:`~infogeo.manifolds._batched_rk`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ._hessian_metric import inv_components_first
from .charts import numeric_jacobian

__all__ = ["HessianJets", "FieldFn", "MetricFn", "hessian_field", "christoffel_field",
           "log_coordinate_field", "log_metric"]

#: ``jets(x [d, ...], order) -> (g [d, d, ...], F3 [d, d, d, ...])`` (order 3) or with
#: ``F4 [d, d, d, d, ...]`` appended (order 4); components first
HessianJets = Callable[[NDArray, int], tuple[NDArray, ...]]
#: ``field(x [d, m], v [d, m], (jx, jv) [d, r, m] or None) -> (a [d, m], dJv [d, r, m])``
FieldFn = Callable[[NDArray, NDArray, tuple[NDArray, NDArray] | None],
                   tuple[NDArray, NDArray | None]]
#: ``metric(x [d, m]) -> g [d, d, m]``, components first
MetricFn = Callable[[NDArray], NDArray]


def hessian_field(jets: HessianJets) -> FieldFn:
    r"""The field of a Hessian metric :math:`g = \nabla^2 F` from the jets of F (see
    :meth:`~infogeo.manifolds.geodesic_flow.GeodesicFlow.from_hessian`)."""
    def field(x: NDArray, v: NDArray, jacobi: tuple[NDArray, NDArray] | None,
              ) -> tuple[NDArray, NDArray | None]:
        derivs = jets(x, 3 if jacobi is None else 4)
        g_inv = inv_components_first(derivs[0])
        f3v = np.einsum("ijl...,i...->jl...", derivs[1], v)
        gvv = 0.5 * np.einsum("kl...,jl...,j...->k...", g_inv, f3v, v)
        if jacobi is None:
            return -gvv, None
        jx, jv = jacobi
        f4vv = np.einsum("ijlq...,i...,j...->lq...", derivs[2], v, v)
        m_x = 0.5 * f4vv - np.einsum("alq...,a...->lq...", derivs[1], gvv)
        inner = (np.einsum("lq...,qr...->lr...", m_x, jx)
                 + np.einsum("ql...,qr...->lr...", f3v, jv))
        return -gvv, -np.einsum("kl...,lr...->kr...", g_inv, inner)
    return field


def christoffel_field(christoffels: Callable[[NDArray], NDArray],
                      dchristoffels: Callable[[NDArray], NDArray] | None = None) -> FieldFn:
    """The field from Christoffel symbols ``gamma[m, k, i, j]`` (batch first) and their
    derivatives (central differences if not given; see
    :meth:`~infogeo.manifolds.geodesic_flow.GeodesicFlow.from_christoffels`)."""
    def field(x: NDArray, v: NDArray, jacobi: tuple[NDArray, NDArray] | None,
              ) -> tuple[NDArray, NDArray | None]:
        gamma = christoffels(x.T)
        accel = -np.einsum("mkij,im,jm->km", gamma, v, v)
        if jacobi is None:
            return accel, None
        jx, jv = jacobi
        dgamma = (numeric_jacobian(christoffels, x.T) if dchristoffels is None
                  else dchristoffels(x.T))
        m_x = np.einsum("mkijq,im,jm->kqm", dgamma, v, v)
        m_v = np.einsum("mkij,im->kjm", gamma, v) + np.einsum("mkij,jm->kim", gamma, v)
        return accel, -(np.einsum("kqm,qrm->krm", m_x, jx)
                        + np.einsum("kjm,jrm->krm", m_v, jv))
    return field


def log_coordinate_field(field: FieldFn) -> FieldFn:
    r"""``field`` in the coordinates :math:`u = \log x` (see
    :meth:`~infogeo.manifolds.geodesic_flow.GeodesicFlow.in_log_coordinates`)."""
    def field_u(u: NDArray, w: NDArray, jacobi: tuple[NDArray, NDArray] | None,
                ) -> tuple[NDArray, NDArray | None]:
        x = np.exp(u)
        v = x * w
        if jacobi is None:
            accel, _ = field(x, v, None)
            return accel / x - w * w, None
        ju, jw = jacobi  # [component, column, batch]
        accel, daccel = field(x, v, (x[:, None] * ju, x[:, None] * jw + v[:, None] * ju))
        a_over_x = accel / x
        return (a_over_x - w * w,
                daccel / x[:, None] - a_over_x[:, None] * ju - 2 * w[:, None] * jw)
    return field_u


def log_metric(metric: MetricFn) -> MetricFn:
    """The metric in the coordinates :math:`u = \\log x`: :math:`x_i g_{ij} x_j`."""
    def metric_u(u: NDArray) -> NDArray:
        x = np.exp(u)
        return x[:, None] * metric(x) * x[None, :]
    return metric_u
