"""Plotting helpers: they draw what they claim (checked numerically on the artists' data,
on more than one family) and reject bad input. Agg backend, no display."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import infogeo as ig  # noqa: E402
from infogeo.plotting import (  # noqa: E402
    fisher_rao_circle,
    metric_ellipses,
    plot_fisher_rao_ball,
    plot_geodesic_rays,
    plot_geodesics,
    plot_metric_ellipses,
    plot_simplex,
    plot_trajectories,
    plot_vector_field,
    simplex_to_cartesian,
)

NORMAL = ig.manifolds.Normal()
RNG = np.random.default_rng(7)


def two_d_families() -> list:
    fams = [NORMAL, NORMAL.in_chart("mu_log_sigma")]
    for name, make in (("Categorical", lambda c: c(3)), ("Gamma", lambda c: c())):
        if hasattr(ig.manifolds, name):
            fams.append(make(getattr(ig.manifolds, name)))
    return fams


FAMILIES = two_d_families()
IDS = [f"{type(m).__name__}-{m.chart.name}" for m in FAMILIES]


@pytest.fixture
def ax():  # noqa: ANN201
    fig = Figure()
    yield fig.add_subplot()


def drawn_png_bytes(axes) -> int:  # noqa: ANN001
    import io

    buf = io.BytesIO()
    axes.figure.savefig(buf, format="png")
    return buf.tell()


# ---------------------------------------------------------------------- geodesics
@pytest.mark.parametrize("manifold", FAMILIES, ids=IDS)
def test_geodesics_join_the_given_points(manifold, ax) -> None:  # noqa: ANN001
    points = manifold.random_point(RNG, 4)
    pairs = np.stack([points[:2], points[2:]], axis=1)  # [2, 2, 2]
    lines = plot_geodesics(manifold, pairs, ax=ax, n_points=50, label="g")
    assert len(lines) == 3  # two curves and the endpoint markers
    for line, (start, end) in zip(lines[:2], pairs, strict=True):
        xy = line.get_xydata()
        np.testing.assert_allclose(xy[0], start, atol=1e-9)
        np.testing.assert_allclose(xy[-1], end, atol=1e-6)
        # the drawn curve has Fisher length = distance (a geodesic, not a chord)
        steps, mids = np.diff(xy, axis=0), 0.5 * (xy[1:] + xy[:-1])
        length = np.sum(manifold.norm(steps, mids))
        assert length == pytest.approx(float(manifold.dist(start, end)), rel=2e-3)
    assert [t.get_text() for t in ax.legend().get_texts()] == ["g"]
    assert ax.get_xlabel() == manifold.coordinates[0]
    assert drawn_png_bytes(ax) > 1000


def test_geodesic_rays_start_at_the_base_point_with_the_given_speed(ax) -> None:  # noqa: ANN001
    base, vecs = np.array([0.0, 1.0]), np.array([[1.0, 0.0], [0.0, 0.5], [-0.3, 0.2]])
    lines = plot_geodesic_rays(NORMAL, base, vecs, ax=ax, n_points=200)
    assert len(lines) == 3
    for line, v in zip(lines, vecs, strict=True):
        xy = line.get_xydata()
        np.testing.assert_allclose(xy[0], base, atol=1e-12)
        np.testing.assert_allclose(xy[-1], NORMAL.exp(v, base), atol=1e-10)


# ---------------------------------------------------------------------- balls
@pytest.mark.parametrize("manifold", FAMILIES, ids=IDS)
def test_fisher_rao_circle_is_at_the_given_distance(manifold) -> None:  # noqa: ANN001
    center = manifold.random_point(RNG)
    radius = 0.1
    circle = fisher_rao_circle(manifold, center, radius, n_points=24)
    np.testing.assert_allclose(manifold.dist(np.broadcast_to(center, circle.shape), circle),
                               radius, rtol=1e-6)
    np.testing.assert_allclose(circle[0], circle[-1], atol=1e-12)


def test_fisher_rao_ball_matches_the_hyperbolic_closed_form(ax) -> None:  # noqa: ANN001
    """In (u, σ) = (μ/√2, σ) the metric is 2× Poincaré's, so the Fisher–Rao circle of
    radius r around (0, s) is the Euclidean circle with centre (0, s cosh(r/√2)) and
    radius s sinh(r/√2) (Beardon, *The Geometry of Discrete Groups*, §7.2)."""
    s, r = 1.5, 1.2
    artists = plot_fisher_rao_ball(NORMAL, [0.0, s], r, ax=ax, n_points=60)
    xy = artists[0].get_xydata()
    u, sigma = xy[:, 0] / np.sqrt(2), xy[:, 1]
    np.testing.assert_allclose(np.hypot(u, sigma - s * np.cosh(r / np.sqrt(2))),
                               s * np.sinh(r / np.sqrt(2)), rtol=1e-10)
    filled = plot_fisher_rao_ball(NORMAL, [0.0, s], 0.3, ax=ax, fill=True, alpha=0.3,
                                  center_marker=False)
    assert len(filled) == 1 and len(ax.patches) == 1


# ---------------------------------------------------------------------- ellipses
@pytest.mark.parametrize("manifold", FAMILIES, ids=IDS)
def test_metric_ellipse_boundary_has_fisher_length_scale(manifold, ax) -> None:  # noqa: ANN001
    points = manifold.random_point(RNG, 3)
    scale = 0.05
    patches = plot_metric_ellipses(manifold, points, ax=ax, scale=scale)
    assert len(patches) == 3 and len(ax.patches) == 3
    for patch, center in zip(patches, points, strict=True):
        boundary = patch.get_patch_transform().transform(
            np.stack([np.cos(np.linspace(0, 6, 13)), np.sin(np.linspace(0, 6, 13))], -1))
        v = boundary - center
        np.testing.assert_allclose(manifold.norm(v, np.broadcast_to(center, v.shape)), scale,
                                   rtol=1e-9)


def test_metric_ellipses_of_the_normal_family_closed_form() -> None:
    """I = diag(1, 2)/σ²: semi-axes sσ along μ and sσ/√2 along σ."""
    widths, heights, angles = metric_ellipses(NORMAL, [[0.0, 2.0], [1.0, 0.5]], scale=0.1)
    np.testing.assert_allclose(np.sort([widths, heights], axis=0),
                               [[0.2 * 2 / np.sqrt(2), 0.2 * 0.5 / np.sqrt(2)],
                                [0.2 * 2, 0.2 * 0.5]], rtol=1e-12)
    # the longer axis (smaller eigenvalue 1/σ²) is horizontal
    long_is_first = widths > heights
    np.testing.assert_allclose(np.abs(np.cos(np.radians(angles))), long_is_first * 1.0,
                               atol=1e-12)


# ---------------------------------------------------------------------- vector fields
def test_vector_field_raises_the_index_and_normalizes(ax) -> None:  # noqa: ANN001
    pts = np.stack(np.meshgrid([-1.0, 0.0, 1.0], [0.5, 1.5]), -1)
    grad = lambda p: np.stack([p[..., 0], p[..., 1] - 1.0], -1)  # noqa: E731
    q = plot_vector_field(NORMAL, grad, pts, ax=ax, raise_index=True)
    flat = pts.reshape(-1, 2)
    # natural gradient I^{-1} g = (σ² g_μ, σ² g_σ / 2)
    expected = np.stack([flat[:, 1] ** 2 * flat[:, 0], flat[:, 1] ** 2 * (flat[:, 1] - 1) / 2],
                        -1)
    np.testing.assert_allclose(np.stack([q.U, q.V], -1), expected, rtol=1e-12)
    q2 = plot_vector_field(NORMAL, grad(pts), pts, ax=ax, normalize="riemannian")
    vecs = np.stack([q2.U, q2.V], -1)
    nonzero = np.linalg.norm(vecs, axis=-1) > 0
    np.testing.assert_allclose(NORMAL.norm(vecs, flat)[nonzero], 1.0, rtol=1e-12)
    q3 = plot_vector_field(NORMAL, grad, pts, ax=ax, normalize="euclidean")
    np.testing.assert_allclose(np.hypot(q3.U, q3.V)[nonzero], 1.0, rtol=1e-12)


# ---------------------------------------------------------------------- trajectories
def test_trajectories_from_arrays_and_flow_results(ax) -> None:  # noqa: ANN001
    path = np.array([[0.0, 1.0], [0.5, 1.2], [0.8, 1.1]])
    artists = plot_trajectories(path, ax=ax)
    assert len(artists) == 3  # line, start, end
    np.testing.assert_allclose(artists[0].get_xydata(), path)
    artists = plot_trajectories([path, path + 1], ax=ax, labels=["a", "b"], markers=False)
    assert [a.get_label() for a in artists] == ["a", "b"]
    flows = pytest.importorskip("infogeo.flows")
    target = np.array([1.0, 2.0])
    traj = flows.fisher_flow(NORMAL, lambda t: t - target, [0.0, 1.0], (0.0, 3.0))
    (line, *_) = plot_trajectories(traj, ax=ax)
    np.testing.assert_allclose(line.get_xydata(), traj.params)


# ---------------------------------------------------------------------- simplex
def test_simplex_coordinates() -> None:
    np.testing.assert_allclose(simplex_to_cartesian(np.eye(3)),
                               [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]], atol=1e-15)
    np.testing.assert_allclose(simplex_to_cartesian([1 / 3, 1 / 3, 1 / 3]),
                               [0.5, np.sqrt(3) / 6], rtol=1e-15)


def test_simplex_draws_frame_points_and_paths(ax) -> None:  # noqa: ANN001
    pts = RNG.dirichlet([1, 1, 1], size=5)
    artists = plot_simplex(pts, ax=ax, labels=("a", "b", "c"))
    assert len(artists) == 5  # frame, 3 labels, scatter
    np.testing.assert_allclose(artists[-1].get_offsets(), simplex_to_cartesian(pts))
    paths = np.stack([pts, pts[::-1]])  # [2, 5, 3]
    lines = plot_simplex(paths, ax=ax, kind="line", frame=False, label="p")
    assert len(lines) == 2 and lines[0].get_label() == "p"
    assert drawn_png_bytes(ax) > 1000


# ---------------------------------------------------------------------- bad input
def test_bad_input_is_rejected(ax) -> None:  # noqa: ANN001
    pair = [[[0.0, 1.0], [1.0, 1.0]]]
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_geodesics(NORMAL, pair, ax="not axes")
    with pytest.raises(TypeError, match="manifold must be a StatisticalManifold"):
        plot_geodesics(object(), pair, ax=ax)
    if hasattr(ig.manifolds, "Dirichlet"):
        with pytest.raises(ValueError, match="2-dimensional"):
            plot_metric_ellipses(ig.manifolds.Dirichlet(3), [[1.0, 1.0, 1.0]], ax=ax)
    with pytest.raises(ValueError, match=r"pairs must have shape \[n, 2, 2\]"):
        plot_geodesics(NORMAL, [[[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]], ax=ax)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        plot_geodesics(NORMAL, [[[0.0, -1.0], [1.0, 1.0]]], ax=ax)
    with pytest.raises(ValueError, match="finite"):
        plot_geodesics(NORMAL, [[[np.nan, 1.0], [1.0, 1.0]]], ax=ax)
    with pytest.raises(ValueError, match="radius must be > 0"):
        plot_fisher_rao_ball(NORMAL, [0.0, 1.0], -1.0, ax=ax)
    with pytest.raises(ValueError, match=r"center must have shape \[2\]"):
        plot_fisher_rao_ball(NORMAL, [[0.0, 1.0]], 1.0, ax=ax)
    with pytest.raises(ValueError, match="n_points must be >= 4"):
        fisher_rao_circle(NORMAL, [0.0, 1.0], 1.0, n_points=3)
    with pytest.raises(ValueError, match="scale must be > 0"):
        plot_metric_ellipses(NORMAL, [[0.0, 1.0]], ax=ax, scale=0.0)
    with pytest.raises(ValueError, match="points must have shape"):
        plot_metric_ellipses(NORMAL, [0.0, 1.0, 2.0], ax=ax)
    with pytest.raises(ValueError, match="normalize must be one of"):
        plot_vector_field(NORMAL, [[1.0, 0.0]], [[0.0, 1.0]], ax=ax, normalize="unit")
    with pytest.raises(ValueError, match="one vector per point"):
        plot_vector_field(NORMAL, [[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0]], ax=ax)
    with pytest.raises(ValueError, match="labels must have one entry"):
        plot_trajectories([[[0.0, 1.0], [1.0, 1.0]]], ax=ax, labels=["a", "b"])
    with pytest.raises(ValueError, match=r"trajectories\[0\] must have shape \[\.\.\., 2\]"):
        plot_trajectories([np.zeros((3, 3))], ax=ax)
    with pytest.raises(ValueError, match=r"trajectories\[0\] must have shape \[T, 2\]"):
        plot_trajectories([np.zeros((2, 3, 2))], ax=ax)
    with pytest.raises(TypeError, match="trajectories must be"):
        plot_trajectories("path", ax=ax)
    with pytest.raises(ValueError, match="sum to 1"):
        plot_simplex([[0.5, 0.5, 0.5]], ax=ax)
    with pytest.raises(ValueError, match=">= 0"):
        plot_simplex([[1.5, -0.5, 0.0]], ax=ax)
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_simplex(None, ax=ax, kind="bar")


def test_default_axes_is_the_current_pyplot_axes() -> None:
    fig = plt.figure()
    try:
        lines = plot_geodesics(NORMAL, [[[0.0, 1.0], [1.0, 1.0]]])
        assert lines[0].axes is fig.gca()
    finally:
        plt.close(fig)


def test_metric_ellipses_make_one_legend_entry() -> None:
    fig, ax = plt.subplots()
    grid = np.stack(np.meshgrid([-1.0, 0.0, 1.0], [0.5, 1.0]), axis=-1)
    ig.plotting.plot_metric_ellipses(ig.manifolds.Normal(), grid, ax=ax, label="Fisher")
    handles, labels = ax.get_legend_handles_labels()
    assert labels == ["Fisher"]
    plt.close(fig)
