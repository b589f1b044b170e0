r"""
The Amari–Chentsov tensor: skewness of the score, and the α-geodesics
======================================================================

The Fisher metric is the second moment of the score :math:`s = \nabla_\theta\ell`. Its
third moment is the **Amari–Chentsov tensor**

.. math::

    T_{ijk}(\theta) = E_\theta\big[\partial_i\ell\;\partial_j\ell\;\partial_k\ell\big],

symmetric in its three indices; the cubic form :math:`T(u, u, u) = E[(u\cdot s)^3]` is
the third moment — the skewness — of the score in the direction :math:`u`. On finite
sample spaces, Chentsov's theorem says that :math:`g` is the only Riemannian metric and
:math:`T` the only symmetric 3-tensor (each up to a constant factor) that are invariant
under sufficient statistics. Together they define Amari's one-parameter family of
**α-connections**

.. math::

    \Gamma^{(\alpha)}_{ij,k} = \Gamma^{(0)}_{ij,k} - \frac{\alpha}{2}\,T_{ijk},
    \qquad \Gamma^{(\alpha)k}_{ij} = \Gamma^{(0)k}_{ij} - \frac{\alpha}{2}\,g^{kl}T_{ijl},

with :math:`\Gamma^{(0)}` the Levi-Civita connection of :math:`g`, α = 1 the exponential
and α = −1 the mixture connection. All α-connections share the metric; *T alone* says
how they differ, so the α-geodesics between two points fan out in the directions that
:math:`g^{-1}T` points to, and coincide where T vanishes.

For the normal family in :math:`(\mu, \sigma)`, with
:math:`\partial_\mu\ell = z/\sigma` and :math:`\partial_\sigma\ell = (z^2 - 1)/\sigma`
(:math:`z = (x-\mu)/\sigma`), the odd moments of z vanish and
:math:`E[z^2(z^2-1)] = 2`, :math:`E[(z^2-1)^3] = 8`, so

.. math::

    T_{\mu\mu\sigma} = \frac{2}{\sigma^3}, \qquad T_{\sigma\sigma\sigma} = \frac{8}{\sigma^3},
    \qquad T_{\mu\mu\mu} = T_{\mu\sigma\sigma} = 0 .

Sources: S. Amari & H. Nagaoka, *Methods of Information Geometry* (2000), §2.3–2.6
(α-connections, Chentsov's theorem), §3.5; N. N. Chentsov, *Statistical Decision Rules
and Optimal Inference* (1982); S. Amari, *Information Geometry and Its Applications*
(2016), ch. 6.
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from scipy.integrate import solve_bvp

import infogeo as ig

N = ig.manifolds.Normal()  # chart (mu, sigma)
theta0 = np.array([0.5, 1.5])

# %%
# Three ways to the tensor, and a fourth to check them
# -----------------------------------------------------
# ``ig.symbolic.amari_chentsov_tensor`` derives T from the log-density,
# ``N.skewness_tensor`` evaluates the numeric family's closed form, and the formula above
# is typed in by hand. The independent check is Monte Carlo: the average of
# :math:`s_i s_j s_k` over draws :math:`x \sim N(\mu, \sigma^2)` with its standard
# error, whose z-scores must look like standard normal draws. Below, the cubic form
# :math:`T(u, u, u)` over all directions of Fisher length 1,
# :math:`u = L^{-\top}(\cos\phi, \sin\phi)` with :math:`I = LL^\top`: the score is
# skewed to the right when σ grows (φ = 90°: a wider distribution makes large
# :math:`z^2` more likely than the metric alone says) and not at all along μ
# (φ = 0°, 180°: symmetric in z).

fam = ig.symbolic.catalogue.normal()
T_sym = ig.symbolic.amari_chentsov_tensor(fam)
print(f"sympy: T = {T_sym.tolist()}")
mu_s, sigma_s = fam.params
T_from_sympy = np.array(sp.lambdify([mu_s, sigma_s], T_sym.tolist())(*theta0), dtype=float)
sigma = theta0[1]
T_hand = np.zeros((2, 2, 2))
T_hand[0, 0, 1] = T_hand[0, 1, 0] = T_hand[1, 0, 0] = 2 / sigma**3
T_hand[1, 1, 1] = 8 / sigma**3
T_lib = N.skewness_tensor(theta0)
print(f"max |sympy - by hand| = {np.max(np.abs(T_from_sympy - T_hand)):.1e}, "
      f"max |N.skewness_tensor - by hand| = {np.max(np.abs(T_lib - T_hand)):.1e}")

rng = np.random.default_rng(0)
n = 200_000
scores = N.score(N.sample(theta0, n, rng), theta0)             # [n, 2]
terms = np.einsum("ni,nj,nk->nijk", scores, scores, scores)    # [n, 2, 2, 2]
T_mc, T_se = terms.mean(axis=0), terms.std(axis=0, ddof=1) / np.sqrt(n)
z = (T_mc - T_hand) / T_se
print(f"Monte Carlo, n = {n}: z-scores of the four distinct entries "
      f"(mumumu, mumusigma, musigmasigma, sigmasigmasigma): "
      f"{np.round([z[0, 0, 0], z[0, 0, 1], z[0, 1, 1], z[1, 1, 1]], 2)}")

phi = np.linspace(0.0, 2 * np.pi, 361)
chol = np.linalg.cholesky(N.metric_matrix(theta0))
units = np.linalg.solve(chol.T, np.stack([np.cos(phi), np.sin(phi)]))  # [2, 361]
cubic = np.einsum("ijk,in,jn,kn->n", T_lib, units, units, units)
cubic_mc = np.einsum("ijk,in,jn,kn->n", T_mc, units, units, units)
# standard error of the Monte Carlo cubic form: the per-draw values (u.s)^3
per_draw = (scores @ units[:, ::30]) ** 3
cubic_se = per_draw.std(axis=0, ddof=1) / np.sqrt(n)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
ax = axes[0]
entries = [((0, 0, 0), r"$T_{\mu\mu\mu}$"), ((0, 0, 1), r"$T_{\mu\mu\sigma}$"),
           ((0, 1, 1), r"$T_{\mu\sigma\sigma}$"), ((1, 1, 1), r"$T_{\sigma\sigma\sigma}$")]
positions = np.arange(len(entries))
ax.bar(positions, [T_hand[i] for i, _ in entries], color="0.8",
       label="closed form (= sympy = N.skewness_tensor)")
ax.errorbar(positions, [T_mc[i] for i, _ in entries], [2 * T_se[i] for i, _ in entries],
            fmt="o", color="C3", capsize=4, label=f"Monte Carlo ± 2 SE (n = {n:,})")
ax.set_xticks(positions, [label for _, label in entries])
ax.set_ylabel("value at (μ, σ) = (0.5, 1.5)")
ax.set_title("Entries of the Amari–Chentsov tensor")
ax.legend(fontsize=9, loc="upper left")
ax = axes[1]
ax.plot(np.degrees(phi), cubic, color="k", label="T(u, u, u), closed form")
ax.errorbar(np.degrees(phi[::30]), cubic_mc[::30], 2 * cubic_se, fmt="o", color="C3",
            capsize=3, label="Monte Carlo mean of (u·s)³ ± 2 SE")
ax.axhline(0.0, color="0.5", lw=0.8)
ax.set_xticks(range(0, 361, 45))
ax.set_xlabel("direction φ of the unit vector u (0°: along μ, 90°: along σ)")
ax.set_ylabel("third moment of the score along u")
ax.set_title("The skewness of the score, direction by direction")
ax.legend(fontsize=9)

# %%
# α-geodesics between two normals
# --------------------------------
# A geodesic of the α-connection solves
# :math:`\ddot\theta^k + \Gamma^{(\alpha)k}_{ij}\dot\theta^i\dot\theta^j = 0`. We
# check ``N.alpha_christoffels`` against the closed forms
# :math:`\Gamma^{(\alpha)\mu}_{\mu\sigma} = -(1+\alpha)/\sigma`,
# :math:`\Gamma^{(\alpha)\sigma}_{\mu\mu} = (1-\alpha)/(2\sigma)`,
# :math:`\Gamma^{(\alpha)\sigma}_{\sigma\sigma} = -(1+2\alpha)/\sigma` and solve the
# boundary-value problem between :math:`N(-2, 0.6^2)` and :math:`N(2, 0.6^2)` by
# collocation (``scipy.integrate.solve_bvp``, starting from the Levi-Civita geodesic
# ``N.geodesic``; shooting from one end is fragile here: a poor initial velocity sends
# the trial curve out of the half-plane σ > 0). The
# α = 1 curve must be the straight line of the natural parameters and α = −1 that of the
# expectation parameters (see :ref:`sphx_glr_auto_examples_plot_dual_flatness.py`);
# the Levi-Civita geodesic α = 0 lies between, and so does every α in between.


def alpha_closed_form(theta, alpha):
    gamma = np.zeros((2, 2, 2))
    s = theta[1]
    gamma[0, 0, 1] = gamma[0, 1, 0] = -(1 + alpha) / s
    gamma[1, 0, 0] = (1 - alpha) / (2 * s)
    gamma[1, 1, 1] = -(1 + 2 * alpha) / s
    return gamma


check = max(np.max(np.abs(N.alpha_christoffels(pt, a) - alpha_closed_form(pt, a)))
            for pt in N.random_point(rng, 4) for a in (-1.0, -0.3, 0.0, 0.7, 1.0))
print(f"\nmax |N.alpha_christoffels - closed form| = {check:.1e}")


def alpha_geodesic(a, b, alpha, t_eval):
    """The alpha-geodesic from a to b at the times t_eval, [len(t_eval), 2]: the
    boundary-value problem solved by collocation, from the Levi-Civita geodesic."""

    def equation(_, y):  # y = (theta, velocity) at all mesh nodes, [4, m]
        x, v = y[:2], y[2:]
        gamma = N.alpha_christoffels(x.T, alpha)  # [m, k, i, j]
        return np.concatenate([v, -np.einsum("mkij,im,jm->km", gamma, v, v)])

    def ends(ya, yb):
        return np.concatenate([ya[:2] - a, yb[:2] - b])

    mesh = np.linspace(0.0, 1.0, 41)
    guess = N.geodesic(a, end_point=b)(mesh)
    sol = solve_bvp(equation, ends, mesh,
                    np.concatenate([guess.T, np.gradient(guess, mesh, axis=0).T]), tol=1e-8,
                    max_nodes=20_000)
    if sol.status != 0:
        raise RuntimeError(f"alpha = {alpha}: {sol.message}")
    return sol.sol(np.asarray(t_eval))[:2].T


a, b = np.array([-2.0, 0.6]), np.array([2.0, 0.6])
t = np.linspace(0.0, 1.0, 101)
alphas = [-1.0, -0.5, 0.0, 0.5, 1.0]
curves = {alpha: alpha_geodesic(a, b, alpha, t) for alpha in alphas}
straight_theta = N.in_chart("natural").change_chart(
    (1 - t[:, None]) * N.change_chart(a, "natural") + t[:, None] * N.change_chart(b, "natural"),
    "mu_sigma")
straight_eta = N.in_chart("expectation").change_chart(
    (1 - t[:, None]) * N.change_chart(a, "expectation")
    + t[:, None] * N.change_chart(b, "expectation"), "mu_sigma")
for alpha, reference, name in [(1.0, straight_theta, "straight line in theta"),
                               (-1.0, straight_eta, "straight line in eta"),
                               (0.0, N.geodesic(a, end_point=b)(t), "N.geodesic")]:
    print(f"alpha = {alpha:+.0f} vs {name:22s}: max gap "
          f"{np.max(np.abs(curves[alpha] - reference)):.1e}")

fig, ax = plt.subplots(figsize=(8.2, 3.6), layout="constrained")
cmap = plt.get_cmap("coolwarm")
for alpha, curve in curves.items():
    name = {1.0: " (e)", -1.0: " (m)", 0.0: " (Levi-Civita)"}.get(alpha, "")
    colour = "k" if alpha == 0.0 else cmap((1 - alpha) / 2)
    ax.plot(curve[:, 0], curve[:, 1], color=colour, lw=2.5,
            label=f"α = {alpha:+.1f}{name}")
ax.plot(straight_theta[::10, 0], straight_theta[::10, 1], "k+", ms=8,
        label="straight in θ (every 10th point)")
ax.plot(straight_eta[::10, 0], straight_eta[::10, 1], "kx", ms=6,
        label="straight in η (every 10th point)")
ax.plot(*np.stack([a, b]).T, "ko", ms=6)
ax.set_xlabel("μ")
ax.set_ylabel("σ")
ax.set_ylim(0.0, 2.4)
ax.set_aspect("equal")
ax.set_title("α-geodesics from N(−2, 0.6²) to N(2, 0.6²)")
fig.legend(loc="outside right center", fontsize=9)

# %%
# How far the α-geodesics part is the tensor T
# ---------------------------------------------
# For two nearby points the α-geodesic differs from the Levi-Civita geodesic by a
# small bend :math:`\delta(t)`. Subtracting the two geodesic equations, to leading order
# :math:`\ddot\delta = \tfrac{\alpha}{2}\,g^{-1}T(v, v, \cdot)` — a constant — with
# :math:`\delta(0) = \delta(1) = 0` and :math:`v = \log_a b`, so
# :math:`\delta(t) = \tfrac{\alpha}{4}\,t(t - 1)\,g^{-1}T(v, v, \cdot)` and at the
# midpoint
#
# .. math::
#
#     \delta(\tfrac12) \approx -\frac{\alpha}{16}\,g^{-1}(\theta)\,T(v, v, \cdot).
#
# We check it between :math:`N(0.2, 1.4^2)` and :math:`N(0.8, 1.6^2)` (distance 0.44):
# the midpoint shifts are linear in α with the slope that T predicts. Where
# :math:`T(v, v, \cdot)` vanishes, every α-connection has the same geodesic to this
# order — the metric alone cannot tell the connections apart; the tensor T does.

a2, b2 = np.array([0.2, 1.4]), np.array([0.8, 1.6])
mid_lc = alpha_geodesic(a2, b2, 0.0, [0.5])[0]
v = N.log(b2, a2)
prediction = -np.linalg.solve(N.metric_matrix(mid_lc),
                              np.einsum("ijk,i,j->k", N.skewness_tensor(mid_lc), v, v)) / 16
alpha_grid = np.linspace(-1.0, 1.0, 9)
shifts = np.array([alpha_geodesic(a2, b2, al, [0.5])[0] - mid_lc for al in alpha_grid])
print(f"\nd(a, b) = {float(N.dist(a2, b2)):.3f}; predicted midpoint shift per unit alpha "
      f"-(1/16) g^-1 T(v, v, .) = {np.round(prediction, 6)}")
print(" alpha   shift in mu     shift in sigma   (prediction alpha x above)")
for al, sh in zip(alpha_grid[::2], shifts[::2], strict=True):
    print(f"{al:6.2f}  {sh[0]:+.6f}      {sh[1]:+.6f}        "
          f"{al * prediction[0]:+.6f}  {al * prediction[1]:+.6f}")

fig, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
for k, name in enumerate(["μ", "σ"]):
    ax.plot(alpha_grid, shifts[:, k], "o", color=f"C{k}", ms=7,
            label=f"midpoint shift in {name} (collocation)")
    ax.plot(alpha_grid, alpha_grid * prediction[k], "-", color=f"C{k}",
            label=fr"$-\frac{{\alpha}}{{16}}\,[g^{{-1}}T(v, v, \cdot)]_{name}$")
ax.axhline(0.0, color="0.5", lw=0.8)
ax.set_xlabel("α")
ax.set_ylabel("midpoint of the α-geodesic − midpoint at α = 0")
ax.set_title("The α-geodesics part in the direction g⁻¹T(v, v, ·)")
ax.legend(fontsize=9)

plt.show()
