"""Composable optimizer pieces in the style of optax.

A :class:`GradientTransformation` is a pair of pure functions::

    state = transform.init(params)
    updates, state = transform.update(grads, state, params)

and an optimizer is a :func:`chain` of them. A natural-gradient step is "precondition by
:math:`I(\\theta)^{-1}`, then scale by :math:`-\\alpha`":

.. math::

    \\theta_{t+1} = \\theta_t - \\alpha\\, I(\\theta_t)^{-1} \\nabla L(\\theta_t)

``params``, ``grads`` and ``updates`` are numpy arrays or (for networks) lists of arrays;
the transformations here treat them as opaque pytrees of the same structure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = ["GradientTransformation", "EmptyState", "chain", "scale", "identity",
           "apply_updates", "tree_map"]

Params = Any
State = Any


class GradientTransformation(NamedTuple):
    """A pair of pure functions ``init(params) -> state`` and
    ``update(grads, state, params) -> (updates, state)``."""

    init: Callable[[Params], State]
    update: Callable[[Any, State, Params], tuple[Any, State]]


class EmptyState(NamedTuple):
    """State of a stateless transformation."""


def tree_map(func: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``func`` leafwise to an array or a (nested) list/tuple of arrays."""
    if isinstance(tree, list | tuple):
        return type(tree)(tree_map(func, *leaves) for leaves in zip(tree, *rest, strict=True))
    return func(tree, *rest)


def identity() -> GradientTransformation:
    """Leave the gradient unchanged (Euclidean gradient descent when followed by scale)."""
    return GradientTransformation(lambda params: EmptyState(),
                                  lambda grads, state, params=None: (grads, state))


def scale(step_size: float) -> GradientTransformation:
    """Multiply updates by ``step_size`` (use a negative value to descend)."""
    if not np.isfinite(step_size):
        raise ValueError(f"step_size must be finite, got {step_size!r}")

    def update(grads: Any, state: State, params: Params = None) -> tuple[Any, State]:
        return tree_map(lambda g: step_size * g, grads), state

    return GradientTransformation(lambda params: EmptyState(), update)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Compose transformations left to right; the state is the tuple of their states."""

    def init(params: Params) -> tuple[State, ...]:
        return tuple(t.init(params) for t in transforms)

    def update(grads: Any, state: tuple[State, ...], params: Params = None
               ) -> tuple[Any, tuple[State, ...]]:
        new_states = []
        for t, s in zip(transforms, state, strict=True):
            grads, s = t.update(grads, s, params)
            new_states.append(s)
        return grads, tuple(new_states)

    return GradientTransformation(init, update)


def apply_updates(params: Params, updates: Any) -> Params:
    """``params + updates``, leafwise."""
    return tree_map(lambda p, u: p + u, params, updates)
