"""Composable optimizer pieces in the style of optax.

A :class:`GradientTransformation` is a pair of pure functions::

    state = transform.init(params)
    updates, state = transform.update(grads, state, params, **extra)

and an optimizer is a :func:`chain` of them. A natural-gradient step is "precondition by
:math:`I(\\theta)^{-1}`, then scale by :math:`-\\alpha`":

.. math::

    \\theta_{t+1} = \\theta_t - \\alpha\\, I(\\theta_t)^{-1} \\nabla L(\\theta_t)

Interface (what a driver, or an optimizer built elsewhere such as K-FAC, relies on)
----------------------------------------------------------------------------------
* ``params``, ``grads`` and ``updates`` are numpy arrays or (for networks) nested
  lists/tuples of arrays of the same structure; pieces only touch them through
  :func:`tree_map` and :func:`tree_vdot`.
* ``update`` accepts keyword-only *extra arguments* that :func:`chain` forwards unchanged
  to every piece; pieces ignore those they do not need. The drivers pass

  - ``value``: the loss at ``params`` (float),
  - ``grad``: the raw gradient at ``params`` (the ``grads`` seen by the first piece),
  - ``loss_fn``: ``params -> float`` (may raise ``ValueError`` outside the domain),
  - ``grad_fn``: ``params -> gradient`` of the same structure.

  Pieces that need them (line search, Levenberg–Marquardt damping, trust region without
  a metric, midpoint rule) raise a ``TypeError`` naming the missing argument.
* Direction pieces (preconditioners) output a vector with the sign of the gradient; a
  step-size rule (:func:`scale` with a negative factor, ``fixed_step``,
  ``backtracking_line_search``, ``kl_trust_region``, ...) turns it into the update that
  :func:`apply_updates` adds to ``params``.
* A state may expose a field ``step_size`` (see :func:`tree_get`): the drivers record it.
* *Published extras*: a piece may hand values to the pieces after it in a :func:`chain`
  through its optional ``publish(state) -> dict``; :func:`chain` adds them to the extras
  of the later pieces (and to its own ``publish``). This is how a damping piece
  (:func:`~infogeo.flows.tikhonov`, :func:`~infogeo.flows.levenberg_marquardt_damping`)
  hands :math:`\\lambda` (extra ``damping``) to the preconditioner and to a
  quadratic-model step, and how a curvature piece (K-FAC) hands its current estimate
  (extra ``curvature``, an object with ``solve(v, damping)``) to
  :func:`~infogeo.flows.precondition`. Names in use: ``damping``, ``curvature``,
  ``l2_reg`` (a weight decay folded into the curvature) and the driver's ``value`` /
  ``grad`` (overridden by a piece that changes the objective, e.g. weight decay).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = ["GradientTransformation", "EmptyState", "chain", "scale", "identity",
           "apply_updates", "tree_map", "tree_vdot", "tree_get", "tree_all_finite",
           "require_extra", "tree_scale", "tree_sub", "tree_copy"]

Params = Any
State = Any


class GradientTransformation(NamedTuple):
    """A pair of pure functions ``init(params) -> state`` and
    ``update(grads, state, params, **extra) -> (updates, state)``, and optionally
    ``publish(state) -> dict`` of extras for the pieces after it in a :func:`chain`."""

    init: Callable[[Params], State]
    update: Callable[..., tuple[Any, State]]
    publish: Callable[[State], dict[str, Any]] | None = None


class EmptyState(NamedTuple):
    """State of a stateless transformation."""


def tree_map(func: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``func`` leafwise to an array or a (nested) list/tuple of arrays."""
    if isinstance(tree, list | tuple):
        return type(tree)(tree_map(func, *leaves) for leaves in zip(tree, *rest, strict=True))
    return func(tree, *rest)


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, list | tuple):
        return [leaf for sub in tree for leaf in _leaves(sub)]
    return [tree]


def tree_vdot(a: Any, b: Any) -> float:
    """Euclidean inner product of two trees of the same structure, :math:`\\sum a_i b_i`."""
    pairs = zip(_leaves(a), _leaves(b), strict=True)
    return float(sum(np.vdot(np.asarray(x), np.asarray(y)) for x, y in pairs))


def tree_all_finite(tree: Any) -> bool:
    """True if every entry of every leaf is finite."""
    return all(bool(np.all(np.isfinite(leaf))) for leaf in _leaves(tree))


def tree_get(state: Any, name: str, default: Any = None) -> Any:
    """The last field called ``name`` in a (nested) optimizer state, else ``default``.

    Chained states are tuples of NamedTuples; this is how a driver reads, e.g., the
    ``step_size`` chosen by a line search without knowing how the optimizer was built.
    """
    found = default
    if hasattr(state, "_fields"):
        if name in state._fields:
            found = getattr(state, name)
        for value in state:
            found = tree_get(value, name, found)
    elif isinstance(state, list | tuple):
        for value in state:
            found = tree_get(value, name, found)
    return found


def require_extra(extra: dict[str, Any], name: str, who: str) -> Any:
    """Fetch the extra argument ``name`` or raise a ``TypeError`` that says who needs it."""
    if extra.get(name) is None:
        raise TypeError(f"{who} needs the extra argument {name!r} in update(...); "
                        "the drivers pass value, grad, loss_fn and grad_fn")
    return extra[name]


def identity() -> GradientTransformation:
    """Leave the gradient unchanged (Euclidean gradient descent when followed by scale)."""

    def update(grads: Any, state: State, params: Params = None, **extra: Any
               ) -> tuple[Any, State]:
        return grads, state

    return GradientTransformation(lambda params: EmptyState(), update)


def scale(step_size: float) -> GradientTransformation:
    """Multiply updates by ``step_size`` (use a negative value to descend)."""
    if not np.isfinite(step_size):
        raise ValueError(f"step_size must be finite, got {step_size!r}")

    def update(grads: Any, state: State, params: Params = None, **extra: Any
               ) -> tuple[Any, State]:
        return tree_map(lambda g: step_size * g, grads), state

    return GradientTransformation(lambda params: EmptyState(), update)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Compose transformations left to right; the state is the tuple of their states.

    Extra keyword arguments given to ``update`` are forwarded to every piece, together
    with the extras published by the pieces before it (see the module docstring).
    """

    def init(params: Params) -> tuple[State, ...]:
        return tuple(t.init(params) for t in transforms)

    def update(grads: Any, state: tuple[State, ...], params: Params = None, **extra: Any
               ) -> tuple[Any, tuple[State, ...]]:
        new_states = []
        for t, s in zip(transforms, state, strict=True):
            grads, s = t.update(grads, s, params, **extra)
            new_states.append(s)
            if t.publish is not None:
                extra = {**extra, **t.publish(s)}
        return grads, tuple(new_states)

    def publish(state: tuple[State, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for t, s in zip(transforms, state, strict=True):
            if t.publish is not None:
                out.update(t.publish(s))
        return out

    return GradientTransformation(init, update, publish)


def apply_updates(params: Params, updates: Any) -> Params:
    """``params + updates``, leafwise."""
    return tree_map(lambda p, u: p + u, params, updates)


def tree_scale(tree: Any, factor: float) -> Any:
    """``factor * tree``, leafwise."""
    return tree_map(lambda x: factor * x, tree)


def tree_sub(a: Any, b: Any) -> Any:
    """``a - b``, leafwise."""
    return tree_map(lambda x, y: x - y, a, b)


def tree_copy(tree: Any) -> Any:
    """A copy of every leaf as a float array (so later in-place changes cannot reach it)."""
    return tree_map(lambda x: np.array(x, dtype=float), tree)
