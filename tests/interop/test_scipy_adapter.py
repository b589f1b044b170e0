"""scipy.stats dispatch: every registered family that declares a scipy counterpart
round-trips through ``to_scipy`` / ``from_scipy``, and scipy's own log-density agrees with
infogeo's ``log_prob`` at the point (an independent check of the parametrization). The
lists below derive from the declarations: a new family is covered without editing them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from infogeo.interop import SCIPY_FAMILIES, from_scipy, to_scipy
from infogeo.manifolds import registry

#: registered families that declare a scipy.stats counterpart (the rest must refuse)
WITH_SCIPY = {name for name, make in registry.FAMILIES.items()
              if make().scipy_counterpart is not None}
WITHOUT_SCIPY = sorted(set(registry.FAMILIES) - WITH_SCIPY)


def test_the_families_scipy_has_declare_it() -> None:
    assert {"normal", "student_t", "cauchy", "von_mises", "multivariate_normal", "poisson",
            "exponential", "bernoulli", "binomial", "geometric", "negative_binomial", "gamma",
            "beta", "dirichlet", "weibull"} <= WITH_SCIPY


def _scipy_log_density(frozen, x):
    if type(frozen).__name__ == "dirichlet_frozen":
        return frozen.logpdf(np.moveaxis(x, -1, 0))  # scipy wants components first
    if hasattr(frozen, "logpmf") and not hasattr(frozen, "logpdf"):
        return frozen.logpmf(x)
    dist = getattr(frozen, "dist", None)
    if dist is not None and isinstance(dist, stats.rv_discrete):
        return frozen.logpmf(x)
    return frozen.logpdf(x)


@pytest.mark.parametrize("name", sorted(WITH_SCIPY))
def test_round_trip_and_log_density(name):
    rng = np.random.default_rng(20261129)
    manifold = registry.get_family(name)
    theta = manifold.random_point(rng)
    frozen = to_scipy(manifold, theta)
    back, point = from_scipy(frozen)
    # the dispatcher finds a family with the same hyper-parameters; a fixed-mean normal
    # comes back as the full multivariate normal, whose point packs (mean, cov)
    again = to_scipy(back, point)
    x = frozen.rvs(size=25, random_state=rng)
    x = np.asarray(x, dtype=float)
    if not manifold.scipy_counterpart.dispatch:  # e.g. a fixed-mean normal
        assert type(back).__name__ == "MultivariateNormal"
        np.testing.assert_allclose(manifold.from_scipy(frozen), theta, rtol=1e-10)
    else:
        assert type(back) is type(manifold)
        np.testing.assert_allclose(point, theta, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(_scipy_log_density(again, x), _scipy_log_density(frozen, x),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(manifold.log_prob(x, theta), _scipy_log_density(frozen, x),
                               rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", WITHOUT_SCIPY)
def test_families_without_scipy_counterpart_refuse(name):
    manifold = registry.get_family(name)
    theta = manifold.random_point(np.random.default_rng(0))
    with pytest.raises(TypeError, match="no scipy.stats counterpart"):
        to_scipy(manifold, theta)


def test_every_scipy_name_maps_to_the_family_that_declares_it():
    rng = np.random.default_rng(5)
    dispatching = {}
    for name in WITH_SCIPY:
        manifold = registry.get_family(name)
        if manifold.scipy_counterpart.dispatch:
            dispatching[manifold.scipy_counterpart.name] = (name, manifold)
    assert set(dispatching) == set(SCIPY_FAMILIES)
    for scipy_name, (_, manifold) in dispatching.items():
        back, point = from_scipy(to_scipy(manifold, manifold.random_point(rng)))
        assert type(back) is type(manifold), scipy_name
        assert point.shape == (manifold.dim,)


def test_hyper_parameters_are_read_from_the_distribution():
    binomial, p = from_scipy(stats.binom(12, 0.25))
    assert binomial.n_trials == 12 and np.allclose(p, [0.25])
    student, point = from_scipy(stats.t(7.0, loc=-1.0, scale=3.0))
    assert student.nu == 7.0 and np.allclose(point, [-1.0, 3.0])
    negbin, q = from_scipy(stats.nbinom(n=4.5, p=0.2))
    assert negbin.r == 4.5 and np.allclose(q, [0.2])
    dirichlet, alpha = from_scipy(stats.dirichlet([0.5, 1.5, 2.5, 3.5]))
    assert dirichlet.k == 4 and np.allclose(alpha, [0.5, 1.5, 2.5, 3.5])


def test_batches_and_charts():
    mu, sigma = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 3.0])
    manifold, point = from_scipy(stats.norm(mu, sigma), chart="mu_var")
    assert manifold.chart.name == "mu_var"
    np.testing.assert_allclose(point, np.stack([mu, sigma**2], axis=-1))
    frozen = to_scipy(manifold, point)
    np.testing.assert_allclose(frozen.std(), sigma)


def test_bad_input():
    with pytest.raises(TypeError, match="frozen must be a frozen scipy.stats"):
        from_scipy([1.0, 2.0])
    with pytest.raises(ValueError, match="frozen must be one of .*'laplace'"):
        from_scipy(stats.laplace())
    with pytest.raises(ValueError, match="single n for the whole batch"):
        from_scipy(stats.binom([3, 4], 0.5))
    with pytest.raises(ValueError, match="n_trials must be a positive integer"):
        from_scipy(stats.binom(2.5, 0.5))
    with pytest.raises(TypeError, match="manifold must be an infogeo StatisticalManifold"):
        to_scipy("normal", [0.0, 1.0])
    with pytest.raises(ValueError, match="sigma"):
        to_scipy(registry.get_family("normal"), [0.0, -1.0])


@pytest.mark.parametrize(("frozen", "match"), [
    (stats.norm(0, -1), "sigma must be > 0"),
    (stats.norm(np.nan, 1), "argument loc must be finite"),
    (stats.beta(-1, 2), "a must be > 0"),
    (stats.expon(scale=0.0), "argument scale"),
    (stats.gamma(2.0, scale=[1.0, -1.0]), "beta .*must be > 0"),
    (stats.binom(10, 1.5), "p must lie in"),
    (stats.weibull_min(np.inf), "argument c must be finite"),
])
def test_invalid_distributions_are_refused(frozen, match):
    with pytest.raises(ValueError, match=match):
        from_scipy(frozen)
