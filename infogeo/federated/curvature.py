r"""Client Fisher statistics as the server receives them, and what it does with them.

A client's curvature is one of three array structures (the *approximation*):

* ``"exact"`` — the full matrix :math:`F_k`, shape ``[d, d]`` (:math:`8d^2` bytes);
* ``"diagonal"`` — its diagonal, shape ``[d]`` (:math:`8d` bytes);
* ``"kfac"`` — per layer the Kronecker factors :math:`(A_{k,l}, G_{k,l})` with
  :math:`F_{k,l}\approx A_{k,l}\otimes G_{k,l}` in the column-major
  :math:`\operatorname{vec}` order of :func:`infogeo.learning.flatten_params`
  (Martens & Grosse 2015) — :math:`8\sum_l (n_{in,l}^2 + n_{out,l}^2)` bytes.

Weighted aggregation (weights :math:`w_k = n_k/\sum_j n_j`) is the sum
:math:`\sum_k w_k F_k` for the exact and diagonal forms. For K-FAC the factors are
averaged separately, :math:`\bar A = \sum_k w_k A_k`, :math:`\bar G = \sum_k w_k G_k`:
because each factor is an average over examples, :math:`\bar A\otimes\bar G` is *the
K-FAC approximation of the pooled data*, i.e. what centralized K-FAC computes (the
distributed K-FAC of Ba, Grosse & Martens 2017 averages factors across workers in the
same way).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..estimators import (
    AbstractFisherApproximation,
    BlockDiagonalFisher,
    DiagonalFisher,
    KroneckerFactoredFisher,
)

__all__ = ["APPROXIMATIONS", "Curvature", "curvature_kind", "check_curvature",
           "average_curvature", "curvature_solve", "curvature_solver", "curvature_matvec",
           "curvature_to_arrays",
           "curvature_from_arrays", "curvature_bytes"]

#: the Fisher approximations a client can send
APPROXIMATIONS = ("exact", "diagonal", "kfac")

#: a full matrix [d, d], a diagonal [d], or K-FAC factors [(A_l, G_l), ...]
Curvature = NDArray | Sequence[tuple[NDArray, NDArray]]


def curvature_kind(curvature: Curvature) -> str:
    """``"exact"``, ``"diagonal"`` or ``"kfac"`` from the structure of ``curvature``."""
    if isinstance(curvature, list | tuple):
        return "kfac"
    ndim = np.ndim(curvature)
    if ndim == 2:
        return "exact"
    if ndim == 1:
        return "diagonal"
    raise ValueError(f"a Fisher must be a [d, d] matrix, a [d] diagonal or a list of "
                     f"K-FAC factor pairs, got an array of shape {np.shape(curvature)}")


def _psd_reason(m: NDArray, name: str, rtol: float = 1e-8) -> str | None:
    """Why ``m`` is not a symmetric positive semi-definite matrix (None if it is)."""
    scale = max(float(np.abs(m).max()), 1e-300)
    if not np.allclose(m, m.T, rtol=1e-8, atol=1e-10 * scale):
        return f"{name} is not symmetric"
    # Cholesky of m + tiny shift: fails exactly when an eigenvalue is below -shift
    shift = rtol * scale
    try:
        np.linalg.cholesky(0.5 * (m + m.T) + shift * np.eye(m.shape[0]))
    except np.linalg.LinAlgError:
        low = float(np.linalg.eigvalsh(0.5 * (m + m.T))[0])
        return f"{name} is indefinite (smallest eigenvalue {low:.3g})"
    return None


def check_curvature(curvature: Curvature, dim: int,
                    layer_shapes: Sequence[tuple[int, int]] | None = None) -> str | None:
    """Why ``curvature`` cannot be a Fisher of a ``dim``-parameter model (None if it can):
    wrong shape, non-finite entries, asymmetry, or a negative eigenvalue (a Fisher is
    positive semi-definite; "indefinite" statistics are rejected, never averaged in).

    ``layer_shapes`` (``(d_out, d_in + 1)`` per layer) is needed to check K-FAC factors.
    """
    try:
        kind = curvature_kind(curvature)
    except ValueError as exc:
        return str(exc)
    if kind == "kfac":
        if layer_shapes is None:
            return "K-FAC factors were sent but the model has no layer structure"
        if len(curvature) != len(layer_shapes):
            return f"expected K-FAC factors for {len(layer_shapes)} layers, got {len(curvature)}"
        for l, ((a, g), (d_out, d_in)) in enumerate(zip(curvature, layer_shapes, strict=True)):
            for name, m, n in ((f"A[{l}]", a, d_in), (f"G[{l}]", g, d_out)):
                m = np.asarray(m, dtype=float)
                if m.shape != (n, n):
                    return f"K-FAC factor {name} must have shape ({n}, {n}), got {m.shape}"
                if not np.all(np.isfinite(m)):
                    return f"K-FAC factor {name} has non-finite entries"
                reason = _psd_reason(m, f"K-FAC factor {name}")
                if reason:
                    return reason
        return None
    f = np.asarray(curvature, dtype=float)
    want = (dim, dim) if kind == "exact" else (dim,)
    if f.shape != want:
        return f"the {kind} Fisher must have shape {want}, got {f.shape}"
    if not np.all(np.isfinite(f)):
        return f"the {kind} Fisher has non-finite entries"
    if kind == "diagonal":
        if np.any(f < 0):
            return f"the diagonal Fisher has a negative entry ({float(f.min()):.3g})"
        return None
    return _psd_reason(f, "the Fisher")


def average_curvature(curvatures: Sequence[Curvature], weights: NDArray) -> Curvature:
    r""":math:`\sum_k w_k F_k` (exact, diagonal), or factor-wise averages (K-FAC)."""
    kinds = {curvature_kind(c) for c in curvatures}
    if len(kinds) != 1:
        raise ValueError(f"fishers must all be of one approximation, got {sorted(kinds)}")
    w = np.asarray(weights, dtype=float)
    if kinds == {"kfac"}:
        n_layers = len(curvatures[0])
        return [(sum(wk * np.asarray(c[l][0]) for wk, c in zip(w, curvatures, strict=True)),
                 sum(wk * np.asarray(c[l][1]) for wk, c in zip(w, curvatures, strict=True)))
                for l in range(n_layers)]
    return np.tensordot(w, np.asarray(curvatures, dtype=float), axes=1)


def _kfac_approximation(factors: Sequence[tuple[NDArray, NDArray]]) -> BlockDiagonalFisher:
    blocks = [KroneckerFactoredFisher(a, g) for a, g in factors]
    sizes = [b.dim for b in blocks]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    return BlockDiagonalFisher(blocks, [np.arange(s, s + d) for s, d in zip(starts, sizes,
                                                                             strict=True)])


def as_approximation(curvature: Curvature) -> AbstractFisherApproximation | NDArray:
    """The matrix (exact) or an :mod:`infogeo.estimators` structured approximation."""
    kind = curvature_kind(curvature)
    if kind == "kfac":
        return _kfac_approximation(curvature)
    if kind == "diagonal":
        return DiagonalFisher(curvature)
    return np.asarray(curvature, dtype=float)


def curvature_solver(curvature: Curvature, damping: float):
    r"""A function :math:`v \mapsto (F + \lambda I)^{-1} v` that factorizes once (a
    Cholesky factor, or the K-FAC factors' eigendecompositions), for repeated solves."""
    approx = as_approximation(curvature)
    if isinstance(approx, np.ndarray):
        from scipy.linalg import cho_factor, cho_solve
        factor = cho_factor(approx + damping * np.eye(approx.shape[0]))
        return lambda v: cho_solve(factor, v)
    return lambda v: approx.solve(v, damping)


def curvature_solve(curvature: Curvature, v: NDArray, damping: float) -> NDArray:
    r""":math:`(F + \lambda I)^{-1} v` in the structure of ``curvature``."""
    approx = as_approximation(curvature)
    if isinstance(approx, np.ndarray):
        # one dense solve; symmetric positive-definite after damping
        return np.linalg.solve(approx + damping * np.eye(approx.shape[0]), v)
    return approx.solve(v, damping)


def curvature_matvec(curvature: Curvature, v: NDArray) -> NDArray:
    r""":math:`F v`; for K-FAC layer by layer, :math:`(A\otimes G)\operatorname{vec}(V)
    = \operatorname{vec}(G V A)`."""
    kind = curvature_kind(curvature)
    if kind == "exact":
        return np.asarray(curvature) @ v
    if kind == "diagonal":
        return np.asarray(curvature) * v
    out, start = [], 0
    for a, g in curvature:
        n_in, n_out = a.shape[0], g.shape[0]
        vm = v[start:start + n_in * n_out].reshape(n_in, n_out).T  # column-major vec
        out.append((g @ vm @ a).T.ravel())
        start += n_in * n_out
    return np.concatenate(out)


def curvature_to_arrays(curvature: Curvature) -> dict[str, NDArray]:
    """Named arrays for a message: ``fisher`` / ``fisher_diag`` / ``kfac_A_l, kfac_G_l``."""
    kind = curvature_kind(curvature)
    if kind == "exact":
        return {"fisher": np.asarray(curvature)}
    if kind == "diagonal":
        return {"fisher_diag": np.asarray(curvature)}
    out = {}
    for l, (a, g) in enumerate(curvature):
        out[f"kfac_A_{l}"], out[f"kfac_G_{l}"] = np.asarray(a), np.asarray(g)
    return out


def curvature_from_arrays(arrays: dict[str, NDArray]) -> Curvature | None:
    """Inverse of :func:`curvature_to_arrays` (None if the message carries no Fisher)."""
    if "fisher" in arrays:
        return arrays["fisher"]
    if "fisher_diag" in arrays:
        return arrays["fisher_diag"]
    n_layers = sum(1 for k in arrays if k.startswith("kfac_A_"))
    if n_layers == 0:
        return None
    return [(arrays.get(f"kfac_A_{l}"), arrays.get(f"kfac_G_{l}")) for l in range(n_layers)]


def curvature_bytes(approximation: str, dim: int,
                    layer_shapes: Sequence[tuple[int, int]] | None = None,
                    itemsize: int = 8) -> int:
    """Bytes of one client's Fisher statistics of the given approximation."""
    if approximation == "exact":
        return itemsize * dim * dim
    if approximation == "diagonal":
        return itemsize * dim
    if approximation == "kfac":
        if layer_shapes is None:
            raise ValueError("layer_shapes is needed to count K-FAC bytes")
        return itemsize * sum(o * o + i * i for o, i in layer_shapes)
    raise ValueError(f"approximation must be one of {APPROXIMATIONS}, got {approximation!r}")
