"""
Christoffel symbols and curvature, symbolic and numeric
=======================================================

A family of distributions with the Fisher metric :math:`g = I(\\theta)` is a curved
space. Its *Christoffel symbols*

.. math::

    \\Gamma^k_{ij} = \\tfrac12\\, g^{kl}\\left(\\partial_i g_{jl} + \\partial_j g_{il}
    - \\partial_l g_{ij}\\right)

say how the coordinate axes turn from point to point (a geodesic obeys
:math:`\\ddot\\theta^k + \\Gamma^k_{ij}\\dot\\theta^i\\dot\\theta^j = 0`), and the
*scalar curvature* :math:`R`, built from their derivatives, says how the space is bent —
independently of the coordinates. In two dimensions :math:`R = 2K` with :math:`K` the
Gaussian curvature: :math:`K < 0` is a saddle (hyperbolic), :math:`K > 0` a sphere.

``ig.symbolic`` derives all of this exactly with sympy from the Fisher matrix;
the numeric manifolds of ``ig.manifolds`` compute it at points (closed forms, or finite
differences of the Christoffel symbols). This script checks one against the other on the
normal, Student-t, Cauchy and 3-category families, and on Amari's α-connections
:math:`\\Gamma^{(\\alpha)}_{ij,k} = \\Gamma^{(0)}_{ij,k} - \\tfrac\\alpha2 T_{ijk}`.

Known values: normal :math:`R = -1`; Student-t with ν degrees of freedom
:math:`R = -(\\nu+3)/\\nu`, so Cauchy (ν = 1) :math:`R = -4`; the 3-category simplex is
a piece of the sphere of radius 2, :math:`R = 1/2`; the α-curvature of the normal family
is :math:`K^{(\\alpha)} = -(1-\\alpha^2)/2`, flat for the e- and m-connections α = ±1.

Sources: S. Amari & H. Nagaoka, *Methods of Information Geometry* (2000), §2.3–2.6 and
§3.5; S. I. R. Costa, S. A. Santos & J. E. Strapasson, "Fisher information distance: a
geometrical reading", *Discrete Applied Mathematics* 197 (2015), arXiv:1210.2354 (the
Student-t metric); N. Ay, J. Jost, H. V. Lê & L. Schwachhöfer, *Information Geometry*
(2017), §2.5 (the simplex as a sphere).
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

import infogeo as ig


def tex(expr):
    """LaTeX of a sympy expression for a matplotlib label (full-size fractions)."""
    return sp.latex(expr).replace(r"\frac", r"\dfrac")


def lambdify_array(expr, params):
    """A numpy function of points ``[..., dim]`` evaluating a sympy Matrix or Array."""
    array = sp.Array(expr)
    entries = [array[index] for index in np.ndindex(*array.shape)]
    f = sp.lambdify(params, entries, "numpy")  # a flat list of entries

    def at(theta):
        theta = np.asarray(theta, dtype=float)
        # constant entries come back as scalars: broadcast each to the batch shape
        entries = [np.broadcast_to(np.asarray(v, dtype=float), theta.shape[:-1])
                   for v in f(*np.moveaxis(theta, -1, 0))]
        return np.stack(entries, axis=-1).reshape(theta.shape[:-1] + array.shape)

    return at


# %%
# Christoffel symbols of the normal family
# ----------------------------------------
# ``ig.symbolic.fisher_information`` derives :math:`I(\mu, \sigma) =
# \operatorname{diag}(1, 2)/\sigma^2` from the log-density (and says which strategy
# closed the integral), ``ig.symbolic.christoffel_symbols`` gives
# :math:`\Gamma^k_{ij}` (array ``G[k, i, j]``). Only three are non-zero:
# :math:`\Gamma^\mu_{\mu\sigma} = -1/\sigma`, :math:`\Gamma^\sigma_{\mu\mu} = 1/(2\sigma)`,
# :math:`\Gamma^\sigma_{\sigma\sigma} = -1/\sigma`. We plot them against σ (they do not
# depend on μ) together with ``ig.manifolds.Normal().christoffels`` at sample points.

fam = ig.symbolic.catalogue.normal()
derivation = ig.symbolic.fisher_information_result(fam)
I_normal = derivation.value
G_normal = ig.symbolic.christoffel_symbols(I_normal, fam.params)
print(f"normal: I = {I_normal.tolist()} (strategy: {derivation.strategy})")
names = [str(p) for p in fam.params]
for k in range(2):
    for i in range(2):
        for j in range(i, 2):
            if G_normal[k, i, j] != 0:
                print(f"  Gamma^{names[k]}_({names[i]},{names[j]}) = {G_normal[k, i, j]}")

N = ig.manifolds.Normal()
sigma = np.linspace(0.3, 3.0, 200)
line = np.column_stack([np.zeros_like(sigma), sigma])
symbolic_gamma = lambdify_array(G_normal, fam.params)
rng = np.random.default_rng(0)
points = N.random_point(rng, 12)
numeric_gamma = N.christoffels(points)
print(f"  max |symbolic - numeric| over 12 random points: "
      f"{np.max(np.abs(symbolic_gamma(points) - numeric_gamma)):.1e}")

fig, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
for c, (k, i, j, label, style) in enumerate([(0, 0, 1, r"\Gamma^\mu_{\mu\sigma}", "-"),
                                             (1, 0, 0, r"\Gamma^\sigma_{\mu\mu}", "-"),
                                             (1, 1, 1, r"\Gamma^\sigma_{\sigma\sigma}", ":")]):
    # Γ^μ_μσ and Γ^σ_σσ are equal: the second is dotted, on top of the first
    ax.plot(sigma, symbolic_gamma(line)[:, k, i, j], style, color=f"C{c}", lw=2.5 - c / 2,
            label=f"${label} = {tex(G_normal[k, i, j])}$")
    ax.plot(points[:, 1], numeric_gamma[:, k, i, j], "os^"[c], color=f"C{c}", ms=7 - 2 * c,
            mfc="none" if c != 1 else None)
ax.plot([], [], "o", color="0.4", label="Normal().christoffels (random points)")
ax.axhline(0.0, color="k", lw=0.6)
ax.set_xlabel("σ")
ax.set_ylabel("Christoffel symbol")
ax.set_ylim(-3.5, 2.0)
ax.set_title("Christoffel symbols of N(μ, σ²): sympy (lines)\nvs numeric manifold (dots)")
ax.legend(loc="lower right")

# %%
# Curvature of the Student-t family against ν
# -------------------------------------------
# The Student-t location–scale family with ν degrees of freedom has
# :math:`I = \sigma^{-2}\operatorname{diag}\big(\tfrac{\nu+1}{\nu+3},
# \tfrac{2\nu}{\nu+3}\big)` (Costa et al. 2015). sympy's integrator does not close the
# Fisher integral for a symbolic ν, so we type this metric in with ν a symbol and let
# ``ig.symbolic.scalar_curvature`` find :math:`R(\nu)`. The dots are
# ``ig.manifolds.StudentT(nu).scalar_curvature`` at random points — finite differences of
# the numeric Christoffel symbols — and ``ig.manifolds.Cauchy()`` at ν = 1, whose Fisher
# matrix *is* derived from its log-density. As ν → ∞ the Student-t tends to the normal and
# :math:`R \to -1`: heavy tails make the family more curved.

mu, s, nu = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True), sp.Symbol(
    "nu", positive=True)
I_t = sp.diag((nu + 1) / (nu + 3), 2 * nu / (nu + 3)) / s**2
R_t = sp.factor(ig.symbolic.scalar_curvature(I_t, [mu, s]))
print(f"\nStudent-t: R(nu) = {R_t}")
cauchy = ig.symbolic.catalogue.cauchy()
I_cauchy = ig.symbolic.fisher_information(cauchy)
R_cauchy = ig.symbolic.scalar_curvature(I_cauchy, cauchy.params)
print(f"Cauchy: I = {I_cauchy.tolist()}, R = {R_cauchy}")

fig, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
nus = np.logspace(-0.3, 2.0, 200)
ax.plot(nus, sp.lambdify(nu, R_t)(nus), color="C0", label=f"sympy: R(ν) = ${tex(R_t)}$")
# depends on nu too; only evaluated numerically below, so sympy need not simplify it
G_t = ig.symbolic.christoffel_symbols(I_t, [mu, s], simplify=False)
print("   nu   symbolic R   numeric R (mean, max dev over 8 points)   max |Gamma sympy - num|")
for value in [0.7, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0]:
    student = ig.manifolds.StudentT(value)
    pts = student.random_point(rng, 8)
    numeric_r = student.scalar_curvature(pts)
    exact = float(R_t.subs(nu, value))
    gamma_err = np.max(np.abs(lambdify_array(G_t.subs(nu, value), [mu, s])(pts)
                              - student.christoffels(pts)))
    ax.plot(np.full(8, value), numeric_r, "o", color="C1", ms=4, alpha=0.7)
    print(f"{value:5.1f}  {exact:11.5f}  {numeric_r.mean():11.5f}  "
          f"{np.max(np.abs(numeric_r - exact)):.1e}{gamma_err:32.1e}")
ax.plot([], [], "o", color="C1", label="StudentT(ν).scalar_curvature")
cauchy_r = ig.manifolds.Cauchy().scalar_curvature(ig.manifolds.Cauchy().random_point(rng, 8))
ax.plot(np.ones(8), cauchy_r, "s", mfc="none", color="C3", ms=10,
        label=f"Cauchy(): numeric; sympy R = {R_cauchy}")
ax.axhline(-1.0, color="k", ls="--", lw=1, label="normal family: R = −1")
ax.set_xscale("log")
ax.set_xlabel("degrees of freedom ν")
ax.set_ylabel("scalar curvature R")
ax.set_title("Student-t: heavier tails, more negative curvature")
ax.legend(loc="lower right")

# %%
# The 3-category simplex is positively curved
# -------------------------------------------
# For the categorical family :math:`(p_1, p_2, p_3 = 1 - p_1 - p_2)` the Fisher metric is
# :math:`\sum_i dp_i^2 / p_i`; the map :math:`\xi_i = 2\sqrt{p_i}` sends it isometrically to
# a piece of the sphere of radius 2, so :math:`R = 2/2^2 = 1/2` everywhere. We evaluate
# ``ig.manifolds.Categorical(3).scalar_curvature`` (finite differences) on points all over
# the simplex and colour them by their distance to the sympy value: the agreement is to
# ~10 digits, and the finite differences lose accuracy near the edges, where the metric
# :math:`1/p_i` changes fast.

categorical = ig.symbolic.catalogue.categorical()
I_cat = ig.symbolic.fisher_information(categorical)
R_cat = ig.symbolic.scalar_curvature(I_cat, categorical.params)
C = ig.manifolds.Categorical(3)
probs = rng.dirichlet([1.0, 1.0, 1.0], 400)
probs = probs[np.min(probs, axis=1) > 0.02]  # finite differences need room to the edge
numeric_cat = C.scalar_curvature(probs[:, :2])
print(f"\ncategorical: I = {I_cat.tolist()}, R (sympy) = {R_cat}; numeric over "
      f"{len(probs)} points: min {numeric_cat.min():.6f}, max {numeric_cat.max():.6f}")
sym_gamma_cat = lambdify_array(ig.symbolic.christoffel_symbols(I_cat, categorical.params,
                                                              simplify=False),
                               categorical.params)
print(f"  max |Gamma sympy - Gamma numeric| = "
      f"{np.max(np.abs(sym_gamma_cat(probs[:, :2]) - C.christoffels(probs[:, :2]))):.1e}")

fig, ax = plt.subplots(figsize=(6.5, 5.2), layout="constrained")
error = np.maximum(np.abs(numeric_cat - float(R_cat)), 1e-16)
art = ig.plotting.plot_simplex(probs, ax=ax, c=np.log10(error), cmap="viridis", s=14)
fig.colorbar(art[-1], ax=ax, label="log₁₀ |R numeric − R sympy|", shrink=0.8)
ax.set_title(f"Categorical(3): sympy R = {R_cat} everywhere;\n"
             "numeric R agrees (error largest near the edges)")

# %%
# α-connections: the curvature depends on the connection
# ------------------------------------------------------
# The α-connections share the Fisher metric but not its Christoffel symbols:
# :math:`\Gamma^{(\alpha)}` subtracts :math:`\tfrac\alpha2` of the Amari–Chentsov tensor
# :math:`T_{ijk} = E[\partial_i\ell\,\partial_j\ell\,\partial_k\ell]`
# (``ig.symbolic.amari_chentsov_tensor``). For the normal family sympy finds
# :math:`R^{(\alpha)} = -(1-\alpha^2)`, i.e. a Gaussian curvature
# :math:`K^{(\alpha)} = -(1-\alpha^2)/2`: the Levi-Civita connection (α = 0) is the
# most curved, and the exponential (α = 1) and mixture (α = −1) connections are *flat* —
# the dual flatness behind the Pythagorean theorem of information geometry. The dots
# differentiate ``Normal().alpha_christoffels`` numerically
# (``ig.manifolds.differential.riemann_from_christoffels``).

T_normal = ig.symbolic.amari_chentsov_tensor(fam)
alpha = sp.Symbol("alpha", real=True)
R_alpha = sp.factor(ig.symbolic.alpha_scalar_curvature(I_normal, T_normal, fam.params, alpha))
K_alpha = sp.expand(R_alpha / 2)
print(f"\nnormal alpha-connection: R(alpha) = {R_alpha}, K(alpha) = R/2 = {K_alpha}")
diff = ig.manifolds.differential
base = N.random_point(rng, 5)
print(" alpha   sympy K   numeric K (5 points, max dev)")
fig, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
alphas = np.linspace(-1.5, 1.5, 200)
ax.plot(alphas, sp.lambdify(alpha, K_alpha)(alphas), color="C0",
        label=f"sympy: $K^{{(\\alpha)}} = {tex(K_alpha)}$")
for a in [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]:
    riemann = diff.riemann_from_christoffels(lambda th, a=a: N.alpha_christoffels(th, a), base)
    numeric_k = 0.5 * diff.scalar_from_ricci(diff.ricci_from_riemann(riemann),
                                             N.metric_matrix(base))
    exact = float(K_alpha.subs(alpha, a))
    ax.plot(np.full(5, a), numeric_k, "o", color="C1", ms=5)
    print(f"{a:6.2f}  {exact:8.4f}  {numeric_k.mean():10.4f}  "
          f"{np.max(np.abs(numeric_k - exact)):.1e}")
ax.plot([], [], "o", color="C1", label="finite differences of alpha_christoffels")
for a, name in [(-1, "m (α = −1)"), (0, "Levi-Civita"), (1, "e (α = 1)")]:
    ax.annotate(name, (a, float(K_alpha.subs(alpha, a))), textcoords="offset points",
                xytext=(0, 10), ha="center", fontsize=8)
ax.axhline(0.0, color="k", lw=0.6)
ax.set_xlabel("α")
ax.set_ylabel("Gaussian curvature K = R/2 of the α-connection")
ax.set_title("Normal family: α-curvature −(1 − α²)/2,\nflat for the e- and m-connections")
ax.legend(fontsize=9, loc="upper center")

plt.show()
