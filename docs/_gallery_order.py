"""The order of the gallery: a course, not the alphabet (``within_subsection_order``).

The Fisher metric and its geodesics first, then the estimates of it, the connections and
curvature, dual flatness, the geometry of densities without parameters, and last what
the geometry does for optimization. A script not
listed here comes after the listed ones, in alphabetical order.
"""

from __future__ import annotations

from pathlib import Path

COURSE = [
    "plot_metric_ellipses.py",
    "plot_normal_geodesics.py",
    "plot_fisher_rao_vs_kl.py",
    "plot_covariance_geometry.py",
    "plot_derive_new_distribution.py",
    "plot_monte_carlo_fisher.py",
    "plot_christoffel_curvature.py",
    "plot_curvature_landscapes.py",
    "plot_amari_chentsov_tensor.py",
    "plot_dual_flatness.py",
    "plot_simplex_flows.py",
    "plot_nonparametric_fisher_rao.py",
    "plot_natural_vs_euclidean_gradient.py",
    "plot_reparametrization_invariance.py",
    "plot_third_order_geometry.py",
    "plot_fisher_flow.py",
    "plot_ngvi_vs_gvi.py",
    "plot_kfac_vs_sgd.py",
    "plot_adaptive_fisher.py",
    "plot_federated_natural_gradient.py",
]


class CourseOrder:
    """Sort key of sphinx-gallery: the position in :data:`COURSE`, then the name."""

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = Path(filename).name
        return (COURSE.index(name) if name in COURSE else len(COURSE), name)

    def __repr__(self) -> str:  # sphinx-gallery hashes the configuration by its repr
        return f"<{type(self).__name__}>"
