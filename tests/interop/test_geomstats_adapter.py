"""infogeo manifolds inside geomstats' tools, geomstats spaces as infogeo manifolds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from infogeo.interop import (
    from_geomstats,
    import_geomstats,
    point_from_geomstats,
    point_to_geomstats,
    tangent_from_geomstats,
    tangent_to_geomstats,
    to_geomstats,
)
from infogeo.manifolds import Beta, Categorical, Gamma, Normal

from ._geomstats import geomstats_test


def test_importing_interop_does_not_import_geomstats():
    code = "import sys, infogeo.interop; print('geomstats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_missing_geomstats_is_an_import_error_with_advice(monkeypatch):
    monkeypatch.setitem(sys.modules, "geomstats", None)
    monkeypatch.setitem(sys.modules, "geomstats.backend", None)
    with pytest.raises(ImportError, match=r"geomstats extra .*numpy < 2.4"):
        import_geomstats()


def test_to_geomstats_bad_input():
    with pytest.raises(TypeError, match="manifold must be an infogeo StatisticalManifold"):
        to_geomstats("beta")
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        to_geomstats(Beta(), rng=0)


def _karcher_mean(manifold, points, tol=1e-10, max_iter=200):
    """Gradient descent on the Fréchet function with infogeo's exp/log (step 1)."""
    mean = points.mean(axis=0)  # another start than geomstats' (its first point)
    for _ in range(max_iter):
        step = manifold.log(points, mean).mean(axis=0)
        mean = manifold.exp(step, mean)
        if manifold.norm(step, mean) < tol:
            return mean
    raise AssertionError("Karcher iteration did not converge")


@geomstats_test
def test_geomstats_frechet_mean_on_infogeo_manifold():
    from geomstats.learning.frechet_mean import FrechetMean

    manifold = Beta()

    rng = np.random.default_rng(7)
    points = manifold.random_point(rng, 5)
    space = to_geomstats(manifold, rng=rng)
    estimator = FrechetMean(space).set(max_iter=100, epsilon=1e-14)
    mean = estimator.fit(points).estimate_
    # 1. the same fixed point as a Karcher iteration written here with infogeo exp/log
    np.testing.assert_allclose(mean, _karcher_mean(manifold, points), rtol=1e-6)
    # 2. first-order optimality seen through distances only: the gradient of the Fréchet
    #    function (central differences, in metric units) vanishes at the mean but not at
    #    a data point
    def gradient_norm(x, h=1e-5):
        # all 2·dim perturbed points against all data points in one batched dist call
        shifted = x + h * np.concatenate([np.eye(manifold.dim), -np.eye(manifold.dim)])
        sq = manifold.dist(shifted[:, None, :], points[None, :, :]) ** 2
        values = 0.5 * sq.mean(axis=1)
        grad = (values[:manifold.dim] - values[manifold.dim:]) / (2 * h)
        return float(np.sqrt(grad @ np.linalg.solve(manifold.metric_matrix(x), grad)))
    assert gradient_norm(mean) < 1e-6
    assert gradient_norm(points[0]) > 1e-2


@geomstats_test
def test_geomstats_geodesic_on_infogeo_manifold():
    manifold = Gamma(chart="shape_scale")
    rng = np.random.default_rng(3)
    a, b = manifold.random_point(rng, 2)
    space = to_geomstats(manifold)
    path = space.metric.geodesic(initial_point=a, end_point=b)(np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(path[0], a, rtol=1e-12)
    np.testing.assert_allclose(path[-1], b, rtol=1e-7)
    whole = manifold.dist(a, b)
    np.testing.assert_allclose([manifold.dist(a, path[1]), manifold.dist(path[1], b)],
                               [whole / 2, whole / 2], rtol=1e-6)
    np.testing.assert_allclose(space.metric.squared_dist(a, b), whole**2, rtol=1e-12)


@geomstats_test
@pytest.mark.parametrize(("manifold", "curvature"), [
    (Normal(), -0.5),          # Fisher metric (dμ² + 2dσ²)/σ²: hyperbolic, K = −1/2
    (Categorical(3), 0.25),    # ξ = 2√p: a piece of the sphere of radius 2, K = 1/4
], ids=["normal", "categorical_3"])
def test_curvature_reaches_geomstats_in_its_index_convention(manifold, curvature):
    rng = np.random.default_rng(11)
    point = manifold.random_point(rng)
    u, v = rng.normal(size=(2, manifold.dim))
    space = to_geomstats(manifold)
    # geomstats' generic sectional curvature reads riemann[..., i, j, k, l] = R_ijk^l
    sectional = space.metric.sectional_curvature(u, v, point)
    np.testing.assert_allclose(sectional, curvature, rtol=1e-5)
    np.testing.assert_allclose(space.metric.scalar_curvature(point), 2 * curvature, rtol=1e-5)


@geomstats_test
def test_space_membership_and_random_points():
    space = to_geomstats(Beta(), rng=np.random.default_rng(0))
    points = space.random_point(4)
    assert points.shape == (4, 2) and space.random_point().shape == (2,)
    mixed = np.array([[1.0, 2.0], [-1.0, 2.0], [0.5, 0.5]])
    np.testing.assert_array_equal(space.belongs(mixed), [True, False, True])
    with pytest.raises(ValueError, match="random_point needs a generator"):
        to_geomstats(Beta()).random_point(2)


def _geomstats_spaces():
    from geomstats.information_geometry.beta import BetaDistributions
    from geomstats.information_geometry.binomial import BinomialDistributions
    from geomstats.information_geometry.categorical import CategoricalDistributions
    from geomstats.information_geometry.dirichlet import DirichletDistributions
    from geomstats.information_geometry.exponential import ExponentialDistributions
    from geomstats.information_geometry.gamma import GammaDistributions
    from geomstats.information_geometry.geometric import GeometricDistributions
    from geomstats.information_geometry.normal import NormalDistributions
    from geomstats.information_geometry.poisson import PoissonDistributions

    return [
        (NormalDistributions(1), "Normal", "mu_sigma"),
        (BetaDistributions(), "Beta", "a_b"),
        (GammaDistributions(), "Gamma", "shape_mean"),
        (DirichletDistributions(4), "Dirichlet", "alpha"),
        (CategoricalDistributions(3), "Categorical", "probs"),
        (PoissonDistributions(), "Poisson", "rate"),
        (ExponentialDistributions(), "Exponential", "rate"),
        (BinomialDistributions(6), "Binomial", "p"),
        (GeometricDistributions(), "Geometric", "p"),
    ]


@geomstats_test
def test_from_geomstats_families_and_charts_agree_on_the_distribution():
    """The mapped family and chart describe the same distribution as geomstats' point:
    geomstats' own pdf equals infogeo's density at the converted point."""
    import geomstats.backend as gs

    for space, family, chart in _geomstats_spaces():
        manifold = from_geomstats(space)
        assert (type(manifold).__name__, manifold.chart.name) == (family, chart)
        point = space.random_point()
        theta = point_from_geomstats(space, point)
        np.testing.assert_allclose(point_to_geomstats(space, theta), point, rtol=1e-14)
        sample = manifold.sample(theta, 4, np.random.default_rng(1))
        pdf = space.point_to_pdf(gs.array(point))
        if family == "Categorical":
            continue  # geomstats' categorical pdf takes one-hot vectors, checked below
        ours = np.exp(manifold.log_prob(sample, theta))
        np.testing.assert_allclose(np.ravel(pdf(sample)), ours, rtol=1e-9,
                                   err_msg=family)


@geomstats_test
def test_categorical_point_and_tangent_converters():
    from geomstats.information_geometry.categorical import CategoricalDistributions

    space = CategoricalDistributions(2)
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    theta = point_from_geomstats(space, probs)
    np.testing.assert_allclose(theta, probs[:, :2])
    np.testing.assert_allclose(point_to_geomstats(space, theta), probs)
    vector = np.array([0.1, -0.4, 0.3])  # tangent to the simplex: entries sum to 0
    np.testing.assert_allclose(tangent_to_geomstats(space, tangent_from_geomstats(space,
                                                                                 vector)),
                               vector)
    # inner products agree through the converters
    manifold = from_geomstats(space)
    w = np.array([-0.2, 0.5, -0.3])
    np.testing.assert_allclose(
        manifold.inner_product(tangent_from_geomstats(space, vector),
                               tangent_from_geomstats(space, w), theta[0]),
        space.metric.inner_product(vector, w, probs[0]), rtol=1e-12)


@geomstats_test
def test_generic_wrapper_of_another_geomstats_space():
    """A space infogeo has no family for (the Poincaré half-plane) is wrapped generically;
    checked against the hyperbolic closed forms d = arccosh(1 + |a − b|²/(2 a_y b_y)) and
    Γ^x_xy = Γ^x_yx = −1/y, Γ^y_xx = 1/y, Γ^y_yy = −1/y."""
    from geomstats.geometry.hypersphere import Hypersphere
    from geomstats.geometry.poincare_half_space import PoincareHalfSpace

    from infogeo.interop.geomstats_manifold import GeomstatsManifold

    manifold = from_geomstats(PoincareHalfSpace(2))
    assert isinstance(manifold, GeomstatsManifold)
    a, b = np.array([0.3, 1.2]), np.array([-1.0, 0.4])
    expected = np.arccosh(1 + np.sum((a - b) ** 2) / (2 * a[1] * b[1]))
    np.testing.assert_allclose(manifold.dist(a, b), expected, rtol=1e-10)
    y = a[1]
    gamma = np.zeros((2, 2, 2))
    gamma[0, 0, 1] = gamma[0, 1, 0] = -1 / y
    gamma[1, 0, 0], gamma[1, 1, 1] = 1 / y, -1 / y
    np.testing.assert_allclose(manifold.christoffels(a), gamma, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(manifold.exp(manifold.log(b, a), a), b, rtol=1e-10)
    with pytest.raises(ValueError, match="must be a point of PoincareHalfSpace"):
        manifold.metric_matrix([0.0, -1.0])
    with pytest.raises(ValueError, match=r"vector points of shape \(dim,\)"):
        from_geomstats(Hypersphere(2))
    with pytest.raises(TypeError, match="equipped with a metric"):
        GeomstatsManifold(object())


@pytest.mark.slow  # ~6 s: generic shooting for log on the compiled family
@geomstats_test
def test_geomstats_frechet_mean_on_a_compiled_symbolic_family():
    """A family given only by its log-density (compiled, generic shooting for log) inside
    geomstats' FrechetMean, against the Karcher mean with Normal's closed-form exp/log."""
    from geomstats.learning.frechet_mean import FrechetMean

    from infogeo import symbolic

    compile_manifold = getattr(symbolic, "compile_manifold", None)
    if compile_manifold is None:
        pytest.skip("infogeo.symbolic.compile_manifold is not available")
    compiled = compile_manifold(symbolic.catalogue.normal())
    points = Normal().random_point(np.random.default_rng(4), 4)
    estimator = FrechetMean(to_geomstats(compiled)).set(max_iter=100, epsilon=1e-14)
    mean = estimator.fit(points).estimate_
    np.testing.assert_allclose(mean, _karcher_mean(Normal(), points), rtol=1e-6)


@geomstats_test
def test_geomstats_kmeans_on_infogeo_normal():
    """RiemannianKMeans with infogeo's Fisher–Rao geometry: two groups of normals
    (σ ≈ 0.2 and σ ≈ 5) are separated, and each cluster centre is the Fisher–Rao
    Fréchet mean of its members (Karcher mean with Normal's closed-form exp/log), not
    their coordinate average."""
    from geomstats.learning.kmeans import RiemannianKMeans

    rng = np.random.default_rng(9)
    groups = []
    for scale in (0.2, 5.0):
        sigma = scale * np.exp(rng.normal(0.0, 0.5, 6))
        groups.append(np.stack([rng.normal(0.0, 0.5 * sigma), sigma], axis=-1))
    points = np.concatenate(groups)
    manifold = Normal()
    # explicit initial centres (geomstats' own initialisations use numpy's global state)
    start = points[[rng.integers(6), 6 + rng.integers(6)]]
    kmeans = RiemannianKMeans(to_geomstats(manifold), n_clusters=2, init=start, tol=1e-10)
    kmeans.mean_estimator.set(epsilon=1e-12)  # its inner FrechetMean, tight
    labels = kmeans.fit(points).labels_
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1
    assert labels[0] != labels[6]
    for label, members in ((labels[0], groups[0]), (labels[6], groups[1])):
        centre = kmeans.cluster_centers_[label]
        frechet = _karcher_mean(manifold, members)
        assert manifold.dist(centre, frechet) < 1e-5
        assert manifold.dist(members.mean(axis=0), frechet) > 0.1  # measured 0.21, 0.33
    with pytest.raises(ValueError, match="base_point is required"):
        to_geomstats(manifold).metric.metric_matrix()


@geomstats_test
def test_every_declared_geomstats_counterpart_maps_back_to_its_family():
    """The geomstats spaces come from the families' declarations: each one builds its
    family back, in the declared chart, with the declared hyper-parameters."""
    import importlib

    from infogeo.manifolds.registry import FAMILIES

    for name, make in FAMILIES.items():
        manifold = make()
        counterpart = manifold.geomstats_counterpart
        if counterpart is None:
            continue
        module, cls_name = counterpart.space.rsplit(".", 1)
        cls = getattr(importlib.import_module(f"geomstats.information_geometry.{module}"),
                      cls_name)
        # the declared hyper-parameters name the geomstats constructor's arguments
        kwargs = {attr: getattr(manifold, keyword) - offset
                  for keyword, (attr, offset) in counterpart.hyper.items()}
        back = from_geomstats(cls(**kwargs))
        assert type(back) is type(manifold), name
        assert back.chart.name == counterpart.chart and back.dim == manifold.dim, name
