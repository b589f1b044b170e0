"""Structured approximations of a Fisher matrix, with one small interface.

Every approximation :math:`\\tilde F` offers

- ``matrix()`` — the dense ``[dim, dim]`` matrix (for tests and small problems),
- ``solve(v, damping)`` — :math:`(\\tilde F + \\lambda I)^{-1} v` for ``v`` of shape
  ``[..., dim]``, using the structure (never forming a dense inverse),
- ``inverse(damping)`` — :math:`(\\tilde F + \\lambda I)^{-1}` as a dense matrix,
- ``memory_bytes`` — the footprint of what is stored.

Each class is built from a full matrix (``from_matrix``: a projection onto the structure)
and, where natural, from samples (``from_samples``: per-example scores, or for K-FAC the
layer inputs and output gradients). :func:`~infogeo.estimators.approximation_error`
(in :mod:`.approximation_error`) compares an approximation to the full Fisher.

Sources: Martens & Grosse, "Optimizing neural networks with Kronecker-factored
approximate curvature", ICML 2015 (K-FAC); Van Loan & Pitsianis, "Approximation with
Kronecker products" (1993) (nearest Kronecker product).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int
from ..errors import SingularCurvatureError

__all__ = [
    "AbstractFisherApproximation",
    "FullFisher",
    "DiagonalFisher",
    "BlockDiagonalFisher",
    "KroneckerFactoredFisher",
    "LowRankPlusDiagonalFisher",
]


def _square(matrix: ArrayLike, name: str) -> NDArray:
    m = as_finite_array(matrix, name)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 1:
        raise ValueError(f"{name} must be a square matrix [dim, dim], got shape {m.shape}")
    if not np.allclose(m, m.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(m).max()))):
        raise ValueError(f"{name} must be symmetric")
    return 0.5 * (m + m.T)


def _damping(damping: float) -> float:
    d = float(as_finite_array(damping, "damping"))
    check_positive(d, "damping", strict=False)
    return d


def _samples(samples: ArrayLike, name: str, width: int | None = None) -> NDArray:
    s = as_finite_array(samples, name)
    if s.ndim != 2 or s.shape[0] < 1 or (width is not None and s.shape[1] != width):
        want = "[n, dim]" if width is None else f"[n, {width}]"
        raise ValueError(f"{name} must have shape {want} with n >= 1, got {s.shape}")
    return s


def _eig_solve(vals: NDArray, vecs: NDArray, v: NDArray, damping: float, what: str) -> NDArray:
    """:math:`Q (\\Lambda + \\lambda)^{-1} Q^\\top v` with a check for singularity."""
    shifted = vals + damping
    if np.any(shifted <= 1e-14 * max(1.0, float(np.abs(vals).max()))):
        raise SingularCurvatureError(f"{what} + damping is singular (smallest eigenvalue "
                         f"{float(shifted.min()):.3g}); use damping > 0")
    return ((v @ vecs) / shifted) @ vecs.T


class AbstractFisherApproximation(abc.ABC):
    """Interface of a structured Fisher approximation :math:`\\tilde F` of size ``dim``."""

    dim: int

    @abc.abstractmethod
    def matrix(self) -> NDArray:
        """The dense approximation, shape ``[dim, dim]``."""

    @abc.abstractmethod
    def solve(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        """:math:`(\\tilde F + \\lambda I)^{-1} v` for ``v`` of shape ``[..., dim]``.

        Raises :class:`~infogeo.errors.SingularCurvatureError` (a ``ValueError``) if the
        damped matrix is singular.
        """

    @property
    @abc.abstractmethod
    def memory_bytes(self) -> int:
        """Bytes held by the stored factors."""

    def inverse(self, damping: float = 0.0) -> NDArray:
        """:math:`(\\tilde F + \\lambda I)^{-1}`, shape ``[dim, dim]``."""
        return self.solve(np.eye(self.dim), damping)

    def _vector(self, v: ArrayLike) -> NDArray:
        vec = as_finite_array(v, "v")
        if vec.ndim == 0 or vec.shape[-1] != self.dim:
            raise ValueError(f"v must have shape [..., {self.dim}], got shape {vec.shape}")
        return vec


@final
class FullFisher(AbstractFisherApproximation):
    """The full matrix itself (the reference every other approximation is compared to).

    Solves through an eigendecomposition computed once, so repeated solves with
    different dampings cost :math:`O(d^2)` each.
    """

    def __init__(self, matrix: ArrayLike) -> None:
        self._matrix = _square(matrix, "matrix")
        self.dim = self._matrix.shape[0]
        self._vals, self._vecs = np.linalg.eigh(self._matrix)

    @classmethod
    def from_matrix(cls, matrix: ArrayLike) -> FullFisher:
        return cls(matrix)

    @classmethod
    def from_samples(cls, scores: ArrayLike) -> FullFisher:
        """Mean outer product :math:`\\frac1N\\sum_n s_n s_n^\\top` of scores ``[N, dim]``."""
        s = _samples(scores, "scores")
        return cls(s.T @ s / s.shape[0])

    def matrix(self) -> NDArray:
        return self._matrix.copy()

    def solve(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        return _eig_solve(self._vals, self._vecs, self._vector(v), _damping(damping),
                          "the Fisher matrix")

    @property
    def memory_bytes(self) -> int:
        return self._matrix.nbytes + self._vals.nbytes + self._vecs.nbytes


@final
class DiagonalFisher(AbstractFisherApproximation):
    """:math:`\\tilde F = \\operatorname{diag}(f)`, the projection keeping the diagonal."""

    def __init__(self, diagonal: ArrayLike) -> None:
        d = as_finite_array(diagonal, "diagonal")
        if d.ndim != 1 or d.size < 1:
            raise ValueError(f"diagonal must be a 1-D array [dim], got shape {d.shape}")
        check_positive(d, "diagonal", strict=False)
        self.diagonal, self.dim = d, d.size

    @classmethod
    def from_matrix(cls, matrix: ArrayLike) -> DiagonalFisher:
        return cls(np.diag(_square(matrix, "matrix")).copy())

    @classmethod
    def from_samples(cls, scores: ArrayLike) -> DiagonalFisher:
        """:math:`f_i = \\frac1N \\sum_n s_{ni}^2` from scores ``[N, dim]``."""
        s = _samples(scores, "scores")
        return cls(np.mean(s**2, axis=0))

    def matrix(self) -> NDArray:
        return np.diag(self.diagonal)

    def solve(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        shifted = self.diagonal + _damping(damping)
        if np.any(shifted <= 0):
            raise SingularCurvatureError("the diagonal Fisher + damping is singular; use "
                                         "damping > 0")
        return self._vector(v) / shifted

    @property
    def memory_bytes(self) -> int:
        return self.diagonal.nbytes


@final
class KroneckerFactoredFisher(AbstractFisherApproximation):
    r"""Kronecker-factored block :math:`\tilde F = A \otimes G` (K-FAC).

    For a linear layer :math:`s = W a` with :math:`W` of shape ``[n_out, n_in]``,
    :math:`A = E[a a^\top]` (``[n_in, n_in]``) and :math:`G = E[g g^\top]` with
    :math:`g = \partial\ell/\partial s` (``[n_out, n_out]``). Parameters are ordered as
    the column-major :math:`\operatorname{vec}(W)` = ``W.T.reshape(-1)`` (Martens &
    Grosse 2015), so that ``matrix()`` is ``np.kron(A, G)`` and

    .. math::

        (A \otimes G)^{-1}\operatorname{vec}(V) = \operatorname{vec}(G^{-1} V A^{-1}).

    With damping the exact :math:`(A\otimes G + \lambda I)^{-1}` is applied through the
    eigendecompositions :math:`A = Q_A\Lambda_A Q_A^\top`, :math:`G = Q_G\Lambda_G Q_G^\top`:

    .. math::

        (A\otimes G + \lambda I)^{-1}\operatorname{vec}(V)
        = \operatorname{vec}\!\left(Q_G\left[\frac{Q_G^\top V Q_A}
        {\lambda^G_i\lambda^A_j + \lambda}\right] Q_A^\top\right),

    costing :math:`O(n_{in}^3 + n_{out}^3)` once and never forming the
    :math:`n_{in}n_{out}`-square matrix.
    """

    def __init__(self, a: ArrayLike, g: ArrayLike) -> None:
        self.a, self.g = _square(a, "a"), _square(g, "g")
        self.dim = self.a.shape[0] * self.g.shape[0]
        self._va, self._qa = np.linalg.eigh(self.a)
        self._vg, self._qg = np.linalg.eigh(self.g)

    @classmethod
    def from_samples(cls, activations: ArrayLike, output_grads: ArrayLike
                     ) -> KroneckerFactoredFisher:
        """K-FAC factors :math:`A = \\frac1N\\sum a_n a_n^\\top`,
        :math:`G = \\frac1N\\sum g_n g_n^\\top` from ``[N, n_in]`` and ``[N, n_out]``.

        Exact (equal to the Fisher block) for a single example, N = 1.
        """
        act = _samples(activations, "activations")
        grads = _samples(output_grads, "output_grads")
        if act.shape[0] != grads.shape[0]:
            raise ValueError(f"activations and output_grads must have the same number of "
                             f"rows, got {act.shape[0]} and {grads.shape[0]}")
        n = act.shape[0]
        return cls(act.T @ act / n, grads.T @ grads / n)

    @classmethod
    def from_matrix(cls, matrix: ArrayLike, n_in: int) -> KroneckerFactoredFisher:
        r"""Nearest Kronecker product in Frobenius norm (Van Loan & Pitsianis 1993).

        Rearranges :math:`F_{(i,j),(k,l)} \mapsto R_{(i,k),(j,l)}` (``i, k`` index
        :math:`A`, ``j, l`` index :math:`G`); the leading singular pair of :math:`R` gives
        :math:`\operatorname{vec}A` and :math:`\operatorname{vec}G`.
        """
        f = _square(matrix, "matrix")
        n_in = check_positive_int(n_in, "n_in")
        if f.shape[0] % n_in:
            raise ValueError(f"n_in must divide the matrix size {f.shape[0]}, got {n_in}")
        n_out = f.shape[0] // n_in
        r = f.reshape(n_in, n_out, n_in, n_out).transpose(0, 2, 1, 3).reshape(
            n_in * n_in, n_out * n_out)
        u, s, vt = np.linalg.svd(r, full_matrices=False)
        a = u[:, 0].reshape(n_in, n_in) * np.sqrt(s[0])
        g = vt[0].reshape(n_out, n_out) * np.sqrt(s[0])
        if np.trace(a) < 0:  # the singular pair has a free common sign
            a, g = -a, -g
        return cls(a, g)

    def matrix(self) -> NDArray:
        return np.kron(self.a, self.g)

    def solve_matrix(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        """Apply :math:`(A\\otimes G + \\lambda I)^{-1}` to matrices ``V`` of shape
        ``[..., n_out, n_in]`` (the layout of :math:`W`)."""
        n_in, n_out = self.a.shape[0], self.g.shape[0]
        vm = as_finite_array(v, "v")
        if vm.ndim < 2 or vm.shape[-2:] != (n_out, n_in):
            raise ValueError(f"v must have shape [..., {n_out}, {n_in}], got {vm.shape}")
        lam = _damping(damping)
        denom = self._vg[:, None] * self._va[None, :] + lam
        scale = max(1.0, float(np.abs(denom).max()))
        if np.any(denom <= 1e-14 * scale):
            raise SingularCurvatureError("the Kronecker-factored Fisher + damping is singular "
                             f"(smallest eigenvalue {float(denom.min()):.3g}); use damping > 0")
        rotated = np.swapaxes(self._qg, 0, 1) @ vm @ self._qa
        return self._qg @ (rotated / denom) @ self._qa.T

    def solve(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        vec = self._vector(v)
        n_in, n_out = self.a.shape[0], self.g.shape[0]
        # column-major vec: vec[j * n_out + i] = V[i, j]
        vm = np.swapaxes(vec.reshape(vec.shape[:-1] + (n_in, n_out)), -1, -2)
        out = self.solve_matrix(vm, damping)
        return np.swapaxes(out, -1, -2).reshape(vec.shape)

    @property
    def memory_bytes(self) -> int:
        return sum(x.nbytes for x in (self.a, self.g, self._va, self._qa, self._vg, self._qg))


@final
class LowRankPlusDiagonalFisher(AbstractFisherApproximation):
    r""":math:`\tilde F = U U^\top + \operatorname{diag}(d)`, ``U`` of shape ``[dim, rank]``.

    Solved with the Woodbury identity, :math:`D = \operatorname{diag}(d) + \lambda I`:

    .. math::

        (D + UU^\top)^{-1} = D^{-1} - D^{-1}U\left(I + U^\top D^{-1} U\right)^{-1}
        U^\top D^{-1}.
    """

    def __init__(self, factor: ArrayLike, diagonal: ArrayLike) -> None:
        u = as_finite_array(factor, "factor")
        d = as_finite_array(diagonal, "diagonal")
        if u.ndim != 2 or d.ndim != 1 or u.shape[0] != d.size or d.size < 1:
            raise ValueError(f"factor must be [dim, rank] and diagonal [dim], got shapes "
                             f"{u.shape} and {d.shape}")
        check_positive(d, "diagonal", strict=False)
        self.factor, self.diagonal, self.dim = u, d, d.size

    @classmethod
    def from_matrix(cls, matrix: ArrayLike, rank: int) -> LowRankPlusDiagonalFisher:
        """Top-``rank`` eigenpairs plus the diagonal of the remainder (which is >= 0
        because the remainder is positive semi-definite); exact on the diagonal."""
        f = _square(matrix, "matrix")
        rank = min(check_positive_int(rank, "rank"), f.shape[0])
        vals, vecs = np.linalg.eigh(f)
        u = vecs[:, -rank:] * np.sqrt(np.maximum(vals[-rank:], 0.0))
        return cls(u, np.maximum(np.diag(f) - np.sum(u**2, axis=1), 0.0))

    @classmethod
    def from_samples(cls, scores: ArrayLike, rank: int) -> LowRankPlusDiagonalFisher:
        """From scores ``[N, dim]``: a truncated SVD of :math:`S/\\sqrt N` gives ``U``;
        the diagonal keeps :math:`\\frac1N\\sum s_{ni}^2` exact."""
        s = _samples(scores, "scores")
        rank = min(check_positive_int(rank, "rank"), *s.shape)
        _, sv, vt = np.linalg.svd(s / np.sqrt(s.shape[0]), full_matrices=False)
        u = vt[:rank].T * sv[:rank]
        return cls(u, np.maximum(np.mean(s**2, axis=0) - np.sum(u**2, axis=1), 0.0))

    def matrix(self) -> NDArray:
        return self.factor @ self.factor.T + np.diag(self.diagonal)

    def solve(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        vec = self._vector(v)
        dd = self.diagonal + _damping(damping)
        if np.any(dd <= 0):
            raise SingularCurvatureError("the diagonal part + damping has zeros, so the "
                                         "Woodbury solve "
                             "is undefined; use damping > 0")
        u = self.factor
        dinv_v, dinv_u = vec / dd, u / dd[:, None]
        capacitance = np.eye(u.shape[1]) + u.T @ dinv_u
        inner = np.linalg.solve(capacitance, (dinv_v @ u)[..., None])[..., 0]
        return dinv_v - inner @ dinv_u.T

    @property
    def memory_bytes(self) -> int:
        return self.factor.nbytes + self.diagonal.nbytes


@final
class BlockDiagonalFisher(AbstractFisherApproximation):
    """Block-diagonal over parameter groups; each block is a matrix or any approximation.

    K-FAC for a network is a ``BlockDiagonalFisher`` whose blocks are
    :class:`KroneckerFactoredFisher` (one per layer).

    Parameters
    ----------
    blocks : sequence of array-like or AbstractFisherApproximation
    groups : sequence of sequences of int
        ``groups[b]`` lists the parameter indices of block ``b``; together they must be a
        partition of ``range(dim)``.
    """

    def __init__(self, blocks: Sequence[ArrayLike | AbstractFisherApproximation],
                 groups: Sequence[ArrayLike]) -> None:
        if len(blocks) != len(groups) or not blocks:
            raise ValueError(f"blocks and groups must be non-empty and of equal length, got "
                             f"{len(blocks)} and {len(groups)}")
        self.groups = [np.asarray(g, dtype=int).reshape(-1) for g in groups]
        flat = np.concatenate(self.groups)
        self.dim = flat.size
        if not np.array_equal(np.sort(flat), np.arange(self.dim)):
            raise ValueError(f"groups must partition range({self.dim}) (each index once)")
        self.blocks = [b if isinstance(b, AbstractFisherApproximation) else FullFisher(b)
                       for b in blocks]
        for b, (blk, grp) in enumerate(zip(self.blocks, self.groups, strict=True)):
            if blk.dim != grp.size:
                raise ValueError(f"blocks[{b}] has size {blk.dim} but groups[{b}] has "
                                 f"{grp.size} indices")

    @classmethod
    def from_matrix(cls, matrix: ArrayLike, groups: Sequence[ArrayLike]
                    ) -> BlockDiagonalFisher:
        f = _square(matrix, "matrix")
        idx = [np.asarray(g, dtype=int).reshape(-1) for g in groups]
        if any(np.any((g < 0) | (g >= f.shape[0])) for g in idx):
            raise ValueError(f"groups must hold indices in [0, {f.shape[0]})")
        return cls([f[np.ix_(g, g)] for g in idx], idx)

    @classmethod
    def from_samples(cls, scores: ArrayLike, groups: Sequence[ArrayLike]
                     ) -> BlockDiagonalFisher:
        s = _samples(scores, "scores")
        return cls.from_matrix(s.T @ s / s.shape[0], groups)

    def matrix(self) -> NDArray:
        out = np.zeros((self.dim, self.dim))
        for blk, grp in zip(self.blocks, self.groups, strict=True):
            out[np.ix_(grp, grp)] = blk.matrix()
        return out

    def solve(self, v: ArrayLike, damping: float = 0.0) -> NDArray:
        vec = self._vector(v)
        out = np.empty(vec.shape)
        for blk, grp in zip(self.blocks, self.groups, strict=True):
            out[..., grp] = blk.solve(vec[..., grp], damping)
        return out

    @property
    def memory_bytes(self) -> int:
        return sum(b.memory_bytes + g.nbytes for b, g in zip(self.blocks, self.groups,
                                                             strict=True))
