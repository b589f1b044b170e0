r"""Natural-gradient steps along Amari's α-geodesics.

The α-geodesic from :math:`\theta` with initial velocity :math:`v` solves

.. math::

    \ddot\gamma^k + \Gamma^{(\alpha)k}_{ij}(\gamma)\,\dot\gamma^i\dot\gamma^j = 0,
    \qquad \gamma(0) = \theta,\; \dot\gamma(0) = v,
    \qquad \Gamma^{(\alpha)k}_{ij} = \Gamma^{(0)k}_{ij} - \tfrac\alpha2 g^{kl}T_{ijl}

(α = 1: e-geodesic, α = −1: m-geodesic, α = 0: the Levi-Civita geodesic; Amari & Nagaoka
2000, §2.3 and §3.1). A natural-gradient step along it moves to
:math:`\gamma(\eta)` with :math:`v = -I^{-1}\nabla L`. For an exponential family the
e-connection has zero symbols in natural parameters and the m-connection in expectation
parameters (dual flatness, Amari & Nagaoka 2000, §3.3): there the α-geodesic step *is* the
straight step of plain natural-gradient descent.

Every α-connection is an affine connection, so the exact step is a chart-free map (the
steps taken in two charts have the same image); an integrator of the geodesic equation with local
error :math:`O(\eta^{q+1})` per step therefore leaves a chart discrepancy of
:math:`O(\eta^{q})` at a fixed flow time: ``method="taylor2"`` (the geodesic correction of
Song et al. 2018) gives :math:`q = 2`, one ``"rk3"`` / ``"rk4"`` step of the geodesic
equation gives :math:`q = 3` / :math:`4` (and ``n_substeps`` substeps shrink the constant).
As an integrator of the Fisher flow the α-geodesic step stays of order 1 (the geodesic
is not the flow's curve); only its invariance order rises.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int
from .integrators import ButcherTableau, butcher_tableau
from .step_rules import StepSizeState
from .transforms import GradientTransformation

__all__ = ["alpha_exp", "alpha_geodesic_step", "GEODESIC_METHODS"]

#: "taylor2" plus the Runge–Kutta schemes of :data:`~infogeo.flows.integrators.TABLEAUS`
GEODESIC_METHODS = ("taylor2", "euler", "midpoint", "heun2", "rk3", "heun3", "rk4", "rk38")


def _connection(manifold: Any, alpha: float) -> Any:
    if alpha == 0.0:
        return manifold.christoffels
    return lambda theta: manifold.alpha_christoffels(theta, alpha)


def _quadratic(gamma: NDArray, v: NDArray) -> NDArray:
    return np.einsum("...kij,...i,...j->...k", gamma, v, v)


def _rk_geodesic(connection: Any, x: NDArray, v: NDArray, h: float,
                 tableau: ButcherTableau) -> tuple[NDArray, NDArray]:
    """One Runge–Kutta step of :math:`\\dot x = v,\\ \\dot v = -\\Gamma(x)(v, v)`."""
    kx: list[NDArray] = []
    kv: list[NDArray] = []
    for s in range(tableau.b.size):
        xs = x + h * sum((w * k for w, k in zip(tableau.a[s], kx, strict=False)), np.zeros_like(x))
        vs = v + h * sum((w * k for w, k in zip(tableau.a[s], kv, strict=False)), np.zeros_like(v))
        kx.append(vs)
        kv.append(-_quadratic(connection(xs), vs))
    x_new = x + h * sum(w * k for w, k in zip(tableau.b, kx, strict=True))
    v_new = v + h * sum(w * k for w, k in zip(tableau.b, kv, strict=True))
    return x_new, v_new


def _check_method(method: str) -> None:
    if method not in GEODESIC_METHODS:
        raise ValueError(f"method must be one of {GEODESIC_METHODS}, got {method!r}")


def _alpha_step(connection: Any, theta: NDArray, velocity: NDArray, method: str,
                n_substeps: int) -> NDArray:
    if method == "taylor2":
        return theta + velocity - 0.5 * _quadratic(connection(theta), velocity)
    tableau = butcher_tableau(method)
    h = 1.0 / n_substeps
    x, v = theta, velocity
    for _ in range(n_substeps):
        x, v = _rk_geodesic(connection, x, v, h, tableau)
    return x


def alpha_exp(manifold: Any, tangent_vec: ArrayLike, base_point: ArrayLike,
              alpha: float = 0.0, *, method: str = "rk4", n_substeps: int = 16) -> NDArray:
    r"""End point :math:`\gamma(1)` of the α-geodesic with :math:`\gamma(0) =`
    ``base_point``, :math:`\dot\gamma(0) =` ``tangent_vec``.

    .. math::

        \ddot\gamma^k = -\Gamma^{(\alpha)k}_{ij}(\gamma)\,\dot\gamma^i\dot\gamma^j

    integrated with ``n_substeps`` fixed steps of ``method`` (:data:`GEODESIC_METHODS`;
    ``"taylor2"`` is the one-step second-order expansion
    :math:`\theta + v - \tfrac12\Gamma^{(\alpha)}(v, v)`).

    Parameters
    ----------
    manifold
        ``christoffels`` (α = 0) or ``alpha_christoffels(theta, alpha)``, current chart.
    tangent_vec : array-like, shape=[..., dim]
    base_point : array-like, shape=[..., dim]
    alpha : float
        1: e-geodesic, −1: m-geodesic, 0: Levi-Civita (Amari's convention).

    Returns
    -------
    ndarray, shape=[..., dim]

    Examples
    --------
    >>> import numpy as np
    >>> from infogeo.manifolds import Normal
    >>> nat = Normal(chart="natural")           # e-flat chart: e-geodesics are lines
    >>> theta, v = np.array([0.5, -0.5]), np.array([0.1, -0.2])
    >>> np.allclose(alpha_exp(nat, v, theta, alpha=1.0), theta + v)
    True
    """
    n_substeps = check_positive_int(n_substeps, "n_substeps")
    _check_method(method)
    theta = as_finite_array(base_point, "base_point")
    velocity = as_finite_array(tangent_vec, "tangent_vec")
    if theta.shape[-1:] != velocity.shape[-1:]:
        raise ValueError(f"tangent_vec and base_point must have the same last axis, got "
                         f"shapes {velocity.shape} and {theta.shape}")
    manifold.change_chart(theta, manifold.chart.name)  # domain check
    return _alpha_step(_connection(manifold, float(alpha)), theta, velocity, method, n_substeps)


def alpha_geodesic_step(manifold: Any, step_size: float, alpha: float = 0.0, *,
                        method: str = "rk4", n_substeps: int = 1) -> GradientTransformation:
    r"""Natural-gradient step along the α-geodesic with initial velocity :math:`-u`.

    .. math::

        \theta_{k+1} = \gamma^{(\alpha)}_{\theta_k,\,-\eta u}(1), \qquad
        \Delta = \theta_{k+1} - \theta_k

    (:func:`alpha_exp` of :math:`-\eta u`). ``alpha=0, method="taylor2"`` is
    :func:`~infogeo.flows.geodesic_step`; α = ±1 follows the e-/m-geodesic, a straight line
    in the natural / expectation chart of an exponential family. One ``"rk4"`` step of the
    geodesic equation (the default) is invariant to reparametrization to order 4, ``"rk3"``
    to order 3 (see :mod:`infogeo.flows.alpha_steps`). Params ``[dim]``; a stage outside
    the parameter domain raises ``ValueError`` (the driver reports ``update_failed``).

    Parameters
    ----------
    manifold
        ``christoffels`` (α = 0) or ``alpha_christoffels`` in its current chart.
    step_size : float
        η > 0.
    alpha : float
    method : str
        One of :data:`GEODESIC_METHODS`.
    n_substeps : int
        Integration steps of the geodesic per update (ignored by ``"taylor2"``).
    """
    check_positive(step_size, "step_size")
    n_substeps = check_positive_int(n_substeps, "n_substeps")
    _check_method(method)
    eta = float(step_size)
    connection = _connection(manifold, float(alpha))

    def update(u: Any, state: StepSizeState, params: Any = None, **extra: Any
               ) -> tuple[Any, StepSizeState]:
        theta = np.asarray(params, dtype=float)
        velocity = -eta * np.asarray(u, dtype=float)
        return _alpha_step(connection, theta, velocity, method, n_substeps) - theta, state

    return GradientTransformation(lambda params: StepSizeState(eta), update)
