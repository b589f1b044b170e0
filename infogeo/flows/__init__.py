"""Natural-gradient descent, the continuous Fisher flow and invariance checks.

Optimizers are chains of optax-style :class:`GradientTransformation` pieces: a
preconditioner (:func:`precondition_by_metric`, :func:`precondition_by_fisher`,
:func:`identity`), damping (Tikhonov ``damping=``, :func:`levenberg_marquardt`) and a
step-size rule (:func:`fixed_step`, :func:`backtracking_line_search`,
:func:`kl_trust_region`, :func:`geodesic_step`, :func:`exp_map_step`, :func:`midpoint`);
:func:`natural_gradient` assembles the usual chains. The drivers
(:func:`natural_gradient_descent`, :func:`gradient_descent`, :func:`fisher_flow`,
:func:`mirror_descent`, :func:`minimize` for any chain) return a :class:`Trajectory`;
:func:`check_invariance` and :func:`invariance_order` compare runs across charts.
See :mod:`infogeo.flows.transforms` for the interface a new piece must follow.
"""

from .descent import (
    domain_check,
    gradient_descent,
    minimize,
    natural_gradient,
    natural_gradient_descent,
)
from .invariance import (
    InvarianceOrder,
    InvarianceReport,
    check_invariance,
    invariance_order,
    pull_back,
)
from .mirror import exponential_family_mirror_descent, mirror_descent, mirror_step
from .ode import fisher_flow, natural_gradient_field
from .preconditioners import (
    DampingState,
    LevenbergMarquardtState,
    SingularCurvatureError,
    as_solver,
    levenberg_marquardt,
    precondition,
    precondition_by_fisher,
    precondition_by_metric,
)
from .step_rules import (
    LineSearchState,
    StepSizeState,
    TrustRegionState,
    backtracking_line_search,
    exp_map_step,
    fixed_step,
    geodesic_step,
    kl_trust_region,
    midpoint,
)
from .trajectory import Trajectory
from .transforms import (
    EmptyState,
    GradientTransformation,
    apply_updates,
    chain,
    identity,
    require_extra,
    scale,
    tree_all_finite,
    tree_get,
    tree_map,
    tree_vdot,
)

__all__ = [
    # core
    "GradientTransformation", "EmptyState", "chain", "scale", "identity", "apply_updates",
    "tree_map", "tree_vdot", "tree_get", "tree_all_finite", "require_extra",
    # preconditioners and damping
    "as_solver", "precondition", "precondition_by_metric", "precondition_by_fisher",
    "levenberg_marquardt", "SingularCurvatureError", "DampingState",
    "LevenbergMarquardtState",
    # step-size rules
    "fixed_step", "backtracking_line_search", "kl_trust_region", "geodesic_step", "exp_map_step",
    "midpoint",
    "StepSizeState", "LineSearchState", "TrustRegionState",
    # drivers
    "Trajectory", "minimize", "natural_gradient", "natural_gradient_descent",
    "gradient_descent", "domain_check",
    "fisher_flow", "natural_gradient_field", "mirror_step", "mirror_descent",
    "exponential_family_mirror_descent",
    # invariance
    "check_invariance", "InvarianceReport", "invariance_order", "InvarianceOrder", "pull_back",
]
