r"""Damping for Kronecker-factored blocks, and the eigenvalue-corrected (EKFAC) block.

The K-FAC block itself is :class:`infogeo.estimators.KroneckerFactoredFisher`
(:math:`A\otimes G`, column-major vec, exact Tikhonov inverse through the factor
eigendecompositions). This module adds what K-FAC training needs on top of it:

* the **π-adjusted factored damping** of Martens & Grosse (2015), §6.3,

  .. math::

      A\otimes G + \lambda I \;\approx\;
      (A + \pi\sqrt\lambda\, I)\otimes(G + \tfrac{\sqrt\lambda}{\pi} I),
      \qquad \pi = \sqrt{\frac{\operatorname{tr}(A)/d_A}{\operatorname{tr}(G)/d_G}},

  whose cross terms :math:`\pi\sqrt\lambda\,I\otimes G + \frac{\sqrt\lambda}{\pi}A\otimes I`
  have the smallest norm bound over all splits;
* the **EKFAC** block (George et al., NeurIPS 2018): the Kronecker eigenbasis with the
  eigenvalues re-fitted to the per-example gradients.

Every solve goes through symmetric eigendecompositions with eigenvalues clipped at zero,
so with :math:`\lambda > 0` the result stays finite however ill-conditioned the factors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive
from ..errors import SingularCurvatureError
from ..estimators import AbstractFisherApproximation, KroneckerFactoredFisher

__all__ = ["pi_adjustment", "factored_damped_block", "EigenCorrectedKroneckerFisher",
           "kronecker_eigenbasis", "check_damping"]


def check_damping(damping: float, name: str = "damping") -> float:
    """Return ``damping`` as a float, raising unless it is finite and > 0."""
    value = float(as_finite_array(damping, name))
    check_positive(value, name)
    return value


def pi_adjustment(A: ArrayLike, G: ArrayLike) -> float:
    r""":math:`\pi = \sqrt{(\operatorname{tr}A/d_A)/(\operatorname{tr}G/d_G)}`
    (Martens & Grosse 2015, §6.3); 1 when a factor has zero trace (nothing to balance)."""
    A, G = np.asarray(A, dtype=float), np.asarray(G, dtype=float)
    ta, tg = np.trace(A) / A.shape[0], np.trace(G) / G.shape[0]
    if not (ta > 0 and tg > 0) or not np.isfinite(ta / tg):
        return 1.0
    return float(np.sqrt(ta / tg))


def factored_damped_block(A: ArrayLike, G: ArrayLike, damping: float
                          ) -> KroneckerFactoredFisher:
    r"""The block :math:`(A + \pi\sqrt\lambda I)\otimes(G + \frac{\sqrt\lambda}{\pi}I)`;
    solve it with ``damping=0`` (the damping is already inside the factors)."""
    damping = check_damping(damping)
    A, G = np.asarray(A, dtype=float), np.asarray(G, dtype=float)
    pi, root = pi_adjustment(A, G), np.sqrt(damping)
    return KroneckerFactoredFisher(A + pi * root * np.eye(A.shape[0]),
                                   G + root / pi * np.eye(G.shape[0]))


def kronecker_eigenbasis(A: ArrayLike, G: ArrayLike) -> tuple[NDArray, NDArray,
                                                              NDArray, NDArray]:
    """Eigenvalues (clipped at 0) and eigenvectors of ``A`` and ``G``: ``s_a, U_a, s_g, U_g``."""
    A, G = np.asarray(A, dtype=float), np.asarray(G, dtype=float)
    s_a, U_a = np.linalg.eigh(0.5 * (A + A.T))
    s_g, U_g = np.linalg.eigh(0.5 * (G + G.T))
    return np.maximum(s_a, 0.0), U_a, np.maximum(s_g, 0.0), U_g


class EigenCorrectedKroneckerFisher(AbstractFisherApproximation):
    r"""EKFAC block: K-FAC's eigenbasis, per-coordinate eigenvalues.

    .. math::

        \tilde F = (U_A\otimes U_G)\operatorname{diag}(\operatorname{vec} S)
                   (U_A\otimes U_G)^\top,\qquad
        S_{ji} = c\sum_{n,s} w_s\,(U_G^\top g_{ns})_j^2\,(U_A^\top a_n)_i^2 ,

    which is the diagonal of the exact layer block expressed in that basis, hence never
    farther from it in Frobenius norm than :math:`A\otimes G` (George et al. 2018, §3).

    Parameters
    ----------
    basis_a, basis_g : arrays, shape=[d_in, d_in], [d_out, d_out]
        Orthogonal eigenbases (usually of the K-FAC factors).
    scalings : array, shape=[d_out, d_in]
        :math:`S`, laid out like the weight matrix.
    """

    def __init__(self, basis_a: ArrayLike, basis_g: ArrayLike, scalings: ArrayLike) -> None:
        self.basis_a = as_finite_array(basis_a, "basis_a")
        self.basis_g = as_finite_array(basis_g, "basis_g")
        self.scalings = as_finite_array(scalings, "scalings")
        shape = (self.basis_g.shape[0], self.basis_a.shape[0])
        if self.scalings.shape != shape:
            raise ValueError(f"scalings must have shape {shape} (d_out, d_in), "
                             f"got {self.scalings.shape}")
        check_positive(self.scalings, "scalings", strict=False)
        self.dim = shape[0] * shape[1]

    @classmethod
    def from_statistics(cls, inputs: ArrayLike, grads: ArrayLike, weights: ArrayLike,
                        scale: float) -> EigenCorrectedKroneckerFisher:
        """From layer inputs ``[N, d_in]``, gradient columns ``[N, S, d_out]`` and column
        weights ``[S]``; ``scale`` is :math:`c` (1/N for the mean loss, 1 for the sum)."""
        a, g, w = (np.asarray(x, dtype=float) for x in (inputs, grads, weights))
        n = a.shape[0]
        gw = (g * np.sqrt(w)[None, :, None]).reshape(-1, g.shape[-1])
        _, U_a, _, U_g = kronecker_eigenbasis(a.T @ a / n, scale * gw.T @ gw)
        s = scale * np.einsum("nsj,ni,s->ji", (g @ U_g) ** 2, (a @ U_a) ** 2, w)
        return cls(U_a, U_g, s)

    def matrix(self) -> NDArray:
        U = np.kron(self.basis_a, self.basis_g)
        return (U * self.scalings.T.reshape(-1)) @ U.T

    def solve_matrix(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        """Apply :math:`(\\tilde F + \\lambda I)^{-1}` to ``[..., d_out, d_in]`` matrices."""
        vm = as_finite_array(v, "v")
        if vm.ndim < 2 or vm.shape[-2:] != self.scalings.shape:
            raise ValueError(f"v must have shape [..., {self.scalings.shape[0]}, "
                             f"{self.scalings.shape[1]}], got {vm.shape}")
        lam = float(as_finite_array(damping, "damping"))
        check_positive(lam, "damping", strict=False)
        denom = self.scalings + lam
        if np.any(denom <= 1e-14 * max(1.0, float(denom.max()))):
            raise SingularCurvatureError("the EKFAC block + damping is singular; use "
                                         "damping > 0")
        U_a, U_g = self.basis_a, self.basis_g
        return U_g @ ((U_g.T @ vm @ U_a) / denom) @ U_a.T

    def solve(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        vec = self._vector(v)
        d_out, d_in = self.scalings.shape
        vm = np.swapaxes(vec.reshape(vec.shape[:-1] + (d_in, d_out)), -1, -2)
        return np.swapaxes(self.solve_matrix(vm, damping), -1, -2).reshape(vec.shape)

    @property
    def memory_bytes(self) -> int:
        return int(self.basis_a.nbytes + self.basis_g.nbytes + self.scalings.nbytes)
