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
from scipy.special import expit, logit

from .declarations import POSITIVE, Interval

__all__ = ["Chart", "identity_chart", "numeric_jacobian", "pullback_metric",
           "transform_connection", "pullback_tensor", "transform_riemann", "Reparametrization",
           "LOG", "SQUARE", "SQRT", "RECIPROCAL", "NEGATE", "LOGIT", "coordinate_chart",
           "log_chart", "affine_chart"]

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
    second : callable, optional
        ``y -> H`` with ``H[..., a, i, j] = d²x^a/dy^i dy^j``; central differences of the
        Jacobian if omitted.
    """

    name: str
    coordinates: tuple[str, ...]
    to_base: ArrayMap
    from_base: ArrayMap
    jacobian: ArrayMap | None = None
    check: Callable[[NDArray, str], None] | None = None
    is_base: bool = field(default=False)
    second: ArrayMap | None = None

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
        if self.second is not None:
            return self.second(y)
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


def transform_riemann(riemann: NDArray, jac: NDArray) -> NDArray:
    r"""A (1, 3) tensor in the chart ``y``: :math:`R'^l{}_{ijk} = (J^{-1})^l{}_a
    R^a{}_{bcd} J^b{}_i J^c{}_j J^d{}_k`, indexing ``R[..., l, i, j, k]``."""
    inner = np.einsum("...abcd,...bi,...cj,...dk->...aijk", riemann, jac, jac, jac)
    return np.einsum("...la,...aijk->...lijk", np.linalg.inv(jac), inner)


# ---------------------------------------------------------------------- chart builders
@dataclass(frozen=True)
class Reparametrization:
    """A smooth monotone change of one coordinate: chart value y, base value x = to_base(y).

    ``derivative`` and ``second`` are dx/dy and d²x/dy² at y; ``domain`` is the range of
    y where it is not the whole real line (``dataclasses.replace(NEGATE,
    domain=NEGATIVE)`` for the negative of a positive parameter).
    """

    name: str
    to_base: ArrayMap
    from_base: ArrayMap
    derivative: ArrayMap
    second: ArrayMap
    domain: Interval | None = None


LOG = Reparametrization("log", np.exp, np.log, np.exp, np.exp)
SQUARE = Reparametrization("square", np.sqrt, np.square, lambda y: 0.5 / np.sqrt(y),
                           lambda y: -0.25 * y**-1.5, POSITIVE)
SQRT = Reparametrization("sqrt", np.square, np.sqrt, lambda y: 2.0 * y,
                         lambda y: np.full_like(y, 2.0), POSITIVE)
RECIPROCAL = Reparametrization("reciprocal", lambda y: 1.0 / y, lambda x: 1.0 / x,
                               lambda y: -1.0 / y**2, lambda y: 2.0 / y**3,
                               POSITIVE)
NEGATE = Reparametrization("negate", np.negative, np.negative, lambda y: -np.ones_like(y),
                           np.zeros_like)


LOGIT = Reparametrization("logit", expit, logit, lambda y: expit(y) * expit(-y),
                          lambda y: expit(y) * expit(-y) * (1.0 - 2.0 * expit(y)))


def coordinate_chart(name: str, base_coordinates: tuple[str, ...],
                     changes: dict[str, tuple[str, Reparametrization]]) -> Chart:
    """A chart that reparametrizes some coordinates one by one, leaving the others.

    ``changes`` maps a base coordinate to ``(new name, reparametrization)``; e.g. the
    log chart of a scale, ``coordinate_chart("mu_log_sigma", ("mu", "sigma"),
    {"sigma": ("log_sigma", LOG)})``. Jacobian and second derivatives are exact
    (diagonal).
    """
    index = {base_coordinates.index(c): rp for c, (_, rp) in changes.items()}
    label = {base_coordinates.index(c): new for c, (new, _) in changes.items()}
    coordinates = tuple(label.get(i, c) for i, c in enumerate(base_coordinates))
    dim = len(base_coordinates)

    def apply(z: NDArray, which: str, untouched: ArrayMap) -> NDArray:
        z = np.asarray(z, dtype=float)
        cols = [getattr(index[i], which)(z[..., i]) if i in index else untouched(z[..., i])
                for i in range(dim)]
        return np.stack(np.broadcast_arrays(*cols), axis=-1)

    def diagonal(y: NDArray, which: str, untouched: float) -> NDArray:
        d = apply(y, which, lambda c: np.full_like(c, untouched))
        return d[..., :, None] * np.eye(dim)

    def second(y: NDArray) -> NDArray:
        d2 = apply(y, "second", np.zeros_like)
        eye = np.eye(dim)
        return d2[..., :, None, None] * eye[:, :, None] * eye[:, None, :]

    def check(y: NDArray, nm: str) -> None:
        for i, rp in index.items():
            if rp.domain is not None:
                rp.domain.check(y[..., i], f"{nm}: {coordinates[i]}")

    return Chart(name, coordinates,
                 to_base=lambda y: apply(y, "to_base", lambda c: c),
                 from_base=lambda x: apply(x, "from_base", lambda c: c),
                 jacobian=lambda y: diagonal(y, "derivative", 1.0),
                 check=check, second=second)


def log_chart(base_coordinates: tuple[str, ...], *positive: str) -> Chart:
    """The chart with ``log`` of the named positive coordinates (scale, concentration, …),
    named after its coordinates: ``log_chart(("mu", "sigma"), "sigma")`` is
    ``"mu_log_sigma"`` with coordinates (mu, log_sigma)."""
    changes = {c: (f"log_{c}", LOG) for c in positive}
    name = "_".join(changes[c][0] if c in changes else c for c in base_coordinates)
    return coordinate_chart(name, base_coordinates, changes)


def affine_chart(name: str, coordinates: tuple[str, ...], matrix: NDArray, offset: NDArray,
                 check: Callable[[NDArray, str], None] | None = None) -> Chart:
    """The chart ``y`` with :math:`x = A y + b` (e.g. natural parameters of a family whose
    base chart is an affine image of them). Jacobian A, second derivatives 0."""
    a = np.asarray(matrix, dtype=float)
    b = np.asarray(offset, dtype=float)
    a_inv = np.linalg.inv(a)
    dim = a.shape[0]
    return Chart(name, coordinates,
                 to_base=lambda y: np.einsum("ij,...j->...i", a, y) + b,
                 from_base=lambda x: np.einsum("ij,...j->...i", a_inv, x - b),
                 jacobian=lambda y: np.broadcast_to(a, np.shape(y)[:-1] + (dim, dim)).copy(),
                 check=check,
                 second=lambda y: np.zeros(np.shape(y) + (dim, dim)))
