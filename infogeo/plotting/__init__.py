"""Matplotlib helpers for 2-parameter statistical manifolds.

Every helper takes an ``ax`` (``plt.gca()`` when omitted), draws in the manifold's
current chart using only the public :class:`~infogeo.manifolds.StatisticalManifold` API,
returns the artists it created, and works with the non-interactive Agg backend.

- :func:`plot_geodesics` (alias :func:`plot_halfplane_geodesics`),
  :func:`plot_geodesic_rays` — Fisher–Rao geodesics between points / from a point;
- :func:`plot_fisher_rao_ball`, :func:`fisher_rao_circle` — geodesic circles;
- :func:`plot_metric_ellipses`, :func:`metric_ellipses` — Tissot indicatrices of I(θ);
- :func:`plot_vector_field` — gradients, natural gradients (``raise_index=True``);
- :func:`plot_trajectories` — optimisation / flow paths (``Trajectory`` or arrays);
- :func:`plot_simplex`, :func:`simplex_to_cartesian` — the 3-category simplex;
- :func:`plot_loss_contours`, :func:`loss_grid` — level sets of a loss under a path;
- :func:`curve_length` — the Fisher length of a drawn curve;
- :func:`plot_estimate_band`, :func:`plot_loglog_fit`, :func:`loglog_slope` — Monte Carlo
  estimates with ± k SE bands, and convergence rates on log-log axes;
- :func:`plot_gaussian_ellipse`, :func:`gaussian_ellipse` — confidence ellipses of 2-D
  Gaussians (posteriors, variational fits).

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import infogeo as ig
>>> fig, ax = plt.subplots()
>>> N = ig.manifolds.Normal()
>>> lines = ig.plotting.plot_geodesics(N, [[[-1.0, 1.0], [1.0, 1.0]]], ax=ax)
>>> ring = ig.plotting.plot_fisher_rao_ball(N, [0.0, 1.0], 0.5, ax=ax)
>>> plt.close(fig)
"""

from .contours import loss_grid, plot_loss_contours
from .ellipses import metric_ellipses, plot_metric_ellipses
from .fields import plot_trajectories, plot_vector_field
from .gaussians import gaussian_ellipse, plot_gaussian_ellipse
from .halfplane import (
    fisher_rao_circle,
    plot_fisher_rao_ball,
    plot_geodesic_rays,
    plot_geodesics,
    plot_halfplane_geodesics,
)
from .lengths import curve_length
from .simplex import plot_simplex, simplex_to_cartesian
from .uncertainty import loglog_slope, plot_estimate_band, plot_loglog_fit

__all__ = [
    "plot_geodesics",
    "plot_halfplane_geodesics",
    "plot_geodesic_rays",
    "plot_fisher_rao_ball",
    "fisher_rao_circle",
    "plot_metric_ellipses",
    "metric_ellipses",
    "plot_vector_field",
    "plot_trajectories",
    "plot_simplex",
    "simplex_to_cartesian",
    "plot_loss_contours",
    "loss_grid",
    "curve_length",
    "plot_estimate_band",
    "loglog_slope",
    "plot_loglog_fit",
    "plot_gaussian_ellipse",
    "gaussian_ellipse",
]
