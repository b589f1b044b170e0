"""Mirror descent, and its exponential-family form (Raskutti & Mukherjee 2015).

With a strictly convex mirror map :math:`\\psi` and its convex conjugate :math:`\\psi^*`,

.. math::

    \\theta_{k+1} = \\nabla\\psi^*\\big(\\nabla\\psi(\\theta_k) - \\alpha\\,\\nabla_\\theta
    L(\\theta_k)\\big).

For an exponential family with log-partition :math:`\\psi` in natural parameters
:math:`\\theta`, :math:`\\nabla\\psi(\\theta) = \\eta` (expectation parameters) and
:math:`\\nabla\\psi^* = (\\nabla\\psi)^{-1}`, so the step reads
:math:`\\eta_{k+1} = \\eta_k - \\alpha\\nabla_\\theta L`. Since
:math:`\\nabla_\\eta L = (\\partial\\theta/\\partial\\eta)^\\top\\nabla_\\theta L
= I_\\theta^{-1}\\nabla_\\theta L` and :math:`I_\\eta = I_\\theta^{-1}`, this is exactly
natural-gradient descent in expectation coordinates,
:math:`\\eta_{k+1} = \\eta_k - \\alpha I_\\eta^{-1}\\nabla_\\eta L` (Raskutti & Mukherjee,
"The information geometry of mirror descent", IEEE Trans. IT 61(3), 2015, Thm. 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive
from .descent import domain_check
from .loop import minimize
from .step_rules import StepSizeState
from .trajectory import Trajectory
from .transforms import GradientTransformation

__all__ = ["mirror_step", "mirror_descent", "exponential_family_mirror_descent"]

ArrayMap = Callable[[NDArray], NDArray]

_MAX_HALVINGS = 60


def mirror_step(mirror_map: ArrayMap, inverse_mirror_map: ArrayMap, step_size: float
                ) -> GradientTransformation:
    """The mirror-descent update as a transformation (consumes the raw gradient).

    .. math::

        \\Delta = \\nabla\\psi^*\\big(\\nabla\\psi(\\theta) - \\alpha g\\big) - \\theta

    If the dual point leaves the image of :math:`\\nabla\\psi` (``inverse_mirror_map``
    raises ``ValueError``), α is halved for this step; ``state.step_size`` records it.
    """
    check_positive(step_size, "step_size")
    alpha = float(step_size)

    def update(grads: Any, state: StepSizeState, params: Any = None, **extra: Any
               ) -> tuple[Any, StepSizeState]:
        theta = np.asarray(params, dtype=float)
        dual, g = mirror_map(theta), np.asarray(grads, dtype=float)
        step = alpha
        # a dual point outside the image of ∇ψ (inverse raises ValueError): halve the step
        for _ in range(_MAX_HALVINGS):
            try:
                return inverse_mirror_map(dual - step * g) - theta, StepSizeState(step)
            except ValueError:
                step *= 0.5
        raise ValueError(f"mirror step left the domain of the inverse mirror map even after "
                         f"{_MAX_HALVINGS} halvings of step_size={alpha}")

    return GradientTransformation(lambda params: StepSizeState(alpha), update)


def mirror_descent(loss: Callable[[NDArray], float], loss_grad: ArrayMap, theta0: ArrayLike,
                   mirror_map: ArrayMap, inverse_mirror_map: ArrayMap, *,
                   step_size: float = 0.1, in_domain: Callable[[NDArray], bool] | None = None,
                   max_iter: int = 1000, gtol: float = 1e-8) -> Trajectory:
    """Mirror descent with mirror map gradient ``mirror_map`` = :math:`\\nabla\\psi` and its
    inverse ``inverse_mirror_map`` = :math:`\\nabla\\psi^*`; see the module docstring."""
    return minimize(mirror_step(mirror_map, inverse_mirror_map, step_size), loss, loss_grad,
                    theta0, in_domain=in_domain, max_iter=max_iter, gtol=gtol)


def exponential_family_mirror_descent(manifold: Any, loss: Callable[[NDArray], float],
                                      loss_grad: ArrayMap, theta0: ArrayLike, *,
                                      step_size: float = 0.1, natural: str = "natural",
                                      expectation: str = "expectation", max_iter: int = 1000,
                                      gtol: float = 1e-8) -> Trajectory:
    """Mirror descent in natural parameters with the log-partition as mirror map.

    The mirror map :math:`\\nabla\\psi: \\theta \\mapsto \\eta` and its inverse are the
    family's chart changes ``natural`` ↔ ``expectation``; ``loss``, ``loss_grad`` and
    ``theta0`` are in the natural chart.
    """
    if natural not in manifold.chart_names or expectation not in manifold.chart_names:
        raise ValueError(f"manifold must have charts {natural!r} and {expectation!r}, "
                         f"has {manifold.chart_names}")
    nat, exp = manifold.in_chart(natural), manifold.in_chart(expectation)
    return mirror_descent(loss, loss_grad, theta0,
                          mirror_map=lambda theta: nat.change_chart(theta, expectation),
                          inverse_mirror_map=lambda eta: exp.change_chart(eta, natural),
                          step_size=step_size, in_domain=domain_check(nat),
                          max_iter=max_iter, gtol=gtol)
