r"""Third-order expansion of the Kullback–Leibler divergence, and a KL trust region
that predicts the KL of a step with it.

Expanding :math:`KL(p_\theta \| p_{\theta+\delta}) = E_\theta[\ell(\theta) -
\ell(\theta+\delta)]` in :math:`\delta` (with :math:`E[\partial_i\ell] = 0`,
:math:`-E[\partial_i\partial_j\ell] = g_{ij}` and, differentiating the latter,
:math:`-E[\partial_i\partial_j\partial_k\ell] = \partial_k g_{ij} + E[\partial_i\partial_j
\ell\,\partial_k\ell] = \partial_k g_{ij} + \Gamma^{(e)}_{ij,k}`) gives

.. math::

    KL(p_\theta \| p_{\theta+\delta}) = \tfrac12 g_{ij}\delta^i\delta^j
    + \tfrac16\big(\Gamma^{(m)}_{ij,k} + 2\,\Gamma^{(e)}_{ij,k}\big)\delta^i\delta^j\delta^k
    + O(\|\delta\|^4)
    = \tfrac12 g_{ij}\delta^i\delta^j
    + \tfrac1{12}\big(3\,\partial_k g_{ij} - T_{ijk}\big)\delta^i\delta^j\delta^k + \dots

and for the reverse divergence the cubic coefficient is
:math:`\tfrac16(2\Gamma^{(m)} + \Gamma^{(e)}) = \tfrac1{12}(3\partial g + T)`. Here
:math:`\Gamma^{(\alpha)}_{ij,k} = g_{kl}\Gamma^{(\alpha)l}_{ij} = \Gamma^{(0)}_{ij,k} -
\tfrac\alpha2 T_{ijk}` (Amari's convention, e: α = 1, m: α = −1) and
:math:`T_{ijk} = E[\partial_i\ell\,\partial_j\ell\,\partial_k\ell]`. The identities are
Eguchi's relations for the dualistic structure a divergence induces — the Kullback–Leibler
divergence induces :math:`(g, \nabla^{(m)}, \nabla^{(e)})`: S. Amari & H. Nagaoka,
*Methods of Information Geometry* (2000), §3.2; S. Amari, *Information Geometry and Its
Applications* (2016), §6.2. For an exponential family in natural coordinates
:math:`\partial_k g_{ij} = T_{ijk} = \partial_i\partial_j\partial_k\psi` and the cubic term
is :math:`\tfrac16\psi'''[\delta,\delta,\delta]`, the Taylor term of the Bregman divergence.

Numerically the coefficient is computed from the Levi-Civita symbols and the skewness
tensor, :math:`c(\delta) = \tfrac12\Gamma^{(0)}_{ij,k}\delta^i\delta^j\delta^k \mp
\tfrac1{12}T_{ijk}\delta^i\delta^j\delta^k`. It is a chart-dependent quantity (δ is a
coordinate increment), as the expansion itself is.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int
from .transforms import GradientTransformation

__all__ = ["kl_expansion", "kl_cubic_term", "kl_cubic_trust_region", "CubicTrustRegionState"]

_DIRECTIONS = ("forward", "reverse")


def _check_direction(direction: str) -> float:
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {_DIRECTIONS}, got {direction!r}")
    return -1.0 if direction == "forward" else 1.0


def _point_and_step(manifold: Any, theta: ArrayLike, delta: ArrayLike
                    ) -> tuple[NDArray, NDArray]:
    point = as_finite_array(theta, "theta")
    step = as_finite_array(delta, "delta")
    dim = point.shape[-1] if point.ndim else 0
    if point.ndim == 0 or step.ndim == 0 or step.shape[-1] != dim:
        raise ValueError(f"theta and delta must have shape [..., dim] with the same dim, got "
                         f"shapes {point.shape} and {step.shape}")
    manifold.change_chart(point, manifold.chart.name)  # domain check: ValueError outside
    return point, step


def kl_cubic_term(manifold: Any, theta: ArrayLike, delta: ArrayLike,
                  direction: str = "forward") -> NDArray:
    r"""The cubic term of the KL divergence between :math:`\theta` and :math:`\theta+\delta`.

    .. math::

        c(\delta) = \tfrac16\big(\Gamma^{(m)}_{ij,k} + 2\Gamma^{(e)}_{ij,k}\big)
        \delta^i\delta^j\delta^k
        = \tfrac1{12}\big(3\,\partial_k g_{ij} - T_{ijk}\big)\delta^i\delta^j\delta^k

    for ``direction="forward"``, :math:`KL(p_\theta\|p_{\theta+\delta})`; for
    ``"reverse"``, :math:`KL(p_{\theta+\delta}\|p_\theta)`, the sign of :math:`T` flips.
    Derivation and sources in :mod:`infogeo.flows.third_order`.

    Parameters
    ----------
    manifold
        Has ``metric_matrix``, ``christoffels`` (Levi-Civita, ``gamma[..., k, i, j] =
        Γ^k_ij``) and ``skewness_tensor`` in its current chart
        (:class:`~infogeo.flows.protocols.SkewnessManifold`).
    theta : array-like, shape=[..., dim]
    delta : array-like, shape=[..., dim]
    direction : {"forward", "reverse"}

    Returns
    -------
    ndarray, shape=[...]
    """
    sign = _check_direction(direction)
    point, step = _point_and_step(manifold, theta, delta)
    g = manifold.metric_matrix(point)
    gamma = manifold.christoffels(point)
    skew = manifold.skewness_tensor(point)
    # Γ^(0)_ij,k δ^i δ^j δ^k = δ^k g_kl Γ^l_ij δ^i δ^j
    levi_civita = np.einsum("...k,...kl,...lij,...i,...j->...", step, g, gamma, step, step)
    cubic_t = np.einsum("...ijk,...i,...j,...k->...", skew, step, step, step)
    return 0.5 * levi_civita + sign * cubic_t / 12.0


def kl_expansion(manifold: Any, theta: ArrayLike, delta: ArrayLike, order: int = 3,
                 direction: str = "forward") -> NDArray:
    r"""Taylor model of the KL divergence of a step, to second or third order.

    .. math::

        KL(p_\theta \| p_{\theta+\delta}) \approx \tfrac12 g_{ij}\delta^i\delta^j
        \;\big[+\; \tfrac16(\Gamma^{(m)}_{ij,k} + 2\Gamma^{(e)}_{ij,k})
        \delta^i\delta^j\delta^k\big]

    with error :math:`O(\|\delta\|^{3})` for ``order=2`` and :math:`O(\|\delta\|^4)` for
    ``order=3`` (see :func:`kl_cubic_term`).

    Parameters
    ----------
    manifold
        ``metric_matrix`` (order 2); also ``christoffels`` and ``skewness_tensor`` (order 3).
    theta : array-like, shape=[..., dim]
    delta : array-like, shape=[..., dim]
        Coordinate increment in the manifold's current chart.
    order : {2, 3}
    direction : {"forward", "reverse"}
        :math:`KL(p_\theta\|p_{\theta+\delta})` or :math:`KL(p_{\theta+\delta}\|p_\theta)`.

    Returns
    -------
    ndarray, shape=[...]

    Examples
    --------
    >>> import numpy as np
    >>> from infogeo.manifolds import Poisson
    >>> lam, d = np.array([2.0]), np.array([0.1])
    >>> exact = float(Poisson().kl_divergence(lam, lam + d))
    >>> err2 = abs(float(kl_expansion(Poisson(), lam, d, order=2)) - exact)
    >>> err3 = abs(float(kl_expansion(Poisson(), lam, d, order=3)) - exact)
    >>> bool(err3 < err2 / 20)
    True
    """
    if order not in (2, 3):
        raise ValueError(f"order must be 2 or 3, got {order!r}")
    _check_direction(direction)
    point, step = _point_and_step(manifold, theta, delta)
    quad = 0.5 * np.einsum("...i,...ij,...j->...", step, manifold.metric_matrix(point), step)
    if order == 2:
        return quad
    return quad + kl_cubic_term(manifold, point, step, direction)


class CubicTrustRegionState(NamedTuple):
    """State of :func:`kl_cubic_trust_region`.

    ``kl_model`` is the model's KL of the accepted step, ``kl_actual`` the measured KL
    (NaN when ``verify=False``), ``n_shrinks`` the number of shrinkings the check needed.
    """

    step_size: float
    kl_model: float
    kl_actual: float
    n_shrinks: int
    success: bool


def _largest_step_within(a: float, b: float, radius: float, t_max: float) -> float:
    r"""Largest :math:`t \le t_{max}` with :math:`a t^2 + b t^3 \le \delta` on all of
    :math:`[0, t]` (:math:`a > 0`): the first positive root of the cubic model, or the
    model's turning point :math:`t^* = -2a/3b` when :math:`b < 0` and the maximum stays
    below δ (beyond it the cubic no longer models a divergence)."""
    roots = np.roots([b, a, 0.0, -radius]) if b != 0 else np.array([np.sqrt(radius / a)])
    real = roots[(np.abs(roots.imag) <= 1e-12 * np.abs(roots)) & (roots.real > 0)].real
    t = float(real.min()) if real.size else np.inf
    if b < 0:
        t = min(t, -2.0 * a / (3.0 * b))
    return float(min(t, t_max))


def kl_cubic_trust_region(manifold: Any, radius: float, max_step: float = 1.0, *,
                          order: int = 3, verify: bool = True, tolerance: float = 0.25,
                          shrink: float = 0.5, max_shrinks: int = 30
                          ) -> GradientTransformation:
    r"""KL trust region with a cubic model of the step's divergence.

    For the direction :math:`u` (sign of the gradient) and the step
    :math:`\Delta = -t u`, the model

    .. math::

        m(t) = \tfrac12 t^2\, u^\top g\, u - t^3\, c(u), \qquad
        c(u) = \tfrac16(\Gamma^{(m)}_{ij,k} + 2\Gamma^{(e)}_{ij,k})u^iu^ju^k

    (:func:`kl_expansion` along :math:`-u`) predicts :math:`KL(p_\theta\|p_{\theta+\Delta})`;
    the largest :math:`t \le t_{max}` with :math:`m \le \delta` on :math:`[0, t]` is
    proposed (``order=2`` drops the cubic term: :func:`kl_trust_region` with the exact
    metric). With ``verify`` the step is accepted only if the measured divergence
    ``manifold.kl_divergence`` is at most :math:`(1 + \text{tolerance})\,\delta`; otherwise
    :math:`t` is multiplied by ``shrink`` until it is (state ``n_shrinks``). The model error
    :math:`|KL - m|` is :math:`O(t^4)` against :math:`O(t^3)` for the quadratic model: the
    proposed step's KL lands closer to δ (relative error :math:`O(\delta)` against
    :math:`O(\sqrt\delta)`).

    Parameters
    ----------
    manifold
        ``metric_matrix``, ``christoffels``, ``skewness_tensor``, ``change_chart`` and, with
        ``verify``, ``kl_divergence`` (params ``[dim]`` in its current chart).
    radius : float
        KL budget δ per step.
    max_step : float
        Largest step size :math:`t_{max}`.
    order : {2, 3}
    verify : bool
        Measure the step's KL and shrink until it respects the budget.
    tolerance, shrink, max_shrinks
        Acceptance slack, shrink factor in (0, 1), and the most shrinkings before the rule
        reports failure (``state.success`` false, zero update).
    """
    check_positive(radius, "radius")
    check_positive(max_step, "max_step")
    check_positive(tolerance, "tolerance", strict=False)
    max_shrinks = check_positive_int(max_shrinks, "max_shrinks")
    if order not in (2, 3):
        raise ValueError(f"order must be 2 or 3, got {order!r}")
    if not 0 < shrink < 1:
        raise ValueError(f"shrink must lie in (0, 1), got {shrink!r}")
    budget = (1.0 + tolerance) * radius

    def measured(theta: NDArray, step: NDArray) -> float:
        try:
            value = float(manifold.kl_divergence(theta, theta + step))
        except ValueError:  # the trial left the parameter domain
            return np.inf
        return value if np.isfinite(value) else np.inf

    def update(u: Any, state: CubicTrustRegionState, params: Any = None, **extra: Any
               ) -> tuple[Any, CubicTrustRegionState]:
        theta = np.asarray(params, dtype=float)
        vec = np.asarray(u, dtype=float)
        a = 0.5 * float(vec @ manifold.metric_matrix(theta) @ vec)
        if not a > 0:
            return np.zeros_like(vec), CubicTrustRegionState(0.0, 0.0, np.nan, 0, False)
        b = -float(kl_cubic_term(manifold, theta, vec)) if order == 3 else 0.0
        t = _largest_step_within(a, b, radius, max_step)
        model = a * t**2 + b * t**3
        if not verify:
            return -t * vec, CubicTrustRegionState(t, model, np.nan, 0, True)
        for n in range(max_shrinks + 1):
            actual = measured(theta, -t * vec)
            if actual <= budget:
                return -t * vec, CubicTrustRegionState(t, a * t**2 + b * t**3, actual, n, True)
            t *= shrink
        return np.zeros_like(vec), CubicTrustRegionState(0.0, 0.0, actual, max_shrinks, False)

    return GradientTransformation(
        lambda params: CubicTrustRegionState(float(max_step), 0.0, np.nan, 0, True), update)
