"""Natural-gradient descent, the continuous Fisher flow and invariance checks.

Optimizers are chains of optax-style :class:`GradientTransformation` pieces: damping
(:func:`tikhonov`, :func:`levenberg_marquardt_damping`), a preconditioner
(:func:`precondition`, :func:`precondition_by_metric`, :func:`precondition_by_fisher`,
:func:`identity`) and a step-size rule (:func:`fixed_step`,
:func:`backtracking_line_search`, :func:`kl_trust_region`, :func:`geodesic_step`,
:func:`exp_map_step`, :func:`midpoint`, :func:`quadratic_model_step`, the Runge–Kutta
integrators :func:`runge_kutta`, the α-geodesic steps :func:`alpha_geodesic_step` and the
cubic-model KL trust region :func:`kl_cubic_trust_region`, built on :func:`kl_expansion`);
:func:`natural_gradient` assembles the usual chains. One loop, :func:`minimize`, runs
any chain over a parameter array or tree; the drivers (:func:`natural_gradient_descent`,
:func:`gradient_descent`, :func:`fisher_flow`, :func:`mirror_descent`, and
:func:`infogeo.learning.train`) all return a :class:`Trajectory`; what the flows need of
a manifold or a curvature is stated in :mod:`infogeo.flows.protocols`;
:func:`check_invariance` and :func:`invariance_order` compare runs across charts.
See :mod:`infogeo.flows.transforms` for the interface a new piece must follow.
"""

from . import protocols
from .alpha_steps import alpha_exp, alpha_geodesic_step
from .damping import (
    LevenbergMarquardtState,
    levenberg_marquardt_damping,
    lm_update,
    reduction_ratio,
    tikhonov,
)
from .descent import (
    domain_check,
    gradient_descent,
    natural_gradient,
    natural_gradient_descent,
)
from .integrators import ButcherTableau, RungeKuttaState, butcher_tableau, runge_kutta
from .invariance import (
    InvarianceOrder,
    InvarianceReport,
    check_invariance,
    invariance_order,
    pull_back,
)
from .loop import central_difference_gradient, minimize
from .mirror import exponential_family_mirror_descent, mirror_descent, mirror_step
from .ode import fisher_flow, natural_gradient_field
from .preconditioners import (
    DampingState,
    SingularCurvatureError,
    as_solver,
    levenberg_marquardt,
    precondition,
    precondition_by_fisher,
    precondition_by_metric,
    quadratic_form_of,
)
from .step_rules import (
    LineSearchState,
    QuadraticModelState,
    StepSizeState,
    TrustRegionState,
    backtracking_line_search,
    exp_map_step,
    fixed_step,
    geodesic_step,
    kl_trust_region,
    midpoint,
    quadratic_model_step,
)
from .third_order import (
    CubicTrustRegionState,
    kl_cubic_term,
    kl_cubic_trust_region,
    kl_expansion,
)
from .trajectory import STATUSES, Trajectory
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
    "tree_map", "tree_vdot", "tree_get", "tree_all_finite", "require_extra", "protocols",
    # preconditioners and damping
    "as_solver", "precondition", "precondition_by_metric", "precondition_by_fisher",
    "quadratic_form_of", "tikhonov", "levenberg_marquardt_damping", "levenberg_marquardt",
    "lm_update", "reduction_ratio", "SingularCurvatureError", "DampingState",
    "LevenbergMarquardtState",
    # step-size rules
    "fixed_step", "backtracking_line_search", "kl_trust_region", "geodesic_step", "exp_map_step",
    "midpoint", "quadratic_model_step",
    "StepSizeState", "LineSearchState", "TrustRegionState", "QuadraticModelState",
    # drivers
    "Trajectory", "STATUSES", "minimize", "natural_gradient", "natural_gradient_descent",
    "gradient_descent", "domain_check", "central_difference_gradient",
    "fisher_flow", "natural_gradient_field", "mirror_step", "mirror_descent",
    "exponential_family_mirror_descent",
    # third-order geometry: KL expansion, α-geodesic steps, Runge–Kutta integrators
    "kl_expansion", "kl_cubic_term", "kl_cubic_trust_region", "CubicTrustRegionState",
    "alpha_exp", "alpha_geodesic_step",
    "runge_kutta", "RungeKuttaState", "ButcherTableau", "butcher_tableau",
    # invariance
    "check_invariance", "InvarianceReport", "invariance_order", "InvarianceOrder", "pull_back",
]
