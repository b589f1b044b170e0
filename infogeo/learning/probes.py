r"""Per-layer Fisher approximations with their costs, and cheap probes of the exact Fisher.

The candidates for one dense layer (weights :math:`W` of shape ``[d_out, d_in]``, bias
as last column; :math:`n = NS` gradient columns :math:`v_{ns} = \operatorname{vec}(
g_{ns}a_n^\top)` with weights :math:`c\,w_s`, :math:`P = d_{in}d_{out}`, rank :math:`r`)
and the floating-point operations counted for building and applying each
(:func:`layer_cost`; multiply–adds count 2, a symmetric eigendecomposition
:math:`9m^3`, Golub & Van Loan 2013, §8.3):

==============  ==========================================  ==================================
``diagonal``    :math:`\operatorname{diag}F_{ll}`           :math:`3nP + P`
``kfac``        :math:`A\otimes G` (Martens & Grosse 2015)  :math:`2(Nd_{in}^2 + nd_{out}^2) +
                                                            9(d_{in}^3 + d_{out}^3) +
                                                            4P(d_{in} + d_{out})`
``ekfac``       K-FAC basis, refitted eigenvalues           ``kfac`` :math:`+\,2(Nd_{in}^2 +
                (George et al. 2018)                        nd_{out}^2) + 3nP`
``lowrank``     :math:`UU^\top + D` (subspace iteration)    :math:`8nPr + 3nP + 4Pr`
``block``       the exact layer block :math:`F_{ll}`        :math:`2nP^2 + 9P^3 + 4P^2`
==============  ==========================================  ==================================

The probe is the Fisher–vector product of the **exact** true Fisher, without forming it
(Schraudolph 2002; Martens 2010):

.. math::

    F v = c\sum_n J_n^\top F_z(x_n)\, J_n v ,

one forward-mode pass (:meth:`MLP.output_jvp`), the output Fisher
(:math:`F_z = \operatorname{diag}(p) - pp^\top` or :math:`I/\sigma^2`) and one backward
pass for all probe vectors at once — :math:`O(NP)` per vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive_int
from ..estimators import (
    DiagonalFisher,
    FullFisher,
    KroneckerFactoredFisher,
    LowRankPlusDiagonalFisher,
)
from .curvature import objective_of
from .fisher import FisherStats
from .kronecker import EigenCorrectedKroneckerFisher
from .mlp import MLP, check_reduction

__all__ = ["CANDIDATES", "layer_approximation", "layer_cost", "solve_layer",
           "fisher_vector_products", "fisher_quadratic_forms",
           "stats_fisher_vector_products", "stats_quadratic_forms", "stats_form_cost",
           "layer_fisher_quadratic_forms", "layer_form_cost",
           "direction_error", "model_reduction",
           "reduction_fraction", "probe_rows", "network_probes", "stats_probes",
           "forms_from_products", "ProbeProducts", "ProbeForms"]

#: ``products(params, layer, directions, step) -> [F_ll u for u in directions]``
ProbeProducts = Callable[[Any, int, list, int], list]
#: ``forms(params, layer, directions, step) -> [u^T F_ll u for u in directions]``
ProbeForms = Callable[[Any, int, list, int], NDArray]

#: The per-layer approximations, cheapest (usually) first.
CANDIDATES = ("diagonal", "kfac", "ekfac", "lowrank", "block")


def _scale(stats: FisherStats, reduction: str) -> float:
    check_reduction(reduction)
    return 1.0 / stats.n_examples if reduction == "mean" else 1.0


def _score_rows(a: NDArray, g: NDArray, w: NDArray, c: float) -> NDArray:
    """Rows :math:`\\sqrt{c w_s}\\,v_{ns}`, shape ``[N S, P]``, so that
    :math:`F_{ll} = R^\\top R`."""
    v = np.einsum("ni,nsj->nsij", a, g * np.sqrt(c * w)[None, :, None])
    return v.reshape(a.shape[0] * g.shape[1], -1)


def _low_rank(rows: NDArray, rank: int, start: NDArray | None, n_iter: int = 2
              ) -> LowRankPlusDiagonalFisher:
    r"""Top-``rank`` part of :math:`R^\top R` by subspace iteration (warm-started from the
    previous basis), plus the diagonal of the remainder, so the diagonal stays exact."""
    p = rows.shape[1]
    rank = min(rank, p, rows.shape[0])
    if start is None or start.shape != (p, rank):
        start = rows[:rank].T  # deterministic: spanned by the first score rows
    q = np.linalg.qr(start)[0]
    for _ in range(n_iter):
        q = np.linalg.qr(rows.T @ (rows @ q))[0]
    _, sv, vt = np.linalg.svd(rows @ q, full_matrices=False)
    factor = (q @ vt.T) * sv
    diag = np.einsum("np,np->p", rows, rows) - np.sum(factor**2, axis=1)
    return LowRankPlusDiagonalFisher(factor, np.maximum(diag, 0.0))


def layer_approximation(name: str, stats: FisherStats, layer: int, *,
                        reduction: str = "mean", rank: int = 8,
                        start: NDArray | None = None) -> Any:
    r"""The approximation ``name`` (one of :data:`CANDIDATES`) of the Fisher block of
    ``layer``, built from ``stats``.

    ``start`` warm-starts the low-rank subspace (its ``factor`` from the last step).
    Solve it on layer-shaped matrices with :func:`solve_layer`.
    """
    c = _scale(stats, reduction)
    a, g, w = stats.inputs[layer], stats.preactivation_grads[layer], stats.column_weights
    if name == "diagonal":
        d = c * np.einsum("nsj,ni,s->ji", g**2, a**2, w)
        return DiagonalFisher(d.ravel(order="F"))
    if name == "kfac":
        gw = (g * np.sqrt(w)[None, :, None]).reshape(-1, g.shape[-1])
        return KroneckerFactoredFisher(a.T @ a / a.shape[0], c * gw.T @ gw)
    if name == "ekfac":
        return EigenCorrectedKroneckerFisher.from_statistics(a, g, w, c)
    if name == "lowrank":
        return _low_rank(_score_rows(a, g, w, c), check_positive_int(rank, "rank"), start)
    if name == "block":
        rows = _score_rows(a, g, w, c)
        return FullFisher(rows.T @ rows)
    raise ValueError(f"candidate must be one of {CANDIDATES}, got {name!r}")


def layer_cost(name: str, n_examples: int, n_columns: int, d_in: int, d_out: int,
               rank: int = 8, part: str = "total") -> float:
    r"""Flops to build and apply the approximation ``name`` once (module docstring).

    ``part="apply"`` is the cost of one solve with an approximation already built
    (what a step with a stale approximation pays), ``"build"`` the rest, ``"total"`` both:
    diagonal :math:`P`, K-FAC :math:`4P(d_{in}+d_{out})`, EKFAC that :math:`+\,P`, low
    rank :math:`4Pr + P`, block :math:`4P^2` (multiplications by eigenbases).
    """
    N, n, p = n_examples, n_examples * n_columns, d_in * d_out
    kfac = 2 * (N * d_in**2 + n * d_out**2) + 9 * (d_in**3 + d_out**3) + 4 * p * (d_in + d_out)
    r = min(rank, p, n)
    costs = {"diagonal": 3 * n * p + p, "kfac": kfac,
             "ekfac": kfac + 2 * (N * d_in**2 + n * d_out**2) + 3 * n * p,
             "lowrank": 8 * n * p * r + 3 * n * p + 4 * p * r,
             "block": 2 * n * p**2 + 9 * p**3 + 4 * p**2}
    apply = {"diagonal": p, "kfac": 4 * p * (d_in + d_out), "ekfac": 4 * p * (d_in + d_out) + p,
             "lowrank": 4 * p * r + p, "block": 4 * p**2}
    if name not in costs:
        raise ValueError(f"candidate must be one of {CANDIDATES}, got {name!r}")
    if part == "total":
        return float(costs[name])
    if part == "apply":
        return float(apply[name])
    if part == "build":
        return float(costs[name] - apply[name])
    raise ValueError(f"part must be 'total', 'build' or 'apply', got {part!r}")


def solve_layer(approx: Any, v: NDArray, damping: float) -> NDArray:
    """:math:`(\\tilde F_{ll} + \\lambda I)^{-1}` applied to a ``[d_out, d_in]`` matrix."""
    if hasattr(approx, "solve_matrix"):
        return approx.solve_matrix(v, damping)
    u = approx.solve(np.asarray(v).ravel(order="F"), damping)
    return u.reshape(v.shape[1], v.shape[0]).T


def _output_fisher_matvec(net: MLP, outputs: NDArray, v: NDArray) -> NDArray:
    """:math:`F_z(x_n) v_{nk}` for ``v`` of shape ``[N, K, d_out]``."""
    if net.output == "softmax":
        z = outputs - outputs.max(axis=1, keepdims=True)
        p = np.exp(z)
        p = (p / p.sum(axis=1, keepdims=True))[:, None, :]
        return p * v - p * np.sum(p * v, axis=-1, keepdims=True)
    return v / net.noise_std**2


def fisher_vector_products(net: MLP, params: Sequence[NDArray], X: Any,
                           directions: Sequence[Sequence[NDArray]],
                           reduction: str = "mean") -> list[list[NDArray]]:
    r"""Exact true-Fisher products :math:`F v_k = c\sum_n J_n^\top F_z J_n v_k` for each
    direction :math:`v_k` (a list of layer matrices), without forming :math:`F`.

    Returns one list of layer matrices per direction.
    """
    check_reduction(reduction)
    cache = net.forward(params, X)
    if not directions:
        return []
    jv = np.stack([net.output_jvp(params, cache, d) for d in directions], axis=1)
    gs = net.backward(params, cache, _output_fisher_matvec(net, cache.outputs, jv))
    c = 1.0 / cache.outputs.shape[0] if reduction == "mean" else 1.0
    return [[c * gs[l][:, k, :].T @ cache.inputs[l] for l in range(net.n_layers)]
            for k in range(len(directions))]


def fisher_quadratic_forms(net: MLP, params: Sequence[NDArray], X: Any,
                           directions: Sequence[Sequence[NDArray]],
                           reduction: str = "mean") -> NDArray:
    r"""Exact true-Fisher quadratic forms :math:`v_k^\top F v_k = c\sum_n (J_n v_k)^\top
    F_z(x_n)\,(J_n v_k)` — one forward-mode pass per direction, no backward pass (half
    the cost of :func:`fisher_vector_products`)."""
    check_reduction(reduction)
    cache = net.forward(params, X)
    c = 1.0 / cache.outputs.shape[0] if reduction == "mean" else 1.0
    return np.array([c * net.output_fisher_quadratic(
        cache.outputs, net.output_jvp(params, cache, d)).sum() for d in directions])


def layer_fisher_quadratic_forms(net: MLP, params: Sequence[NDArray], cache: Any,
                                 layer: int, directions: Sequence[NDArray],
                                 reduction: str = "mean") -> NDArray:
    r"""Exact true-Fisher forms :math:`u^\top F_{ll} u` of directions confined to one
    layer (``[d_out, d_in]`` matrices :math:`U`), by forward mode **from that layer on**:

    .. math::

        \dot s_l = U a_{l-1},\quad \dot s_k = W_k \dot x_{k-1}\;(k > l),\qquad
        u^\top F_{ll} u = c\sum_n \dot z_n^\top F_z(x_n)\,\dot z_n ,

    all directions in one product per layer. Equal to :func:`fisher_quadratic_forms` of
    the directions padded with zeros, without the zero products of the layers before
    ``layer``: :func:`layer_form_cost` flops per direction. ``cache`` is
    ``net.forward(params, X)`` of the probe rows.
    """
    check_reduction(reduction)
    n, k = cache.outputs.shape[0], len(directions)
    D = np.concatenate([np.asarray(u, dtype=float) for u in directions], axis=0)
    ds = dx = (cache.inputs[layer] @ D.T).reshape(n, k, -1)
    for j in range(layer, net.n_layers):
        if j > layer:
            ds = (dx.reshape(n * k, -1) @ params[j][:, :-1].T).reshape(n, k, -1)
        deriv = cache.derivative(j, net.activations[j])
        dx = ds if deriv is None else ds * deriv[:, None, :]
    c = 1.0 / n if reduction == "mean" else 1.0
    return np.array([c * float(net.output_fisher_quadratic(cache.outputs, dx[:, i]).sum())
                     for i in range(k)])


def layer_form_cost(net: MLP, layer: int, n_rows: int) -> float:
    r"""Flops of one :func:`layer_fisher_quadratic_forms` direction on ``n_rows`` rows:
    :math:`2m\,d_{in}d_{out}` at ``layer``, :math:`2m\,d_{in}d_{out}` (no bias column)
    and :math:`m\,d_{out}` (activation derivative) at each later layer, :math:`4m\,d_z`
    for the output-Fisher form."""
    sizes = net.layer_sizes
    flops = 2 * n_rows * (sizes[layer] + 1) * sizes[layer + 1]
    for j in range(layer + 1, net.n_layers):
        flops += 2 * n_rows * sizes[j] * sizes[j + 1] + n_rows * sizes[j + 1]
    return float(flops + 4 * n_rows * sizes[-1])


def probe_rows(X: Any, probe_size: int | None, step: int) -> Any:
    """The probe subset: every ``len(X) // probe_size``-th row, the offset cycling with
    ``step`` (all rows if ``probe_size`` is None or not smaller)."""
    if probe_size is None or probe_size >= len(X):
        return X
    stride = len(X) // probe_size
    return X[step % stride::stride][:probe_size]


def stats_fisher_vector_products(stats: FisherStats, layer: int,
                                 directions: Sequence[NDArray],
                                 reduction: str = "mean") -> list[NDArray]:
    r"""Block products :math:`F_{ll}U = c\sum_{n,s} w_s\,(g_{ns}^\top U a_n)\,g_{ns}
    a_n^\top` of the Fisher the statistics hold (Monte Carlo if they are)."""
    c = _scale(stats, reduction)
    a, g, w = stats.inputs[layer], stats.preactivation_grads[layer], stats.column_weights
    out = []
    for u in directions:
        proj = np.einsum("nsj,nj->ns", g, a @ np.asarray(u).T) * w
        out.append(c * np.einsum("ns,nsj,ni->ji", proj, g, a))
    return out


def stats_quadratic_forms(stats: FisherStats, layer: int, directions: Sequence[NDArray],
                          reduction: str = "mean", rows: Any = None) -> NDArray:
    r"""Quadratic forms of the layer block of the Fisher the statistics hold, from the
    gradient columns already there (no Fisher formed, no pass through the network):

    .. math::

        u^\top \hat F_{ll} u = c\sum_{n,s} w_s\,\big(g_{ns}^\top U a_n\big)^2 ,

    :math:`u = \operatorname{vec}U`, :math:`U` of shape ``[d_out, d_in]``. ``rows``
    (indices or a slice) restricts the sum to a subset of the examples, the mean then
    taken over that subset (``reduction="mean"``: an estimate of the whole mean; ``"sum"``
    rescales by :math:`N/m`). Costs :func:`stats_form_cost` flops per direction.
    """
    check_reduction(reduction)
    a, g, w = stats.inputs[layer], stats.preactivation_grads[layer], stats.column_weights
    if rows is not None:
        a, g = a[rows], g[rows]
    m = a.shape[0]
    c = 1.0 / m if reduction == "mean" else stats.n_examples / m
    out = np.empty(len(directions))
    for k, u in enumerate(directions):
        proj = np.einsum("nsj,nj->ns", g, a @ np.asarray(u).T)  # g_ns^T U a_n
        out[k] = c * float(np.sum(proj**2 * w))
    return out


def stats_form_cost(n_rows: int, n_columns: int, d_in: int, d_out: int) -> float:
    r"""Flops of one :func:`stats_quadratic_forms` direction on ``n_rows`` rows:
    :math:`2md_{in}d_{out}` for :math:`AU^\top`, :math:`2mSd_{out}` for the
    projections, :math:`3mS` to square, weight and sum."""
    return float(2 * n_rows * d_in * d_out + 2 * n_rows * n_columns * d_out
                 + 3 * n_rows * n_columns)


def direction_error(curvature_times_u: NDArray, g: NDArray) -> float:
    r"""Scale-free error of a preconditioned direction :math:`u` against the exact damped
    system :math:`(F + \lambda I)u = g`, given :math:`r = (F+\lambda I)u`:

    .. math::

        \varepsilon(u) = \min_\alpha \frac{\lVert \alpha r - g\rVert}{\lVert g\rVert}
        = \sin\angle(r, g) \in [0, 1],

    zero exactly when :math:`u` is a multiple of :math:`(F+\lambda I)^{-1}g` (the step
    length is fitted afterwards by the quadratic model, so only the direction counts).
    """
    r, g = np.ravel(curvature_times_u), np.ravel(g)
    rr, gg = float(r @ r), float(g @ g)
    if gg == 0.0:
        return 0.0
    if rr == 0.0:
        return 1.0
    return float(np.sqrt(max(0.0, 1.0 - (r @ g) ** 2 / (rr * gg))))


def model_reduction(g: NDArray, u: NDArray, u_curvature_u: float) -> float:
    r"""Reduction of the quadratic model :math:`m(\delta) = -g^\top\delta +
    \tfrac12\delta^\top A\delta` along the direction :math:`u` after the optimal step
    length, times two:

    .. math::

        \max_\alpha\; 2\big(\alpha\, g^\top u - \tfrac{\alpha^2}{2}\,u^\top A u\big)
        = \frac{(g^\top u)^2}{u^\top A u},

    given :math:`u^\top A u` (:math:`A = F + \lambda I`). The step rules
    (:func:`~infogeo.flows.quadratic_model_step`) fit the length, so this — not the
    angle of :math:`Au` to :math:`g` — is the progress a direction buys (Martens &
    Grosse 2015, §6.4).
    """
    gu = float(np.vdot(np.ravel(g), np.ravel(u)))
    if u_curvature_u <= 0.0:
        return 0.0 if gu == 0.0 else np.inf
    return gu * gu / float(u_curvature_u)


def reduction_fraction(g: NDArray, u: NDArray, u_curvature_u: float,
                       g_inverse_g: float) -> float:
    r"""Fraction of the ideal model reduction a direction achieves,

    .. math::

        \rho(u) = \frac{(g^\top u)^2}{(u^\top A u)(g^\top A^{-1}g)}
        = \cos^2\angle_A\big(u, A^{-1}g\big) \in [0, 1],

    the squared cosine in the :math:`A`-inner product between :math:`u` and the exact
    damped natural-gradient direction (Cauchy–Schwarz in that inner product); 1 exactly
    when :math:`u \parallel A^{-1}g`. ``g_inverse_g`` is :math:`g^\top A^{-1}g`
    (e.g. from conjugate gradients with exact products).
    """
    if g_inverse_g <= 0.0:
        return 1.0
    return min(1.0, model_reduction(g, u, u_curvature_u) / float(g_inverse_g))


# ---------------------------------------------------------- probes for the adaptive loop
def _layer_directions(params: Any, layer: int, directions: list) -> list:
    """Whole-network directions that are zero outside ``layer``."""
    full = [[np.zeros_like(w) for w in params] for _ in directions]
    for f, u in zip(full, directions, strict=True):
        f[layer] = u
    return full


def network_probes(stats_fn: Callable[[Any], FisherStats], probe_size: int | None,
                   reduction: str) -> tuple[ProbeProducts, ProbeForms]:
    """Exact layer-block products and quadratic forms through the network owning
    ``stats_fn``, on the probe subset (:func:`probe_rows`)."""
    owner = objective_of(stats_fn)
    if not (hasattr(owner, "net") and hasattr(owner, "X")):
        raise TypeError("probe='exact' needs stats_fn to be a NetworkObjective's stats "
                        "method; pass probe='stats' or a callable")

    def products(params: Any, layer: int, directions: list, step: int) -> list:
        X = probe_rows(owner.X, probe_size, step)
        return [fv[layer] for fv in fisher_vector_products(
            owner.net, params, X, _layer_directions(params, layer, directions), reduction)]

    last: dict[str, Any] = {}

    def forms(params: Any, layer: int, directions: list, step: int) -> NDArray:
        if last.get("key") != (step, id(params)):  # one forward pass per step and params
            last["key"] = (step, id(params))
            last["cache"] = owner.net.forward(params, probe_rows(owner.X, probe_size, step))
        return layer_fisher_quadratic_forms(owner.net, params, last["cache"], layer,
                                            directions, reduction)

    return products, forms


def stats_probes(stats_fn: Callable[[Any], FisherStats], reduction: str
                 ) -> tuple[ProbeProducts, ProbeForms]:
    """Layer-block products of the Fisher that ``stats_fn`` builds (its own data), and
    the quadratic forms from them."""
    def products(params: Any, layer: int, directions: list, step: int) -> list:
        return stats_fisher_vector_products(stats_fn(params), layer, directions, reduction)

    def forms(params: Any, layer: int, directions: list, step: int) -> NDArray:
        return stats_quadratic_forms(stats_fn(params), layer, directions, reduction)
    return products, forms


def forms_from_products(products: ProbeProducts) -> ProbeForms:
    """Quadratic forms :math:`u^\\top F u` from the products :math:`F u`."""
    def forms(params: Any, layer: int, directions: list, step: int) -> NDArray:
        return np.array([float(np.vdot(u, fu)) for u, fu in zip(
            directions, products(params, layer, directions, step), strict=True)])
    return forms
