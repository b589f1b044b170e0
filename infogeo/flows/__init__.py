"""Natural-gradient descent, the continuous Fisher flow and invariance checks."""

from .transforms import (
                         EmptyState,
                         GradientTransformation,
                         apply_updates,
                         chain,
                         identity,
                         scale,
                         tree_map,
)

__all__ = ["GradientTransformation", "EmptyState", "chain", "scale", "identity",
           "apply_updates", "tree_map"]
