"""Families whose base chart is an affine image of the natural parameters.

For an exponential family written in such a chart (Gamma, Beta, Dirichlet), everything
geometric follows from the derivatives ("jets") of the log-partition F:

.. math::

    g_{ij} = \\partial_i\\partial_j F, \\qquad T_{ijk} = \\partial_i\\partial_j\\partial_k F,
    \\qquad \\Gamma^k_{ij} = \\tfrac12 g^{kl} T_{ijl},

and the Hessian of the log-likelihood is −g whatever the data (ℓ is linear in the
sufficient statistic). Sources: Amari & Nagaoka (2000), §3.4; Shima, *The Geometry of
Hessian Structures* (2007).
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ._newton import NewtonResult as ShootingResult
from .base import StatisticalManifold
from .geodesic_flow import (
    GeodesicFlow,
    exp_positive,
    hessian_christoffels,
    log_positive,
    model_initial_path,
    model_initial_velocity,
)
from .halfplane import halfplane_exp, halfplane_log

__all__ = ["AbstractHessianFamily", "NormalModel", "components_first", "batch_first"]

Jets = Callable[[NDArray, int], tuple[NDArray, ...]]
ArrayFn = Callable[[NDArray], NDArray]


@dataclasses.dataclass(frozen=True)
class NormalModel:
    r"""A chart :math:`\phi = (\mu, \sigma)` in which a family's metric approaches the normal
    family's :math:`(d\mu^2 + 2d\sigma^2)/\sigma^2` (large shapes: the normal approximation
    of the family there). ``log`` then starts from the normal geodesic, a closed form,
    mapped back by :math:`\phi^{-1}`: already close where the approximation holds, and
    never worse than a rough guess elsewhere.

    Attributes
    ----------
    chart, jacobian, inverse : callable
        :math:`\phi` ``[..., d] -> [..., 2]``, :math:`\partial\phi^a/\partial x^i`
        ``[..., 2, d]`` and :math:`\phi^{-1}`.
    """

    chart: ArrayFn
    jacobian: ArrayFn
    inverse: ArrayFn


#: the normal family's metric, σ⁻² diag(1, 2): the half-plane with (a, b) = (1, 2)
_NORMAL = (1.0, 2.0)


def components_first(x: NDArray) -> NDArray:
    """``[..., d] -> [d, ...]``: the layout of the geodesic integrators."""
    return np.moveaxis(x, -1, 0)


def batch_first(tensor: NDArray, rank: int) -> NDArray:
    """``[d, ..., d, ...batch] -> [...batch, d, ..., d]`` for a tensor of the given rank."""
    return np.moveaxis(tensor, tuple(range(rank)), tuple(range(-rank, 0)))


class AbstractHessianFamily(StatisticalManifold):
    """Metric, connection, skewness, exp and log from the jets of the log-partition.

    Subclasses provide :meth:`_jets` (``(x components-first, order) -> (g, T, ...)``,
    components-first) and call :meth:`_init_flow` in ``__init__``; geodesics are
    integrated in ``u = log x`` with exact Jacobi fields for Newton shooting.
    """

    _flow: GeodesicFlow

    @abc.abstractmethod
    def _jets(self, x_components: NDArray, order: int) -> tuple[NDArray, ...]:
        """Derivatives 2..order of F at ``x`` (components-first layout)."""

    def _init_flow(self, jets: Jets, model: NormalModel | None = None) -> None:
        """The geodesic engine in ``u = log x`` (where geodesics are far less curved),
        starting ``log`` from ``model``'s geodesics if given, else from straight lines."""
        flow = GeodesicFlow.from_hessian(jets, self.dim).in_log_coordinates()
        if model is not None:
            def model_log(b: NDArray, a: NDArray) -> NDArray:
                return halfplane_log(b, a, *_NORMAL)

            def model_exp(v: NDArray, a: NDArray) -> NDArray:
                return halfplane_exp(v, a, *_NORMAL)

            guess = model_initial_velocity(model_log, model.chart, model.jacobian)
            path = model_initial_path(model_exp, model_log, model.chart, model.inverse)
            flow = dataclasses.replace(
                flow,
                initial_velocity=lambda u, w: guess(np.exp(u), np.exp(w)) / np.exp(u),
                initial_path=lambda u, w, t: np.log(path(np.exp(u), np.exp(w), t)))
        self._flow = flow

    def _metric(self, x: NDArray) -> NDArray:
        return batch_first(self._jets(components_first(x), 2)[0], 2)

    def _christoffels(self, x: NDArray) -> NDArray:
        r""":math:`\Gamma^k_{ij} = \tfrac12 g^{kl}\partial_i\partial_j\partial_l F`."""
        g, f3 = self._jets(components_first(x), 3)
        return hessian_christoffels(batch_first(g, 2), batch_first(f3, 3))

    def _skewness(self, x: NDArray) -> NDArray:
        r""":math:`T_{ijk} = \partial_i\partial_j\partial_k F`."""
        return batch_first(self._jets(components_first(x), 3)[1], 3)

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        return exp_positive(self._flow, v, x)

    def _shoot(self, y: NDArray, x: NDArray, tol: float = 1e-10,
               max_iter: int = 50) -> ShootingResult:
        return log_positive(self._flow, y, x, tol, max_iter)

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        # ℓ is linear in the sufficient statistic, so the Hessian is −I whatever the data
        data_batch = np.shape(data)[: np.ndim(data) - len(self.event_shape)]
        shape = np.broadcast_shapes(data_batch, x.shape[:-1]) + (self.dim, self.dim)
        return np.broadcast_to(-self._metric(x), shape).copy()
