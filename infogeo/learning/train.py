"""Training a network: the flows' one optimizer loop over the list of layer matrices."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..flows.loop import minimize
from ..flows.protocols import Objective
from ..flows.trajectory import Trajectory
from ..flows.transforms import GradientTransformation

__all__ = ["TrainResult", "train"]

#: ``train`` returns the flows' :class:`~infogeo.flows.Trajectory` (the one result type);
#: the old name is kept. Its ``final`` is the last parameters (``params`` too, with a
#: ``DeprecationWarning``, unless ``record=True``), ``losses`` the training loss before each
#: iteration, ``wall_time`` the seconds in the loop, ``status`` why it stopped.
TrainResult = Trajectory


def train(objective: Objective, params: Any, optimizer: GradientTransformation, *,
          max_iter: int = 1000, loss_target: float | None = None,
          divergence: float = 1e3, record: bool = False,
          callback: Callable[[int, Any, float], Any] | None = None,
          target_loss: float | None = None, divergence_factor: float | None = None
          ) -> Trajectory:
    r"""Run ``optimizer`` on ``objective`` (anything with ``value_and_grad(params)`` and
    ``loss(params)``) until the loss reaches ``loss_target`` or ``max_iter`` updates.

    This is :func:`infogeo.flows.minimize` with the objective's shared forward pass and
    no gradient-norm test: the same stopping rules, divergence rule (loss above
    :math:`L_0 + \text{divergence}\,(1 + |L_0|)`, or non-finite) and caught exceptions
    (a singular curvature stops the run with ``status="singular_curvature"``).

    Parameters
    ----------
    record : bool
        Keep every iterate (``Trajectory.params``); by default only the last
        (``Trajectory.final``).
    callback : callable, optional
        ``callback(iteration, params, loss)``; returning True stops the run.
    target_loss, divergence_factor
        Deprecated names of ``loss_target`` and ``divergence``.

    Returns
    -------
    Trajectory
    """
    if target_loss is not None:
        warnings.warn("train(target_loss=...) is deprecated: use loss_target=",
                      DeprecationWarning, stacklevel=2)
        if loss_target is not None:
            raise TypeError("give loss_target only (target_loss is its deprecated name)")
        loss_target = target_loss
    if divergence_factor is not None:
        warnings.warn("train(divergence_factor=...) is deprecated: use divergence=",
                      DeprecationWarning, stacklevel=2)
        divergence = divergence_factor
    if not hasattr(objective, "value_and_grad"):
        raise TypeError(f"objective must have value_and_grad(params) and loss(params), got "
                        f"{type(objective).__name__}")
    return minimize(optimizer, objective, None, params, max_iter=max_iter, gtol=0.0,
                    divergence=divergence, loss_target=loss_target, record=record,
                    callback=callback)
