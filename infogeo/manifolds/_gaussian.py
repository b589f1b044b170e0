"""Shared pieces of the Gaussian families: the triangular layout of symmetric matrices,
the Fisher geometry of covariance matrices (the SPD cone) and Gaussian statistics.

Layout: the upper-triangular entries of a symmetric ``[..., d, d]`` matrix in row-major
order, ``d(d+1)/2`` of them; tangent coordinate p moves the symmetric matrix
:math:`E_{(ij)} = e_i e_j^\\top + e_j e_i^\\top` (i ≠ j) or :math:`E_{(ii)} = e_i e_i^\\top`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._divergences import clip_nonnegative, expm1mx

__all__ = ["sym_from_triu", "triu_from_sym", "sym_function", "spd_metric",
           "spd_christoffels", "spd_skewness", "spd_exp", "spd_log"]


# ----------------------------------------------------------------------------- layout
def _triu(d: int) -> tuple[NDArray, NDArray]:
    return np.triu_indices(d)


def _basis(d: int) -> NDArray:
    """``E[p]``, shape ``[d(d+1)/2, d, d]``: the symmetric matrix of tangent coordinate p."""
    rows, cols = _triu(d)
    basis = np.zeros((len(rows), d, d))
    basis[np.arange(len(rows)), rows, cols] = 1.0
    basis[np.arange(len(rows)), cols, rows] = 1.0
    return basis


def sym_from_triu(entries: NDArray, d: int) -> NDArray:
    """The symmetric ``[..., d, d]`` matrix with the given row-major upper triangle."""
    rows, cols = _triu(d)
    out = np.zeros(entries.shape[:-1] + (d, d))
    out[..., rows, cols] = entries
    out[..., cols, rows] = entries
    return out


def triu_from_sym(matrix: NDArray) -> NDArray:
    """Row-major upper-triangular entries of ``[..., d, d]``, shape ``[..., d(d+1)/2]``."""
    rows, cols = _triu(matrix.shape[-1])
    return matrix[..., rows, cols]


def sym_function(matrix: NDArray, func) -> NDArray:  # noqa: ANN001
    """``U f(Λ) Uᵀ`` for symmetric ``matrix = U Λ Uᵀ`` (``numpy.linalg.eigh``, batched)."""
    w, u = np.linalg.eigh(matrix)
    return np.einsum("...ij,...j,...kj->...ik", u, func(w), u)


# ----------------------------------------------------------------------------- SPD block
def spd_metric(precision: NDArray, basis: NDArray) -> NDArray:
    r"""The Fisher metric of N(m, Σ) in the triangular layout, ``[..., n, n]``.

    .. math::

        g_{pq} = \tfrac12 \operatorname{tr}(\Sigma^{-1} E_p \Sigma^{-1} E_q)
    """
    pep = np.einsum("...ab,pbc,...cd->...pad", precision, basis, precision)
    return 0.5 * np.einsum("...pad,qda->...pq", pep, basis)


def spd_christoffels(precision: NDArray, basis: NDArray) -> NDArray:
    r"""Christoffel symbols of :func:`spd_metric`, ``gamma[..., k, p, q] = Γ^k_pq``.

    From the geodesic equation :math:`\ddot\Sigma = \dot\Sigma\Sigma^{-1}\dot\Sigma`,

    .. math::

        \Gamma(V, W) = -\tfrac12 (V\Sigma^{-1}W + W\Sigma^{-1}V), \qquad
        \Gamma^{(ij)}_{pq} = -\tfrac12 (E_p\Sigma^{-1}E_q + E_q\Sigma^{-1}E_p)_{ij}.
    """
    epe = np.einsum("pab,...bc,qcd->...pqad", basis, precision, basis)
    sym = -0.5 * (epe + np.swapaxes(epe, -3, -4))
    return np.moveaxis(triu_from_sym(sym), -1, -3)


def spd_skewness(precision: NDArray, basis: NDArray) -> NDArray:
    r"""Amari–Chentsov tensor of N(m, Σ) in the triangular layout, ``[..., n, n, n]``.

    With :math:`w = L^{-1}(x - m)` standard normal and :math:`B = L^{-1}\delta\Sigma
    L^{-\top}`, the score is :math:`\tfrac12(w^\top B w - \operatorname{tr}B)` and the third
    joint cumulant of Gaussian quadratic forms gives

    .. math::

        T_{pqr} = \operatorname{tr}(\Sigma^{-1}E_p\Sigma^{-1}E_q\Sigma^{-1}E_r).
    """
    pe = np.einsum("...ab,pbc->...pac", precision, basis)
    return np.einsum("...pab,...qbc,...rca->...pqr", pe, pe, pe)


def _spd_sqrt_pair(cov: NDArray) -> tuple[NDArray, NDArray]:
    w, u = np.linalg.eigh(cov)
    root = np.einsum("...ij,...j,...kj->...ik", u, np.sqrt(w), u)
    inv_root = np.einsum("...ij,...j,...kj->...ik", u, 1 / np.sqrt(w), u)
    return root, inv_root


def spd_exp(tangent: NDArray, cov: NDArray) -> NDArray:
    r""":math:`\Sigma^{1/2}\exp(\Sigma^{-1/2}V\Sigma^{-1/2})\Sigma^{1/2}`."""
    root, inv_root = _spd_sqrt_pair(cov)
    return root @ sym_function(inv_root @ tangent @ inv_root, np.exp) @ root


def spd_log(target: NDArray, cov: NDArray) -> NDArray:
    r""":math:`\Sigma^{1/2}\log(\Sigma^{-1/2}S\Sigma^{-1/2})\Sigma^{1/2}`."""
    root, inv_root = _spd_sqrt_pair(cov)
    return root @ sym_function(inv_root @ target @ inv_root, np.log) @ root


def _check_spd(matrix: NDArray, name: str,
               what: str = "the covariance (upper-triangular entries)") -> None:
    smallest = np.linalg.eigvalsh(matrix)[..., 0]
    bad = ~(smallest > 0)
    if np.any(bad):
        raise ValueError(f"{name}: {what} must be symmetric positive definite, got smallest "
                         f"eigenvalue {float(smallest[bad].flat[0])!r}")


def _gaussian_log_prob(data: NDArray, mean: NDArray, cov: NDArray) -> NDArray:
    d = cov.shape[-1]
    chol = np.linalg.cholesky(cov)
    resid = np.broadcast_to(data - mean, np.broadcast_shapes(data.shape, mean.shape))
    chol = np.broadcast_to(chol, resid.shape + (d,))
    z = np.linalg.solve(chol, resid[..., None])[..., 0]
    half_logdet = np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * np.sum(z**2, axis=-1) - half_logdet - 0.5 * d * np.log(2 * np.pi)


def _cov_score(data: NDArray, mean: NDArray, precision: NDArray) -> tuple[NDArray, NDArray]:
    r"""``(∂ℓ/∂μ, ∂ℓ/∂Σ_p)``: :math:`P r` and :math:`\operatorname{tr}(G E_p)` with
    :math:`G = \tfrac12(P r r^\top P - P)`, :math:`r = x - \mu`, :math:`P = \Sigma^{-1}`."""
    pr = np.einsum("...ab,...b->...a", precision, data - mean)
    grad = 0.5 * (pr[..., :, None] * pr[..., None, :] - precision)
    rows, cols = _triu(precision.shape[-1])
    # an off-diagonal coordinate moves two symmetric entries
    return pr, grad[..., rows, cols] * np.where(rows == cols, 1.0, 2.0)


def _gaussian_kl(mean_p: NDArray, cov_p: NDArray, mean_q: NDArray, cov_q: NDArray) -> NDArray:
    r""":math:`\tfrac12[\operatorname{tr}(\Sigma_q^{-1}\Sigma_p) + \Delta^\top\Sigma_q^{-1}
    \Delta - d + \log\det\Sigma_q - \log\det\Sigma_p]`, :math:`\Delta = \mu_q - \mu_p`."""
    # eigenvalues of Σq⁻¹Σp via Cholesky of Σq: no cancellation in tr − d − log det
    chol_q = np.linalg.cholesky(cov_q)
    inv_l = np.linalg.inv(chol_q)
    lam = np.linalg.eigvalsh(inv_l @ cov_p @ np.swapaxes(inv_l, -1, -2))
    z = np.einsum("...ab,...b->...a", inv_l, mean_q - mean_p)
    # λ − 1 − log λ = e^u − 1 − u with u = log λ, summed without cancellation
    return clip_nonnegative(0.5 * (np.sum(expm1mx(np.log(lam)), axis=-1)
                                   + np.sum(z**2, axis=-1)))


def _batch(*arrays: NDArray) -> tuple[int, ...]:
    return np.broadcast_shapes(*[a.shape[:-1] for a in arrays])


def _sample_gaussian(mean: NDArray, cov: NDArray, n: int, rng: np.random.Generator) -> NDArray:
    # Cholesky instead of rng.multivariate_normal, which takes a single covariance only
    chol = np.linalg.cholesky(cov)
    z = rng.standard_normal((n,) + cov.shape[:-2] + (cov.shape[-1],))
    return mean + np.einsum("...ij,...j->...i", chol, z)


def _check_symmetric(cov: NDArray) -> None:
    scale = np.max(np.abs(cov), axis=(-1, -2), keepdims=True)
    if not np.all(np.abs(cov - np.swapaxes(cov, -1, -2)) <= 1e-12 * scale):
        raise ValueError("cov must be symmetric (cov == cov.T), got an asymmetric matrix")


# ----------------------------------------------------------------------------- charts
def _columns_from_basis(d: int, mean_part, cov_part) -> NDArray:  # noqa: ANN001
    """Jacobian ``[..., dim, dim]`` whose column for mean coordinate i is ``mean_part(i)``
    and for covariance coordinate q is ``cov_part(q)``; each returns (dμ, dΣ matrix)."""
    cols = [mean_part(i) for i in range(d)] + [cov_part(q) for q in range(d * (d + 1) // 2)]
    return np.stack([np.concatenate([dm, triu_from_sym(dc)], axis=-1) for dm, dc in cols],
                    axis=-1)


def natural_chart_maps(d: int) -> dict:
    r"""Maps of the natural chart :math:`(\theta_1, \Theta_2) = (\Sigma^{-1}\mu,
    -\tfrac12\Sigma^{-1})`, :math:`\Theta_2` in the triangular layout with its
    off-diagonal entries doubled.

    The stored coordinates are the coefficients of the sufficient statistics
    :math:`x_i` and :math:`x_i x_j` (:math:`i \le j`) in the exponent, so that
    :math:`\theta\cdot T(x) = \theta_1\cdot x + x^\top\Theta_2 x`: then the chart is
    Legendre-dual to the expectation chart :math:`(E x_i, E x_i x_j)` (Amari & Nagaoka
    2000, §3.5), ∂ψ/∂θ = η, which mirror descent and Bregman divergences rely on.

    Jacobian: :math:`d\Sigma = 2\Sigma\,d\Theta_2\,\Sigma`,
    :math:`d\mu = \Sigma\,d\theta_1 + 2\Sigma\,d\Theta_2\,\mu`.
    """
    basis = _basis(d)
    rows, cols = _triu(d)
    # stored coordinate = weight * entry of Θ2 (2 off the diagonal: x_i x_j appears twice)
    weight = np.concatenate([np.ones(d), np.where(rows == cols, 1.0, 2.0)])

    def to_base(y: NDArray) -> NDArray:
        y = y / weight
        cov = np.linalg.inv(-2.0 * sym_from_triu(y[..., d:], d))
        mean = np.einsum("...ij,...j->...i", cov, y[..., :d])
        return np.concatenate([mean, triu_from_sym(cov)], axis=-1)

    def from_base(x: NDArray) -> NDArray:
        precision = np.linalg.inv(sym_from_triu(x[..., d:], d))
        eta = np.einsum("...ij,...j->...i", precision, x[..., :d])
        return weight * np.concatenate([eta, triu_from_sym(-0.5 * precision)], axis=-1)

    def jacobian(y: NDArray) -> NDArray:
        y = y / weight
        cov = np.linalg.inv(-2.0 * sym_from_triu(y[..., d:], d))
        mean = np.einsum("...ij,...j->...i", cov, y[..., :d])
        zero = np.zeros(y.shape[:-1] + (d, d))

        def cov_part(q: int) -> tuple[NDArray, NDArray]:
            dcov = 2.0 * cov @ basis[q] @ cov
            return 2.0 * np.einsum("...ij,jk,...k->...i", cov, basis[q], mean), dcov

        return _columns_from_basis(d, lambda i: (cov[..., :, i], zero), cov_part) / weight

    def check(y: NDArray, name: str) -> None:
        _check_spd(-sym_from_triu(y[..., d:] / weight[d:], d), name,
                   "-Theta2 (natural parameter Sigma^-1 / 2, entries theta2_ij)")

    return {"to_base": to_base, "from_base": from_base, "jacobian": jacobian, "check": check}


def expectation_chart_maps(d: int) -> dict:
    r"""Maps of the expectation chart :math:`(\eta_1, H_2) = (\mu, \Sigma + \mu\mu^\top)`,
    :math:`H_2` in the triangular layout; :math:`d\Sigma = dH_2 - d\eta_1\mu^\top
    - \mu\,d\eta_1^\top`."""
    basis = _basis(d)

    def to_base(y: NDArray) -> NDArray:
        mean = y[..., :d]
        cov = sym_from_triu(y[..., d:], d) - mean[..., :, None] * mean[..., None, :]
        return np.concatenate([mean, triu_from_sym(cov)], axis=-1)

    def from_base(x: NDArray) -> NDArray:
        mean = x[..., :d]
        second = sym_from_triu(x[..., d:], d) + mean[..., :, None] * mean[..., None, :]
        return np.concatenate([mean, triu_from_sym(second)], axis=-1)

    def jacobian(y: NDArray) -> NDArray:
        mean = y[..., :d]
        eye, zero_vec = np.eye(d), np.zeros(y.shape[:-1] + (d,))

        def mean_part(i: int) -> tuple[NDArray, NDArray]:
            outer = eye[i][:, None] * mean[..., None, :]
            return np.broadcast_to(eye[i], mean.shape), -(outer + np.swapaxes(outer, -1, -2))

        return _columns_from_basis(
            d, mean_part, lambda q: (zero_vec, np.broadcast_to(basis[q], mean.shape[:-1]
                                                              + (d, d))))

    def check(y: NDArray, name: str) -> None:
        mean = y[..., :d]
        _check_spd(sym_from_triu(y[..., d:], d) - mean[..., :, None] * mean[..., None, :],
                   name, "H2 - eta1 eta1^T (the covariance)")

    return {"to_base": to_base, "from_base": from_base, "jacobian": jacobian, "check": check}
