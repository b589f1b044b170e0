r"""Per-observation Fisher terms, the quantities every estimator averages.

.. math::

    t^{\mathrm{score}}(x) = \nabla_\theta\ell\,\nabla_\theta\ell^\top, \qquad
    t^{\mathrm{hessian}}(x) = -\nabla^2_\theta \ell, \qquad \ell = \log p(x\mid\theta),

both with expectation :math:`I(\theta)` under :math:`x \sim p(\cdot\mid\theta)`. The
terms are symmetric, so reductions work on the packed upper triangle ``i <= j``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..manifolds.base import StatisticalManifold
from ._inputs import check_manifold, check_method, validated_point

__all__ = ["fisher_terms", "PackedTerms", "packed_terms", "closed_form_hessian",
           "score_jacobian", "pack", "unpack", "natural_scale"]


def fisher_terms(manifold: StatisticalManifold, data: ArrayLike, theta: ArrayLike,
                 method: str = "score") -> NDArray:
    """Per-observation Fisher terms, shape ``[N, ..., dim, dim]``.

    .. math::

        t(x) = \\nabla_\\theta\\ell\\,\\nabla_\\theta\\ell^\\top \\ (\\text{score}), \\qquad
        t(x) = -\\nabla^2_\\theta \\ell \\ (\\text{hessian}), \\qquad
        \\ell = \\log p(x\\mid\\theta).

    Both have expectation :math:`I(\\theta)` when :math:`x \\sim p(\\cdot\\mid\\theta)`.
    The Hessian is the family's closed form where it has one in the current chart, else
    differences of the score (:func:`score_jacobian`).
    """
    check_manifold(manifold)
    check_method(method, ("score", "hessian"))
    if method == "score":
        s = manifold.score(data, theta)
        return s[..., :, None] * s[..., None, :]
    if closed_form_hessian(manifold):
        return -manifold.log_prob_hessian(data, theta)
    terms = packed_terms(manifold, np.asarray(data, dtype=float),
                         validated_point(manifold, theta), True)
    assert terms.neg_hessian is not None
    return unpack(terms.neg_hessian, manifold.dim)


class PackedTerms(NamedTuple):
    """Scores and the packed terms one chunk of observations contributes.

    ``score`` ``[N, ..., dim]``; ``outer``, ``neg_hessian`` and ``hessian_error``
    ``[N, ..., dim(dim+1)/2]`` (the last two ``None`` unless the Hessian form was asked
    for; ``hessian_error`` is 0 for a closed-form Hessian).
    """

    score: NDArray
    outer: NDArray
    neg_hessian: NDArray | None
    hessian_error: NDArray | None


def packed_terms(manifold: StatisticalManifold, data: NDArray, point: NDArray,
                 hessian: bool) -> PackedTerms:
    """Score, packed score outer products and (if ``hessian``) packed negative Hessians
    with their error bound (:func:`score_jacobian` where there is no closed form)."""
    rows, cols = np.triu_indices(manifold.dim)
    s = manifold.score(data, point)
    neg_h = err = None
    if hessian:
        if closed_form_hessian(manifold):
            neg_h = -manifold.log_prob_hessian(data, point)[..., rows, cols]
            err = np.zeros_like(neg_h)
        else:
            jac, jac_err = score_jacobian(manifold, data, point)
            neg_h = -0.5 * (jac + np.swapaxes(jac, -1, -2))[..., rows, cols]
            asym = 0.5 * np.abs(jac - np.swapaxes(jac, -1, -2))
            err = (jac_err + asym)[..., rows, cols]
    return PackedTerms(s, s[..., rows] * s[..., cols], neg_h, err)


def closed_form_hessian(manifold: StatisticalManifold) -> bool:
    """True if ``log_prob_hessian`` is a closed form in the current chart (the family
    overrides ``_log_prob_hessian`` and the chart is its base chart: other charts add
    second derivatives of the chart map, taken by differences)."""
    own = type(manifold)._log_prob_hessian is not StatisticalManifold._log_prob_hessian
    return own and manifold.chart.is_base


#: step of the differences in Fisher units, ~ eps^(1/5) for a fourth-order formula
_FD_STEP = 1e-3


def score_jacobian(manifold: StatisticalManifold, data: NDArray, point: NDArray
                   ) -> tuple[NDArray, NDArray]:
    r"""Jacobian of the score by differences, with an error bound per entry.

    .. math::

        D_h = \frac{8\,[s(\theta + h e_j) - s(\theta - h e_j)]
              - [s(\theta + 2h e_j) - s(\theta - 2h e_j)]}{12 h},
        \qquad \varepsilon \approx \tfrac{16}{15}\,|D_h - D_{2h}|

    (fourth order, so :math:`D_h - D_{2h} \approx -15\,c\,h^4`; Richardson). The step of
    coordinate j is :math:`h_j = 10^{-3} / \sqrt{I_{jj}(\theta)}`: a thousandth of the
    Fisher length, the scale on which the score varies in every chart (a step relative
    to :math:`|\theta_j|` is far too coarse for a covariance entry of 10⁻⁸ next to 0,
    and far too fine for one of 10⁸); where the metric is degenerate, a thousandth of
    :math:`\max(|\theta_j|, 10^{-3})`. It is halved until :math:`\theta \pm 4h_j`
    stays in the domain.

    Returns
    -------
    jac, error : ndarray, shape=[N, ..., dim, dim]
        ``jac[..., i, j] = ∂_j s_i``.
    """
    g = np.diagonal(manifold.metric_matrix(point), axis1=-2, axis2=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        base_step = _FD_STEP / np.sqrt(np.abs(g))
    # a degenerate metric gives no length scale: fall back to the coordinate's own size
    fallback = _FD_STEP * np.maximum(np.abs(point), 1e-3)
    base_step = np.where(np.isfinite(base_step) & (base_step > 0), base_step, fallback)
    columns, errors = [], []
    for j in range(manifold.dim):
        h = _inside_step(manifold, point, base_step[..., j], j)
        e = np.zeros(point.shape)
        e[..., j] = h
        plus = [manifold.score(data, point + k * e) for k in (1.0, 2.0, 4.0)]
        minus = [manifold.score(data, point - k * e) for k in (1.0, 2.0, 4.0)]
        diffs = [p - m for p, m in zip(plus, minus, strict=True)]
        hb = h[..., None]
        fine = (8.0 * diffs[0] - diffs[1]) / (12.0 * hb)
        coarse = (8.0 * diffs[1] - diffs[2]) / (24.0 * hb)
        # round-off of the differences: a few eps |s| / h
        size = np.maximum(np.max(np.abs(plus), axis=0), np.max(np.abs(minus), axis=0))
        roundoff = 4.0 * np.finfo(float).eps * size / hb
        columns.append(fine)
        errors.append(16.0 / 15.0 * np.abs(fine - coarse) + roundoff)
    return np.stack(columns, axis=-1), np.stack(errors, axis=-1)


def _inside_step(manifold: StatisticalManifold, point: NDArray, step: NDArray, j: int
                 ) -> NDArray:
    """The step ``step`` (per point), rounded to what floats represent at ``point`` and
    halved until ``point ± 4 step e_j`` is valid."""
    # a step that floats represent exactly around θ: θ ± k h then differ by exactly 2kh
    # (a step of 1e-7 at θ = -1e8, where floats are 1.5e-8 apart, would be 15 % off)
    h = np.asarray((point[..., j] + np.asarray(step, dtype=float)) - point[..., j])
    h = np.where(h > 0, h, np.spacing(np.abs(point[..., j])))
    for _ in range(60):
        e = np.zeros(point.shape)
        e[..., j] = 4.0 * h
        try:
            manifold._to_base(point + e, "theta")
            manifold._to_base(point - e, "theta")
            return h
        except ValueError:
            h = 0.5 * h
    raise ValueError(f"no difference step keeps theta inside the domain along coordinate "
                     f"{manifold.coordinates[j]!r} at theta = {point.tolist()}")


def pack(matrix: NDArray) -> NDArray:
    """Upper triangle ``i <= j`` of ``[..., dim, dim]`` as ``[..., dim(dim+1)/2]``."""
    rows, cols = np.triu_indices(matrix.shape[-1])
    return matrix[..., rows, cols]


def unpack(packed: NDArray, dim: int) -> NDArray:
    """Symmetric ``[..., dim, dim]`` from the packed upper triangle."""
    rows, cols = np.triu_indices(dim)
    out = np.empty(packed.shape[:-1] + (dim, dim), dtype=packed.dtype)
    out[..., rows, cols] = packed
    out[..., cols, rows] = packed
    return out


def natural_scale(matrix: NDArray) -> NDArray:
    r"""Entrywise scale :math:`\sqrt{|I_{ii}|\,|I_{jj}|}` of a Fisher matrix ``[..., d, d]``.

    By Cauchy–Schwarz :math:`|I_{ij}| \le \sqrt{I_{ii} I_{jj}}`, and the scale follows the
    chart (it is what a reparametrization :math:`\theta_i \to c_i\theta_i` multiplies the
    entry by); an error "small" against this scale is small in every chart. A matrix
    whose entries span 10⁻⁴ to 10⁸ (Gamma at shape 10⁻⁴) is judged entry by entry.
    """
    diag = np.abs(np.diagonal(matrix, axis1=-2, axis2=-1))
    return np.sqrt(diag[..., :, None] * diag[..., None, :])
