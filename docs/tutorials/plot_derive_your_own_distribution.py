r"""
Derive the geometry of your own distribution
=============================================

This tutorial takes one distribution that infogeo's catalogue does not know — the
**inverse gamma** law — from a typed-in log-density to pictures of its geodesics, and
checks every step against something independent of it. The same five steps work for
any density you can write down:

1. type the log-density and declare the parameters (strings, parsed safely);
2. derive the Fisher matrix, the Christoffel symbols and the curvature with sympy;
3. compile everything to a numeric manifold (numpy functions and a sampler);
4. check the symbolic Fisher matrix against Monte Carlo estimates;
5. compute and draw geodesics and Fisher–Rao balls.

The inverse gamma distribution with shape :math:`a > 0` and scale :math:`b > 0` is the
law of :math:`1/Y` when :math:`Y \sim \mathrm{Gamma}(a, \text{rate } b)`; it is the
conjugate prior of a normal variance. Its density on :math:`x > 0` is

.. math::

    p(x \mid a, b) = \frac{b^a}{\Gamma(a)}\, x^{-a-1} e^{-b/x}, \qquad
    \ell = a\log b - \log\Gamma(a) - (a + 1)\log x - \frac{b}{x}.

One fact to keep in mind for the end: a change of variables that can be undone
(here :math:`x \mapsto 1/x`) loses no information, so the Fisher metric cannot tell the
two families apart. The inverse gamma family in (a, b) must be *isometric* to the Gamma
family in (shape, rate) — a check that no step of the computation knows about.

See also the reference of :func:`infogeo.symbolic.compile_manifold` and
:ref:`the families of the catalogue <families>`.
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

import infogeo as ig

# %%
# Step 1 — type in the family
# ---------------------------
# Parameters are declared with their domains (``"a>0 b>0"``); the log-density is a
# string in Python syntax. Both go through infogeo's own parser, which accepts
# arithmetic and a whitelist of functions and never evaluates anything, so the same
# strings can come from a user, a file or a web form. (``beta`` would be refused as a
# name: it is the Beta function.) ``SymbolicFamily`` then checks that every parameter
# appears and that the density integrates to one over the support — a forgotten
# normalizing constant would give a wrong Fisher matrix without any other symptom.
#
# The same derivation from the command line::
#
#     infogeo fisher --logpdf "a*log(b) - loggamma(a) - (a + 1)*log(x) - b/x" \
#                    --params "a>0 b>0" --var "x>0" --support "0,oo"

a, b = ig.symbolic.parse_params("a>0 b>0")
x = sp.Symbol("x", positive=True)
logpdf = ig.symbolic.parse_density("a*log(b) - loggamma(a) - (a + 1)*log(x) - b/x",
                                   [a, b], x)
family = ig.symbolic.SymbolicFamily(logpdf, [a, b], x, (0, sp.oo), name="inverse_gamma")
print(f"in the catalogue: {'inverse_gamma' in ig.symbolic.catalogue.names()}")
print(f"log p(x | a, b) = {family.logpdf}")

# %%
# Step 2 — the Fisher matrix, the connection and the curvature
# ------------------------------------------------------------
# ``fisher_information_result`` tries its strategies in turn and reports which one
# closed the expectation :math:`I_{ij} = -E[\partial_i\partial_j\ell]` and how far the
# result is from a numeric quadrature at a random parameter point. Here the second
# derivatives of :math:`\ell` do not depend on x at all, so no integral is needed:
#
# .. math::
#
#     I(a, b) = \begin{pmatrix}\psi'(a) & -1/b\\ -1/b & a/b^2\end{pmatrix},
#
# with :math:`\psi'` the trigamma function. From it, ``christoffel_symbols`` gives
# :math:`\Gamma^k_{ij}` (array ``G[k, i, j]``) and ``scalar_curvature`` the scalar
# curvature R, a function of the shape alone.

derivation = ig.symbolic.fisher_information_result(family)
I_sym = derivation.value
print(f"I(a, b) = {I_sym.tolist()}")
print(f"strategy: {derivation.strategy}; checked against quadrature at "
      f"{ {k: round(v, 3) for k, v in derivation.check_point.items()} }: max error "
      f"{derivation.check_error:.1e}")
G_sym = ig.symbolic.christoffel_symbols(I_sym, family.params)
for k, i, j in [(0, 0, 0), (0, 0, 1), (1, 1, 1)]:
    print(f"Gamma^{family.params[k]}_({family.params[i]},{family.params[j]}) = "
          f"{G_sym[k, i, j]}")
R_sym = ig.symbolic.scalar_curvature(I_sym, family.params)
print(f"R(a, b) = {R_sym}")

# %%
# Step 3 — compile to a numeric manifold
# --------------------------------------
# ``compile_manifold`` turns the symbolic objects into vectorized numpy functions and
# builds everything a :class:`~infogeo.manifolds.StatisticalManifold` offers: metric,
# Christoffel symbols, log-density, score, geodesics (by integrating the geodesic
# equation), and a sampler by numeric inverse CDF. We check the compiled metric and
# Christoffel symbols against the sympy expressions at random points, and the sampler
# against the density (histograms) and against an exact fact: the median of
# :math:`1/Y` is :math:`1/\mathrm{median}(Y)`, computed with ``scipy.stats.gamma``.

M = ig.symbolic.compile_manifold(family, I_sym)
rng = np.random.default_rng(0)
points = np.column_stack([rng.uniform(0.5, 6.0, 8), rng.uniform(0.2, 5.0, 8)])
metric_f = sp.lambdify(family.params, I_sym, "scipy")
gamma_f = sp.lambdify(family.params, G_sym.tolist(), "scipy")
print(f"{M!r}: max |metric - sympy| = "
      f"{max(np.max(np.abs(M.metric_matrix(p) - metric_f(*p))) for p in points):.1e}, "
      f"max |Christoffel - sympy| = "
      f"{max(np.max(np.abs(M.christoffels(p) - np.array(gamma_f(*p)))) for p in points):.1e}")

from scipy import stats  # noqa: E402  (only for the check of the sampler)

fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
grid = np.linspace(0.005, 4.0, 400)
for c, theta in enumerate([(1.5, 1.0), (3.0, 2.0), (8.0, 6.0)]):
    theta = np.array(theta)
    draws = M.sample(theta, 20_000, rng)
    exact_median = 1.0 / stats.gamma(theta[0], scale=1.0 / theta[1]).median()
    print(f"theta = {theta}: sample median {np.median(draws):.4f}, exact {exact_median:.4f}")
    ax.hist(draws[draws < 4.0], bins=80, range=(0, 4), density=True, alpha=0.35,
            color=f"C{c}")
    ax.plot(grid, np.exp(M.log_prob(grid, theta)), color=f"C{c}", lw=2,
            label=f"a = {theta[0]:g}, b = {theta[1]:g}")
ax.set_xlabel("x")
ax.set_ylabel("density")
ax.set_title("Compiled log-density (lines) and 20 000 draws of the compiled sampler")
ax.legend()

# %%
# Step 4 — check the Fisher matrix by Monte Carlo
# -----------------------------------------------
# The Fisher matrix is the covariance of the score, so the average of
# :math:`\nabla\ell\,\nabla\ell^\top` over draws from the model estimates it, with a
# standard error (``ig.estimators.fisher_monte_carlo``). We estimate it at 15 random
# parameter points from 20 000 draws each and compute the z-scores
# :math:`(\hat I_{ij} - I_{ij})/\mathrm{SE}_{ij}` of the three distinct entries. If the
# symbolic matrix is right, these 45 numbers look like draws from :math:`N(0, 1)`; a
# wrong derivation would show up as z-scores in the tens.

checks = np.column_stack([rng.uniform(1.0, 8.0, 15), rng.uniform(0.3, 5.0, 15)])
z_scores = []
for theta in checks:
    estimate = ig.estimators.fisher_monte_carlo(M, theta, 20_000, rng)
    z = (estimate.mean - M.metric_matrix(theta)) / estimate.stderr  # signed z-scores
    z_scores.append([z[0, 0], z[0, 1], z[1, 1]])
z_scores = np.array(z_scores)
print(f"z-scores over 15 points x 3 entries: mean {z_scores.mean():+.2f}, "
      f"std {z_scores.std(ddof=1):.2f}, largest |z| {np.max(np.abs(z_scores)):.2f}")

fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
for k in range(3):
    ax.plot(z_scores[:, k], np.full(15, k) + rng.uniform(-0.15, 0.15, 15), "o",
            color=f"C{k}")
ax.axvspan(-2, 2, color="0.9", zorder=0, label="±2: where 95 % of N(0, 1) draws fall")
ax.set_yticks([0, 1, 2], [r"$I_{aa}$", r"$I_{ab}$", r"$I_{bb}$"])
ax.set_xlim(-4, 4)
ax.set_xlabel(r"$z = (\hat I_{ij} - I_{ij})\,/\,\mathrm{SE}_{ij}$, 15 random points")
ax.set_title("Monte Carlo against the symbolic Fisher matrix")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=9)

# %%
# Step 5 — geodesics and Fisher–Rao balls
# ---------------------------------------
# The compiled manifold has no closed-form geodesics: ``M.log(q, p)`` finds the initial
# velocity of the geodesic from p to q by shooting (Newton's method on the integrated
# geodesic equation), ``M.geodesic(p, initial_tangent_vec=v)`` integrates it, and its
# Fisher length :math:`\|v\|_p` is the distance. ``ig.plotting.plot_fisher_rao_ball``
# follows geodesics of a given length in every direction. We draw three geodesics and
# balls of radius 0.5 and 1 around :math:`(a, b) = (3, 2)`, on
# logarithmic axes: both parameters act multiplicatively (the balls are long along the
# rays :math:`b/a = \text{const}`, where the mean :math:`b/(a-1)` changes little).
#
# And the promised check. :math:`x \mapsto 1/x` maps the inverse gamma law with
# parameters (a, b) to the Gamma law with shape a and rate b, so the Fisher–Rao distances
# of our compiled family must equal those of the hand-written
# ``ig.manifolds.Gamma()`` — a different code path (closed-form Christoffel symbols of
# the Gamma family, its own geodesic solver) — between the same parameter values.

pairs = [((1.0, 0.5), (6.0, 1.5)), ((2.0, 0.8), (2.0, 2.5)), ((1.2, 1.8), (5.5, 4.0))]
gamma_family = ig.manifolds.Gamma()
t = np.linspace(0.0, 1.0, 80)
fig, ax = plt.subplots(figsize=(7.5, 6.2), layout="constrained")
print("pair                      d (compiled inverse gamma)   d (ig.manifolds.Gamma)")
for k, (p, q) in enumerate(pairs):
    p, q = np.array(p), np.array(q)
    velocity = M.log(q, p)  # shooting: the initial velocity of the geodesic from p to q
    curve = M.geodesic(p, initial_tangent_vec=velocity)(t)
    ax.plot(curve[:, 0], curve[:, 1], color=f"C{k}", lw=2,
            label="geodesics" if k == 0 else None)
    ax.plot(*np.stack([p, q]).T, "o", color=f"C{k}", ms=6)
    print(f"{p} -> {q}   {float(M.norm(velocity, p)):24.8f}   "
          f"{float(gamma_family.dist(p, q)):20.8f}")
centre = np.array([3.0, 2.0])
for radius, style in [(0.5, "-"), (1.0, "--")]:
    ig.plotting.plot_fisher_rao_ball(M, centre, radius, ax=ax, n_points=60, color="k",
                                     ls=style, label=f"Fisher–Rao ball, radius {radius:g}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xticks([1, 2, 4, 8], ["1", "2", "4", "8"])
ax.set_yticks([0.5, 1, 2, 4, 8], ["0.5", "1", "2", "4", "8"])
ax.minorticks_off()
ax.set_xlabel("shape a (log scale)")
ax.set_ylabel("scale b (log scale)")
ax.set_title("Geodesics and Fisher–Rao balls of the inverse gamma family")
fig.legend(loc="outside lower center", ncols=2, fontsize=9)

plt.show()

# %%
# Where to go from here
# ---------------------
# Every object above came from the log-density alone. For your own family, change the
# strings in step 1; if sympy cannot close an expectation, ``fisher_information_result``
# says which strategies failed and why. The numeric families of ``ig.manifolds`` and
# their closed forms are listed on the :ref:`families <families>` page, and the gallery
# shows what to do with a manifold once you have it.
