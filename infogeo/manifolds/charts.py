"""Charts: named parametrizations of a family and the tensor transformation laws.

A family is written once, in its *base chart* with coordinates ``x``. Any other chart
``y`` is given by the map ``x = to_base(y)``, its inverse and (optionally) its Jacobian

.. math::

    J^a{}_i(y) = \\frac{\\partial x^a}{\\partial y^i}, \\qquad J[..., a, i].

Then the metric in the chart ``y`` is the pullback :math:`J^\\top I(x) J`, tangent vectors
map as :math:`v_x = J v_y`, and connections follow the affine transformation law.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Chart", "identity_chart", "numeric_jacobian", "pullback_metric",
           "transform_connection", "pullback_tensor"]

ArrayMap = Callable[[NDArray], NDArray]


def numeric_jacobian(func: ArrayMap, y: NDArray, rel_step: float = 1e-4) -> NDArray:
    """Fourth-order central-difference Jacobian ``J[..., a, i] = d func^a / d y^i``.

    .. math::

        f'(y) \\approx \\frac{8(f(y+h) - f(y-h)) - (f(y+2h) - f(y-2h))}{12 h}

    The step is relative, ``h = rel_step * max(|y_i|, 1e-3)``, so positive coordinates
    stay positive; truncation is O(h⁴) and round-off O(ε/h), both ~1e-12 relative for
    functions that vary on the scale of the coordinates themselves.
    """
    y = np.asarray(y, dtype=float)
    dim = y.shape[-1]
    h = rel_step * np.maximum(np.abs(y), 1e-3)
    columns = []
    for i in range(dim):
        step = np.zeros_like(y)
        step[..., i] = h[..., i]
        near = func(y + step) - func(y - step)
        far = func(y + 2 * step) - func(y - 2 * step)
        hi = h[..., i].reshape(h.shape[:-1] + (1,) * (near.ndim - h.ndim + 1))
        columns.append((8 * near - far) / (12 * hi))
    return np.stack(columns, axis=-1)


@dataclass(frozen=True)
class Chart:
    """A parametrization ``y`` of a family, related to the base chart by ``x = to_base(y)``.

    Parameters
    ----------
    name : str
        Name used to select the chart, e.g. ``"natural"``.
    coordinates : tuple of str
        Names of the coordinates, in order.
    to_base, from_base : callable
        The maps ``y -> x`` and ``x -> y``, vectorized over ``[..., dim]``.
    jacobian : callable, optional
        ``y -> J`` with ``J[..., a, i] = dx^a/dy^i``; central differences if omitted.
    check : callable, optional
        ``check(y, name)`` raises ``ValueError`` if ``y`` is outside the chart's domain.
    """

    name: str
    coordinates: tuple[str, ...]
    to_base: ArrayMap
    from_base: ArrayMap
    jacobian: ArrayMap | None = None
    check: Callable[[NDArray, str], None] | None = None
    is_base: bool = field(default=False)

    def jacobian_at(self, y: NDArray) -> NDArray:
        """``J[..., a, i] = dx^a/dy^i`` at ``y``."""
        if self.is_base:
            eye = np.eye(y.shape[-1])
            return np.broadcast_to(eye, y.shape + (y.shape[-1],)).copy()
        if self.jacobian is not None:
            return self.jacobian(y)
        return numeric_jacobian(self.to_base, y)

    def second_derivatives(self, y: NDArray) -> NDArray:
        """``H[..., a, i, j] = d²x^a / dy^i dy^j`` by central differences of the Jacobian."""
        if self.is_base:
            dim = y.shape[-1]
            return np.zeros(y.shape + (dim, dim))
        # numeric_jacobian differentiates along the last axis: result [..., a, i, j]
        # with j the differentiation direction; symmetric in (i, j) up to O(h²).
        hess = numeric_jacobian(self.jacobian_at, y)
        return 0.5 * (hess + np.swapaxes(hess, -1, -2))


def identity_chart(name: str, coordinates: tuple[str, ...]) -> Chart:
    """The base chart itself."""
    return Chart(name, coordinates, to_base=lambda y: y, from_base=lambda x: x,
                 is_base=True)


def pullback_metric(metric: NDArray, jac: NDArray) -> NDArray:
    r"""Pull a metric back through a chart: :math:`g^{(y)}_{ij} = J^a{}_i g_{ab} J^b{}_j`."""
    pulled = np.einsum("...ai,...ab,...bj->...ij", jac, metric, jac)
    # symmetric in exact arithmetic; make the rounding symmetric too (entries that cancel
    # to zero otherwise come out as ±1e-16 in one triangle only)
    return 0.5 * (pulled + np.swapaxes(pulled, -1, -2))


def pullback_tensor(tensor: NDArray, jac: NDArray) -> NDArray:
    r"""Pull back a covariant 3-tensor: :math:`T'_{ijk} = T_{abc} J^a_i J^b_j J^c_k`."""
    return np.einsum("...abc,...ai,...bj,...ck->...ijk", tensor, jac, jac, jac)


def transform_connection(gamma: NDArray, jac: NDArray, second: NDArray) -> NDArray:
    r"""Christoffel symbols of an affine connection in the chart ``y``.

    .. math::

        \Gamma'^k_{ij} = (J^{-1})^k{}_a \left(\Gamma^a_{bc} J^b{}_i J^c{}_j
        + \frac{\partial^2 x^a}{\partial y^i \partial y^j}\right)

    Indexing ``gamma[..., k, i, j] = Γ^k_ij`` on input and output.
    """
    inner = np.einsum("...abc,...bi,...cj->...aij", gamma, jac, jac) + second
    jac_inv = np.linalg.inv(jac)
    return np.einsum("...ka,...aij->...kij", jac_inv, inner)
