r"""Curvature of the α-connections of a :class:`~infogeo.manifolds.NumericFamily`.

The α-connection (α = 0: Levi-Civita, 1: e, −1: m) is torsion free, with

.. math::

    \Gamma^{(\alpha)}_{ij,k} = E\big[(\partial_i\partial_j\ell
    + c\,\partial_i\ell\,\partial_j\ell)\,\partial_k\ell\big], \qquad c = \tfrac{1-\alpha}{2},

and its derivative is taken under the integral,
:math:`\partial_m E[f] = E[\partial_m f + f\,\partial_m\ell]`: with s = ∂ℓ, H = ∂²ℓ,
D = ∂³ℓ,

.. math::

    \partial_m\Gamma^{(\alpha)}_{ij,k} = E[D_{mij}s_k] + E[H_{ij}H_{mk}] + E[H_{ij}s_k s_m]
    + c\,\big(E[H_{mi}s_js_k] + E[H_{mj}s_is_k] + E[H_{mk}s_is_j] + E[s_is_js_ks_m]\big).

The Riemann tensor follows from Γ and ∂Γ (no finite differences of quadrature output),
and the scalar curvature is :math:`g^{ik} R^{j}{}_{ijk}` (Amari & Nagaoka 2000, §1.8; the
Ricci tensor of an α-connection need not be symmetric, the contraction with g is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._connection_methods import check_alpha
from .differential import ricci_from_riemann, scalar_from_ricci

if TYPE_CHECKING:
    from .numeric_family import NumericFamily

__all__ = ["riemann_from_moments"]  # and the methods attached to NumericFamily


def riemann_from_moments(m: dict[str, Any], gamma: NDArray, err_gamma: NDArray,
                         inv: NDArray, alpha: float = 0.0) -> tuple[NDArray, float]:
    r"""``(R^l_ijk, error bound)`` of the α-connection at one point, from the moments
    ``m`` (order 3), its Christoffel symbols ``gamma`` with their error and the inverse
    metric ``inv``.

    .. math::

        R^l{}_{ijk} = \partial_j \Gamma^l_{ki} - \partial_k \Gamma^l_{ji}
        + \Gamma^l_{jm}\Gamma^m_{ki} - \Gamma^l_{km}\Gamma^m_{ji}, \qquad
        \partial_m \Gamma^k_{ij} = g^{kl}(\partial_m\Gamma_{ij,l}
        - \partial_m g_{la}\,\Gamma^a_{ij})
    """
    A, T, Q = m["A"], m["T"], m["Q"]
    c = 0.5 * (1.0 - alpha)
    # ∂_m g_ij = E[H_mi s_j + s_i H_mj + s_i s_j s_m]
    dg = np.einsum("mij->mij", A) + np.einsum("mji->mij", A) + np.einsum("ijm->mij", T)
    # ∂_m Γ_ij,k = E[∂_m(H_ij s_k + c s_i s_j s_k) + (H_ij s_k + c s_i s_j s_k) s_m]
    d_first = (m["B"] + np.einsum("ijkm->mijk", m["C"]) + np.einsum("ijkm->mijk", Q)
               + c * (Q + np.einsum("mjik->mijk", Q) + np.einsum("mkij->mijk", Q)
                      + np.einsum("ijkm->mijk", m["F"])))
    dgamma = np.einsum("kl,mijl->mkij", inv,
                       d_first - np.einsum("mla,aij->mijl", dg, gamma))
    riemann = (np.einsum("jlki->lijk", dgamma) - np.einsum("klji->lijk", dgamma)
               + np.einsum("ljm,mki->lijk", gamma, gamma)
               - np.einsum("lkm,mji->lijk", gamma, gamma))
    errs = [np.max(m["err_" + k]) for k in ("B", "C", "Q", "F")]
    bound = float(np.abs(inv).sum(axis=1).max() * 4 * max(errs) * max(1.0, 2 * abs(c))
                  + 2 * np.max(np.abs(gamma)) * np.max(err_gamma) + np.max(err_gamma))
    return riemann, bound


# ---------------------------------------------------------------- methods of NumericFamily
def riemann_one(self: NumericFamily, theta: NDArray, alpha: float = 0.0) -> NDArray:
    """R^l_ijk of the α-connection from Γ and ∂Γ, both expectations."""
    m = self._moments(theta, 3)
    gamma, err_gamma, _ = self._connection(theta, alpha)
    riemann, bound = riemann_from_moments(m, gamma, err_gamma,
                                          np.linalg.inv(self._metric_one(theta)), alpha)
    self._record("curvature", m, bound)
    return riemann

def riemann_tensor(self: NumericFamily, theta: Any) -> NDArray:
    """``R[..., l, i, j, k] = R^l_{ijk}`` of the Levi-Civita connection, from
    expectations of derivatives of ℓ (no finite differences of quadrature output)."""
    return self.alpha_riemann_tensor(theta, 0.0)

def alpha_riemann_tensor(self: NumericFamily, theta: ArrayLike, alpha: float
                         ) -> NDArray:
    r"""``R[..., l, i, j, k] = R^{(\alpha)l}{}_{ijk}``, the Riemann tensor of Amari's
    α-connection (α = 0: Levi-Civita; α = ±1: flat for an exponential family).

    .. math::

        R^{(\alpha)l}{}_{ijk} = \partial_j \Gamma^{(\alpha)l}_{ki}
        - \partial_k \Gamma^{(\alpha)l}_{ji}
        + \Gamma^{(\alpha)l}_{jm}\Gamma^{(\alpha)m}_{ki}
        - \Gamma^{(\alpha)l}_{km}\Gamma^{(\alpha)m}_{ji}
    """
    a = check_alpha(alpha)
    x = self._to_base(theta)
    return self._each(x, lambda t: self._riemann_one(t, a), (self.dim,) * 4)

def scalar_curvature(self: NumericFamily, theta: Any) -> NDArray:
    """Scalar curvature of the Levi-Civita connection, from :meth:`riemann_tensor`."""
    return self.alpha_scalar_curvature(theta, 0.0)

def alpha_scalar_curvature(self: NumericFamily, theta: ArrayLike, alpha: float
                           ) -> NDArray:
    r"""Scalar curvature of the α-connection, :math:`g^{ik} R^{(\alpha)j}{}_{ijk}`
    (the convention of :func:`infogeo.symbolic.alpha_scalar_curvature`).

    .. math::

        R^{(\alpha)} = g^{ik}\,R^{(\alpha)j}{}_{ijk}
    """
    x = self._to_base(theta)
    riemann = self.alpha_riemann_tensor(x, alpha)
    return scalar_from_ricci(ricci_from_riemann(riemann), self._metric(x))
