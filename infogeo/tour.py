"""``infogeo tour``: a short guided tour that computes real things and checks them.

The tour takes the univariate normal family N(μ, σ²) through every layer of infogeo:

1. derive its Fisher matrix symbolically from the log-density, then its Christoffel
   symbols and scalar curvature (R = −1: the family is a hyperbolic half-plane);
2. compile the symbolic metric to numpy and compare it with the hand-written numeric
   family :class:`infogeo.manifolds.Normal` at a point;
3. compute a Fisher–Rao geodesic and distance between two normals and compare with the
   closed form :math:`d = \\sqrt2\\,\\operatorname{arccosh}\\bigl(1 + ((\\mu_1-\\mu_2)^2/2
   + (\\sigma_1-\\sigma_2)^2)/(2\\sigma_1\\sigma_2)\\bigr)` (Costa et al., arXiv:1210.2354)
   and with the length of the drawn curve;
4. estimate the Fisher matrix by Monte Carlo and compare within standard errors;
5. draw geodesics, Fisher–Rao balls and metric ellipses in the (μ, σ) half-plane to
   ``tour.png``.

Run it with ``infogeo tour`` or ``python -m infogeo tour --output DIR``; it needs no
display (the figure is rendered with Agg) and takes a few seconds.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

__all__ = ["TourResult", "run_tour", "normal_fisher_rao_distance"]


@dataclass
class TourResult:
    """What the tour computed (for tests and for readers who want the numbers).

    Attributes
    ----------
    fisher : sympy.Matrix or None
        Symbolic Fisher matrix of N(μ, σ²) in (μ, σ) (None without the symbolic layer).
    scalar_curvature : sympy.Expr or None
    compile_error : float
        Largest difference between the compiled symbolic metric (and Christoffel
        symbols) and :class:`~infogeo.manifolds.Normal` at the test point.
    distance, distance_closed_form, curve_length : float
        Fisher–Rao distance from the manifold, from the closed form, and the Fisher
        length of the discretised geodesic.
    curve_length_natural : float
        Length of the same curve in the natural-parameter chart, with that chart's metric
        (equal: lengths are chart-independent).
    ode_endpoint_error : float
        Endpoint error of the geodesic ODE integrated with the compiled symbolic
        Christoffel symbols from the closed-form initial velocity.
    mc_z_scores : ndarray or None
        (Monte Carlo estimate − exact) / standard error, entrywise.
    figure : pathlib.Path or None
    seconds : float
    skipped : list of str
        Steps skipped because an optional subpackage is absent.
    """

    fisher: Any = None
    scalar_curvature: Any = None
    compile_error: float = float("nan")
    distance: float = float("nan")
    distance_closed_form: float = float("nan")
    curve_length: float = float("nan")
    ode_endpoint_error: float = float("nan")
    curve_length_natural: float = float("nan")
    mc_z_scores: Any = None
    figure: Path | None = None
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)


def normal_fisher_rao_distance(a: Any, b: Any) -> float:
    r"""Closed-form Fisher–Rao distance between N(μ₁, σ₁²) and N(μ₂, σ₂²).

    .. math::

        d = \sqrt2\,\operatorname{arccosh}\left(1 + \frac{(\mu_1-\mu_2)^2/2
        + (\sigma_1-\sigma_2)^2}{2\sigma_1\sigma_2}\right)

    Source: Costa, Santos & Strapasson, arXiv:1210.2354, eq. (8) (written here
    independently of :class:`~infogeo.manifolds.Normal`, which uses a log1p form).
    """
    (m1, s1), (m2, s2) = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.sqrt(2.0) * np.arccosh(1.0 + (0.5 * (m1 - m2) ** 2 + (s1 - s2) ** 2)
                                           / (2.0 * s1 * s2)))


def run_tour(output: str | Path = "tour_output", figure: bool = True,
             stream: TextIO | None = None, seed: int = 0) -> TourResult:
    """Run the tour, print each step to ``stream`` (stdout) and return the numbers.

    Parameters
    ----------
    output : str or Path
        Directory for ``tour.png`` (created if needed).
    figure : bool
        Draw and save the figure.
    stream : text stream, optional
    seed : int
        Seed of the Monte Carlo step.
    """
    out = stream if stream is not None else sys.stdout
    start = time.perf_counter()
    result = TourResult()

    def say(text: str = "") -> None:
        print(text, file=out)

    from .manifolds import Normal

    normal = Normal()
    theta = np.array([0.5, 1.5])
    say("infogeo tour: the normal family N(mu, sigma^2) as a Riemannian manifold\n")
    compiled = _symbolic_steps(result, normal, theta, say)
    _geodesic_step(result, normal, compiled, say)
    _monte_carlo_step(result, normal, theta, seed, say)
    if figure:
        result.figure = _draw(normal, Path(output))
        say(f"\n[5] figure: geodesics, Fisher-Rao balls and metric ellipses -> {result.figure}")
    result.seconds = time.perf_counter() - start
    if result.skipped:
        say(f"\nskipped (optional parts not installed): {', '.join(result.skipped)}")
    say(f"\ndone in {result.seconds:.1f} s")
    return result


def _symbolic_steps(result: TourResult, normal: Any, theta: np.ndarray, say: Any) -> Any:
    """Steps 1-2; returns the manifold compiled from the symbolic family."""
    try:
        from . import symbolic
    except ImportError as err:  # only when the symbolic layer is genuinely absent
        result.skipped.append(f"symbolic ({err})")
        return None
    fam = symbolic.catalogue.normal()
    say(f"[1] symbolic derivation from log p(x | mu, sigma) = {fam.logpdf}")
    derived = symbolic.fisher_information_result(fam)
    metric = derived.value
    result.fisher = metric
    say(f"    Fisher information I(mu, sigma) = {metric.tolist()}")
    say(f"    (strategy {derived.strategy!r}, checked against quadrature: max error "
        f"{derived.check_error:.1e})")
    gamma = symbolic.christoffel_symbols(metric, fam.params)
    names = [str(p) for p in fam.params]
    for k in range(2):
        for i in range(2):
            for j in range(i, 2):
                if gamma[k, i, j] != 0:
                    say(f"    Gamma^{names[k]}_({names[i]},{names[j]}) = {gamma[k, i, j]}")
    curvature = symbolic.scalar_curvature(metric, fam.params)
    result.scalar_curvature = curvature
    numeric_r = float(normal.scalar_curvature(theta))
    say(f"    scalar curvature R = {curvature} (Gaussian curvature {curvature / 2}); "
        f"numeric finite differences at {theta.tolist()}: {numeric_r:.6f}")

    compiled = symbolic.compile_manifold(fam, metric)
    got_g, got_gamma = compiled.metric_matrix(theta), compiled.christoffels(theta)
    err_g = float(np.max(np.abs(got_g - normal.metric_matrix(theta))))
    err_gamma = float(np.max(np.abs(got_gamma - normal.christoffels(theta))))
    result.compile_error = max(err_g, err_gamma)
    say(f"\n[2] compiled to numpy (symbolic.compile_manifold) and compared with "
        "ig.manifolds.Normal at "
        f"(mu, sigma) = {theta.tolist()}:")
    say(f"    metric max |difference| = {err_g:.1e}, Christoffel max |difference| = "
        f"{err_gamma:.1e}")
    return compiled


def _geodesic_step(result: TourResult, normal: Any, compiled: Any, say: Any) -> None:
    from .plotting import curve_length

    a, b = np.array([-1.0, 1.0]), np.array([2.0, 0.5])
    path = normal.geodesic(a, end_point=b)
    curve = path(np.linspace(0.0, 1.0, 401))
    result.distance = float(normal.dist(a, b))
    result.distance_closed_form = normal_fisher_rao_distance(a, b)
    result.curve_length = float(curve_length(normal, curve))
    mid = curve[200]
    say(f"\n[3] Fisher-Rao geodesic from N({a[0]:g}, {a[1]:g}^2) to N({b[0]:g}, {b[1]:g}^2):")
    say(f"    midpoint (mu, sigma) = ({mid[0]:.4f}, {mid[1]:.4f}); the curve bulges "
        "towards larger sigma (it is a half-ellipse, not a straight line)")
    say(f"    distance {result.distance:.10f}  closed form {result.distance_closed_form:.10f}"
        f"  length of the drawn curve {result.curve_length:.6f}")
    # the same curve in natural parameters, measured with the metric of that chart
    natural = normal.in_chart("natural")
    in_natural = normal.change_chart(curve, "natural")
    result.curve_length_natural = float(curve_length(natural, in_natural))
    euclid = float(np.linalg.norm(b - a))
    say("    the same curve in natural parameters (mu/sigma^2, -1/(2 sigma^2)), measured with "
        f"the Fisher metric of that chart: length {result.curve_length_natural:.6f}")
    say(f"    (Euclidean distance in (mu, sigma) would be {euclid:.4f}: not invariant)")
    if compiled is not None:
        # the symbolic route: the compiled manifold's exp integrates the geodesic ODE
        # x'' + Γ(x)(x', x') = 0 with the compiled Γ; from log_a(b) it must land on b
        v = normal.log(b, a)
        end = compiled.exp(v, a)
        result.ode_endpoint_error = float(np.max(np.abs(end - b)))
        say(f"    exp of the compiled manifold (geodesic ODE with the symbolic Christoffel "
            f"symbols) from velocity\n    log_a(b) = ({v[0]:.4f}, {v[1]:.4f}) ends at "
            f"({end[0]:.8f}, {end[1]:.8f}): error {result.ode_endpoint_error:.1e}")


def _monte_carlo_step(result: TourResult, normal: Any, theta: np.ndarray, seed: int,
                      say: Any) -> None:
    try:
        from .estimators import fisher_monte_carlo
    except ImportError as err:
        result.skipped.append(f"estimators ({err})")
        return
    n = 20_000
    est = fisher_monte_carlo(normal, theta, n, rng=np.random.default_rng(seed))
    exact = normal.metric_matrix(theta)
    stderr = np.asarray(est.stderr)
    z = np.where(stderr > 0, (np.asarray(est.mean) - exact) / np.where(stderr > 0, stderr, 1),
                 0.0)
    result.mc_z_scores = z
    say(f"\n[4] Monte Carlo Fisher estimate E[score score^T] from {n} draws "
        f"(seed {seed}) at {theta.tolist()}:")
    for i in range(2):
        cells = "  ".join(f"{est.mean[i, j]:8.4f} +- {stderr[i, j]:.4f}" for j in range(2))
        say(f"    {cells}")
    say(f"    exact {exact.round(4).tolist()}; largest |z| = {np.max(np.abs(z)):.2f} "
        "standard errors")


def _draw(normal: Any, output: Path) -> Path:
    """Geodesics, Fisher–Rao balls and metric ellipses of N(μ, σ²), saved as tour.png.

    Three panels on the same (μ, σ) window at the same scale (equal aspect), so that
    sizes can be compared from panel to panel: a Euclidean unit is a Euclidean unit.
    """
    from matplotlib.figure import Figure  # no pyplot: no display or backend needed

    from .plotting import plot_fisher_rao_ball, plot_geodesics, plot_metric_ellipses

    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OSError(f"output: cannot create directory {output}: {err.strerror}") from None
    fig = Figure(figsize=(15, 4.6), layout="constrained")
    panels = fig.subplots(1, 3, sharex=True, sharey=True)
    for ax in panels:
        ax.set_xlim(-3.6, 3.6)
        ax.set_ylim(0.0, 3.6)
        ax.set_aspect("equal")
        ax.set_xlabel(r"$\mu$")
        ax.set_ylabel(r"$\sigma$")
        ax.axhline(0.0, color="0.3", lw=0.8)
    _draw_geodesics(normal, panels[0], plot_geodesics)
    _draw_balls(normal, panels[1], plot_fisher_rao_ball)
    grid = np.stack(np.meshgrid(np.linspace(-3.0, 3.0, 7), np.linspace(0.4, 2.8, 5)), -1)
    plot_metric_ellipses(normal, grid, ax=panels[2], scale=0.18, color="C4", lw=1.2,
                         label=r"$\{\theta + v : v^\top I(\theta)\, v = 0.18^2\}$")
    panels[2].plot(grid[..., 0].ravel(), grid[..., 1].ravel(), ".", color="C4", ms=2)
    panels[2].set_title("Metric ellipses: the size of a\nFisher step of length 0.18")
    for ax in panels:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=9, ncols=2,
                  frameon=False)
    fig.suptitle(r"The normal family $N(\mu, \sigma^2)$ with the Fisher metric: "
                 "a hyperbolic half-plane", fontsize=13)
    path = output / "tour.png"
    fig.savefig(path, dpi=100)
    return path


def _draw_geodesics(normal: Any, ax: Any, plot_geodesics: Any) -> None:
    """Each pair in its own colour, both end points marked in it; chords dashed."""
    pairs = [((-3.0, 1.0), (3.0, 1.0)), ((-2.0, 0.4), (2.0, 0.4)), ((-1.0, 1.0), (2.0, 0.5)),
             ((0.0, 0.3), (0.0, 3.0)), ((-3.0, 2.5), (1.0, 0.6))]
    for k, (start, end) in enumerate(pairs):
        plot_geodesics(normal, [start, end], ax=ax, endpoints=False, color=f"C{k}", lw=2,
                       label=f"$N({start[0]:g}, {start[1]:g}^2) \\to N({end[0]:g}, "
                             f"{end[1]:g}^2)$")
        ax.plot(*np.transpose([start, end]), "--", color=f"C{k}", lw=0.8, alpha=0.6)
        ax.plot(*start, "o", color=f"C{k}", ms=6)
        ax.plot(*end, "s", color=f"C{k}", ms=6)
    ax.set_title("Geodesics (solid) are half-ellipses;\nchords (dashed) are not shortest")


def _draw_balls(normal: Any, ax: Any, plot_fisher_rao_ball: Any) -> None:
    """Concentric Fisher–Rao balls around one labelled centre."""
    centre = np.array([0.0, 1.2])
    for radius, style in zip((0.5, 1.0, 1.5), ("-", "--", ":"), strict=True):
        plot_fisher_rao_ball(normal, centre, radius, ax=ax, center_marker=False, color="C3",
                             ls=style, lw=2, label=f"radius {radius:g}")
    ax.plot(*centre, "+", color="k", ms=12, mew=2, label="centre $N(0, 1.2^2)$")
    ax.annotate("centre", centre, textcoords="offset points", xytext=(8, 6), fontsize=9)
    ax.set_title("Fisher–Rao balls around one centre:\nlarger towards large σ")
