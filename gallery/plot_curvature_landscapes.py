r"""
Curvature landscapes of the Beta and Gamma families
====================================================

The normal family has the same curvature everywhere (:math:`K = -1/2`, a hyperbolic
plane). Most families do not: their Gaussian curvature :math:`K` — half the scalar
curvature :math:`R` in two dimensions — changes from point to point, and a map of it
shows where the family behaves like which simpler one.

The Beta family :math:`\mathrm{Beta}(a, b)` and the Gamma family
:math:`\mathrm{Gamma}(\alpha, \beta)` (shape, rate) are exponential families whose
parameters are affine functions of the natural parameters, so their Fisher metric is
the Hessian of the log-normalizer :math:`F`:

.. math::

    F_{\mathrm{Beta}}(a, b) = \log\Gamma(a) + \log\Gamma(b) - \log\Gamma(a+b), \qquad
    F_{\mathrm{Gamma}}(\alpha, \beta) = \log\Gamma(\alpha) - \alpha\log\beta,
    \qquad g_{ij} = \partial_i\partial_j F .

For a Hessian metric the Christoffel symbols are :math:`\Gamma_{ij,k} = \tfrac12
F_{ijk}` and the curvature needs only the second and third derivatives of F; in two
dimensions

.. math::

    K = -\frac{1}{4\det g}\; g^{rs}\big(F_{11r}F_{22s} - F_{12r}F_{12s}\big),

which for the Gamma family reduces to the classical

.. math::

    K_{\mathrm{Gamma}}(\alpha) = \frac{\psi'(\alpha) + \alpha\,\psi''(\alpha)}
    {4\,\big(\alpha\,\psi'(\alpha) - 1\big)^2},

independent of the rate β (:math:`\psi'`, :math:`\psi''` are the tri- and tetragamma
functions). We compute both landscapes with these formulas and check them against the
numeric manifolds' ``scalar_curvature`` (finite differences of their closed-form
Christoffel symbols); for the Gamma family also symbolically, from the Fisher matrix
that ``ig.symbolic`` derives from the log-density.

Sources: H. Shima, *The Geometry of Hessian Structures* (2007), ch. 2 (curvature of a
Hessian metric); K. Arwini & C. T. J. Dodson, *Information Geometry: Near Randomness and
Near Independence*, Springer LNM 1953 (2008), ch. 3 (the Gamma manifold); A. Le Brigant
& S. Puechmorel, "The Fisher–Rao geometry of beta distributions applied to the study of
canonical moments" (2019), arXiv:1904.08247 (the Beta manifold has negative sectional
curvature).
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from scipy.special import polygamma

import infogeo as ig


def hessian_curvature(metric, third):
    """K = -(1 / (4 det g)) g^rs (F_11r F_22s - F_12r F_12s), batched over [...]."""
    inverse = np.linalg.inv(metric)
    numerator = (np.einsum("...rs,...r,...s->...", inverse, third[..., 0, 0, :],
                           third[..., 1, 1, :])
                 - np.einsum("...rs,...r,...s->...", inverse, third[..., 0, 1, :],
                             third[..., 0, 1, :]))
    return -numerator / (4 * np.linalg.det(metric))


def beta_jets(a, b):
    """The metric and the third derivatives of F = log B(a, b)."""
    t1a, t1b, t1s = polygamma(1, a), polygamma(1, b), polygamma(1, a + b)
    t2a, t2b, t2s = polygamma(2, a), polygamma(2, b), polygamma(2, a + b)
    metric = np.stack([np.stack([t1a - t1s, -t1s], -1), np.stack([-t1s, t1b - t1s], -1)], -2)
    third = np.empty(a.shape + (2, 2, 2))
    third[...] = -t2s[..., None, None, None]  # mixed derivatives: only log Gamma(a + b)
    third[..., 0, 0, 0] = t2a - t2s
    third[..., 1, 1, 1] = t2b - t2s
    return metric, third


def gamma_curvature(alpha):
    t1, t2 = polygamma(1, alpha), polygamma(2, alpha)
    return (t1 + alpha * t2) / (4 * (alpha * t1 - 1) ** 2)


# %%
# The Gamma family: curvature depends on the shape only
# ------------------------------------------------------
# ``ig.symbolic`` derives the Fisher matrix
# :math:`\begin{pmatrix}\psi'(\alpha) & -1/\beta\\ -1/\beta & \alpha/\beta^2\end{pmatrix}`
# from the log-density. It is a Hessian metric, so its own derivatives are the third
# derivatives of F, :math:`F_{ijk} = \partial_k g_{ij}`; putting them into the formula
# above with sympy and simplifying gives the closed form exactly (the difference
# simplifies to 0). The numeric check is independent of both: ``Gamma().scalar_curvature``
# differentiates the family's Christoffel symbols by finite differences, at random rates.
#
# Why does K not depend on β? Rescaling the data, :math:`x \mapsto cx`, maps
# :math:`\mathrm{Gamma}(\alpha, \beta)` to :math:`\mathrm{Gamma}(\alpha, \beta/c)` and
# changes no amount of information, so it is an isometry that slides the family along β:
# the curvature cannot change in that direction. Along α it runs from :math:`K \to -1/4`
# for small shapes (exponential-like, heavily skewed laws) to :math:`K \to -1/2` for large
# ones, the curvature of the normal family, which a Gamma law with a large shape resembles.

fam = ig.symbolic.catalogue.gamma()
I_gamma = ig.symbolic.fisher_information(fam)
x_sym = fam.params
third_sym = [[[sp.diff(I_gamma[i, j], x_sym[k]) for k in range(2)] for j in range(2)]
             for i in range(2)]
inverse_sym = I_gamma.inv()
K_sym = -sum(inverse_sym[r, q] * (third_sym[0][0][r] * third_sym[1][1][q]
                                  - third_sym[0][1][r] * third_sym[0][1][q])
             for r in range(2) for q in range(2)) / (4 * I_gamma.det())
shape_sym = x_sym[0]
K_closed_sym = ((sp.polygamma(1, shape_sym) + shape_sym * sp.polygamma(2, shape_sym))
                / (4 * (shape_sym * sp.polygamma(1, shape_sym) - 1) ** 2))
print(f"symbolic: I = {I_gamma.tolist()}")
print(f"          K = {sp.simplify(K_sym)}")
print(f"          K - closed form simplifies to {sp.simplify(K_sym - K_closed_sym)}")
K_sym_f = sp.lambdify(x_sym, K_sym, "scipy")

G = ig.manifolds.Gamma()
rng = np.random.default_rng(0)
shapes = np.geomspace(0.02, 200.0, 400)
sample_shapes = np.geomspace(0.03, 150.0, 16)
rates = rng.uniform(0.1, 10.0, size=sample_shapes.size)  # a random rate for every point
numeric = G.scalar_curvature(np.column_stack([sample_shapes, rates]))
print("\n   shape     rate   K (closed form)   K (sympy)    numeric R / 2")
for shape, rate, n in list(zip(sample_shapes, rates, numeric, strict=True))[::3]:
    print(f"{shape:8.3f} {rate:8.3f}   {gamma_curvature(shape):15.8f} "
          f"{K_sym_f(shape, rate):11.8f} {n / 2:14.8f}")
print(f"max |numeric - closed form| over the 16 points: "
      f"{np.max(np.abs(numeric - 2 * gamma_curvature(sample_shapes))):.1e}")

fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
ax = axes[0]
ax.semilogx(shapes, gamma_curvature(shapes), color="k", lw=2,
            label="K(α) = (ψ′ + αψ″) / (4(αψ′ − 1)²)")
ax.semilogx(shapes, K_sym_f(shapes, 1.0), "--", color="C1", lw=1.5,
            label="sympy, from the derived Fisher matrix")
ax.semilogx(sample_shapes, numeric / 2, "o", color="C0", ms=6,
            label="Gamma().scalar_curvature / 2, random rates")
for level, text, x_text, y_text in [(-0.25, "−1/4 (α → 0)", 20.0, -0.258),
                                    (-0.5, "−1/2: the normal family", 0.2, -0.493)]:
    ax.axhline(level, color="0.6", ls=":", lw=1)
    ax.text(x_text, y_text, text, fontsize=9, color="0.3", ha="center", va="center")
ax.set_ylim(-0.52, -0.24)
ax.set_xlabel("shape α")
ax.set_ylabel("Gaussian curvature K")
ax.set_title("Gamma family: K depends on the shape alone")
ax.legend(fontsize=9, loc="upper right", bbox_to_anchor=(1.0, 0.92))

ax = axes[1]
alpha_grid, beta_grid = np.meshgrid(np.geomspace(0.05, 50, 80), np.geomspace(0.1, 10, 60))
landscape = G.scalar_curvature(np.stack([alpha_grid, beta_grid], -1)) / 2
art = ax.contourf(alpha_grid, beta_grid, landscape, levels=np.linspace(-0.5, -0.25, 11),
                  cmap="viridis")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("shape α")
ax.set_ylabel("rate β")
ax.set_title("The landscape K(α, β): stripes along β")
fig.colorbar(art, ax=ax, label="K (numeric)")

# %%
# The Beta family: a landscape with three shores
# -----------------------------------------------
# On a logarithmic grid of :math:`(a, b) \in [0.02, 200]^2` we evaluate
# ``Beta().scalar_curvature`` and the Hessian formula above. The map is symmetric under
# :math:`a \leftrightarrow b` (the isometry :math:`x \mapsto 1 - x`) and negative
# everywhere, as Le Brigant & Puechmorel prove. Its three regimes are three other
# families:
#
# * :math:`a, b \to \infty` with a fixed ratio: the Beta law concentrates and becomes
#   normal, and :math:`K \to -1/2`;
# * :math:`b \to \infty` with a fixed: :math:`b\,X` with :math:`X \sim
#   \mathrm{Beta}(a, b)` tends to a :math:`\mathrm{Gamma}(a, 1)` variable, and the
#   curvature tends to the Gamma family's :math:`K_{\mathrm{Gamma}}(a)` — the dashed
#   curve below, the same function as in the first figure (and, by the symmetry, the
#   limit of :math:`K(a, b)` for :math:`a \to \infty` is :math:`K_{\mathrm{Gamma}}(b)`);
# * :math:`a, b \to 0`: the mass escapes to the two end points, the law approaches a
#   Bernoulli distribution, a one-parameter family, and the surface flattens,
#   :math:`K \to 0`.

B = ig.manifolds.Beta()
values = np.geomspace(0.02, 200.0, 90)
a_grid, b_grid = np.meshgrid(values, values)
K_numeric = B.scalar_curvature(np.stack([a_grid, b_grid], -1)) / 2
K_formula = hessian_curvature(*beta_jets(a_grid, b_grid))
print(f"\nBeta: max |numeric - Hessian formula| over the 90 x 90 grid: "
      f"{np.max(np.abs(K_numeric - K_formula)):.1e}; K ranges over "
      f"[{K_numeric.min():.4f}, {K_numeric.max():.4f}]")
print(f"      max |K(a, b) - K(b, a)| = {np.max(np.abs(K_numeric - K_numeric.T)):.1e}")
for a_, b_ in [(200.0, 200.0), (1.0, 1.0), (0.02, 0.02), (2.0, 1e4), (0.3, 1e4)]:
    k = float(B.scalar_curvature([a_, b_])) / 2
    note = f"   K_Gamma({a_}) = {gamma_curvature(a_):.6f}" if b_ > 1e3 else ""
    print(f"      K({a_:g}, {b_:g}) = {k:.6f}{note}")

fig, axes = plt.subplots(1, 2, figsize=(12, 5.6), layout="constrained")
ax = axes[0]
art = ax.contourf(a_grid, b_grid, K_numeric, levels=np.linspace(-0.5, 0.0, 21), cmap="magma")
lines = ax.contour(a_grid, b_grid, K_formula, levels=[-0.45, -0.35, -0.25, -0.15, -0.05],
                   colors="w", linewidths=0.8, linestyles="solid")
ax.clabel(lines, fontsize=8)
ax.plot(values, values, ":", color="w", lw=1)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("a")
ax.set_ylabel("b")
ax.set_title("Beta family: K(a, b)\n(colour: numeric; white lines: the Hessian formula)")
fig.colorbar(art, ax=ax, label="Gaussian curvature K")

ax = axes[1]
diagonal = B.scalar_curvature(np.column_stack([values, values])) / 2
ax.semilogx(values, diagonal, color="C0", lw=2, label="K(a, a): symmetric Beta laws")
for b_fixed, colour in [(1.0, "C2"), (1e4, "C3")]:
    ax.semilogx(values, B.scalar_curvature(np.column_stack([values, np.full_like(
        values, b_fixed)])) / 2, color=colour, lw=2, label=f"K(a, b = {b_fixed:g})")
ax.semilogx(values, gamma_curvature(values), "--", color="k", lw=1.2,
            label="K_Gamma(a), the Gamma family")
ax.axhline(gamma_curvature(1.0), color="C2", ls=":", lw=1,
           label="K_Gamma(1) = lim K(a, 1), a → ∞ (by symmetry)")
ax.axhline(-0.5, color="0.6", ls=":", lw=1)
ax.axhline(0.0, color="0.6", ls=":", lw=1)
ax.set_xlabel("a")
ax.set_ylabel("Gaussian curvature K")
ax.set_title("Sections of the landscape")
ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2)

plt.show()
