"""
Fisher–Rao distance versus Kullback–Leibler divergence
======================================================

Two ways to say how different two distributions are: the Fisher–Rao distance
:math:`d(p, q)`, the length of the shortest path between them in the Fisher metric, and
the Kullback–Leibler divergence

.. math::

    \\mathrm{KL}(p\\,\\|\\,q) = E_p\\!\\left[\\log\\frac{p(x)}{q(x)}\\right].

The Fisher metric is the Hessian of the KL divergence at :math:`q = p`, so for nearby
distributions :math:`\\theta` and :math:`\\theta + d\\theta`

.. math::

    \\mathrm{KL}(p_\\theta\\,\\|\\,p_{\\theta+d\\theta}) = \\tfrac12\\, d\\theta^\\top
    I(\\theta)\\, d\\theta + O(\\|d\\theta\\|^3) = \\tfrac12\\, d^2 + O(d^3),

i.e. :math:`\\sqrt{2\\,\\mathrm{KL}} \\approx d`. Far apart the two part ways: the KL
divergence is not symmetric, does not obey the triangle inequality, and grows like
:math:`e^{d}` where the distance grows like :math:`d`. This script measures both on the
normal family :math:`N(\\mu, \\sigma^2)`, where both have closed forms:

.. math::

    \\mathrm{KL} = \\log\\frac{\\sigma_2}{\\sigma_1}
    + \\frac{\\sigma_1^2 + (\\mu_1 - \\mu_2)^2}{2\\sigma_2^2} - \\frac12, \\qquad
    d = \\sqrt2\\,\\operatorname{arccosh}\\!\\left(1 +
    \\frac{(\\mu_1-\\mu_2)^2/2 + (\\sigma_1-\\sigma_2)^2}{2\\sigma_1\\sigma_2}\\right).

Sources: S. Amari & H. Nagaoka, *Methods of Information Geometry* (2000), §2.2 and §3.5;
S. Kullback, *Information Theory and Statistics* (1959), ch. 2;
S. I. R. Costa, S. A. Santos & J. E. Strapasson, "Fisher information distance: a
geometrical reading", *Discrete Applied Mathematics* 197 (2015), arXiv:1210.2354.
"""

import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig

N = ig.manifolds.Normal()  # chart (mu, sigma)
theta0 = np.array([0.0, 1.0])


def closed_form_kl(a, b):
    """KL(N(mu1, s1^2) || N(mu2, s2^2)), typed in from the formula above."""
    (m1, s1), (m2, s2) = np.moveaxis(np.asarray(a), -1, 0), np.moveaxis(np.asarray(b), -1, 0)
    return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


# %%
# Walking away along geodesics
# ----------------------------
# Starting from :math:`N(0, 1)` we walk along two geodesics at unit Fisher speed
# (``N.exp(t v, θ0)`` with :math:`\|v\|_{\theta_0} = 1`), so that after time :math:`t` the
# Fisher–Rao distance is exactly :math:`t`: one leaving in the μ direction (it bulges
# up to larger σ, see the geodesics example) and one widening σ. Along each we plot
# :math:`\sqrt{2\,\mathrm{KL}}` in both directions. Up to :math:`d \approx 0.5` every
# curve hugs the diagonal :math:`\sqrt{2\,\mathrm{KL}} = d`; beyond, they fan out, and
# the two directions of KL differ: :math:`\mathrm{KL}(p\|q)` explodes when :math:`q` is
# much narrower than :math:`p` (a narrow :math:`q` pays dearly for the mass of a wide
# :math:`p` it misses). Narrowing σ gives the same two curves with the directions
# exchanged: by scale invariance
# :math:`\mathrm{KL}(N(0,1)\|N(0,s^2)) = \mathrm{KL}(N(0,s^{-2})\|N(0,1))`.

directions = {"μ direction": [1.0, 0.0], "widen σ": [0.0, 1.0]}
t = np.linspace(0.0, 3.0, 121)
fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
ax.plot(t, t, color="k", lw=1, label="$d$ (Fisher–Rao)")
print("direction     d     KL(p0||p)  KL(p||p0)  d^2/2   sqrt(2KL(p0||p))  "
      "max |KL lib - closed form|")
for k, (name, u) in enumerate(directions.items()):
    v = np.asarray(u) / N.norm(np.asarray(u), theta0)  # unit Fisher length
    path = N.exp(t[:, None] * v, theta0)  # [T, 2], d(theta0, path[i]) = t[i]
    kl_fwd = N.kl_divergence(theta0, path)
    kl_bwd = N.kl_divergence(path, theta0)
    err = max(np.max(np.abs(kl_fwd - closed_form_kl(theta0, path))),
              np.max(np.abs(N.dist(theta0, path) - t)))
    ax.plot(t, np.sqrt(2 * kl_fwd), color=f"C{k}", label=f"{name}: √(2 KL(p₀‖p))")
    ax.plot(t, np.sqrt(2 * kl_bwd), "--", color=f"C{k}", label=f"{name}: √(2 KL(p‖p₀))")
    for i in (10, 40, 120):  # d = 0.25, 1, 3
        print(f"{name:11s}  {t[i]:4.2f}  {kl_fwd[i]:9.4f}  {kl_bwd[i]:9.4f}  {t[i]**2 / 2:6.3f}"
              f"  {np.sqrt(2 * kl_fwd[i]):16.4f}  {err:10.1e}")
ax.set_xlabel("Fisher–Rao distance d from N(0, 1)")
ax.set_ylabel("√(2 KL)")
ax.set_title("Along unit-speed geodesics from N(0, 1):\n√(2 KL) ≈ d near, not far")
ax.set_ylim(0.0, 6.0)
ax.legend(fontsize=9, loc="upper left")

# %%
# How fast the approximation fails
# --------------------------------
# For many random pairs :math:`(p, q)` at all distances we plot the ratio
# :math:`2\,\mathrm{KL}(p\|q)/d^2`. The quadratic approximation says it tends to 1 as
# :math:`d \to 0`; the next term of the Taylor expansion is cubic, so the deviation from 1
# shrinks linearly in :math:`d` (the band :math:`1 \pm d` is drawn for scale). Far apart
# the ratio spreads over orders of magnitude: the KL divergence is not a function of the
# distance alone.

rng = np.random.default_rng(0)
p = np.column_stack([rng.normal(0.0, 1.0, 3000), np.exp(rng.normal(0.0, 0.7, 3000))])
# partners at distances spread over three decades, in random directions
angle = rng.uniform(0.0, 2 * np.pi, 3000)
radius = 10 ** rng.uniform(-2.5, 0.6, 3000)
u = np.column_stack([np.cos(angle), np.sin(angle)])
u = u / N.norm(u, p)[:, None]
q = N.exp(radius[:, None] * u, p)
d = N.dist(p, q)
kl_pq, kl_qp = N.kl_divergence(p, q), N.kl_divergence(q, p)
fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
ax.scatter(d, 2 * kl_pq / d**2, s=3, alpha=0.4, color="C0", label="2 KL(p‖q) / d²")
ax.scatter(d, 2 * kl_qp / d**2, s=3, alpha=0.4, color="C3", label="2 KL(q‖p) / d²")
grid = np.logspace(-2.5, 0.6, 50)
ax.fill_between(grid, 1 - grid, 1 + grid, color="0.85", label="1 ± d", zorder=0)
ax.axhline(1.0, color="k", lw=1)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_ylim(0.05, 50)
ax.set_xlabel("Fisher–Rao distance d(p, q)")
ax.set_ylabel("2 KL / d²")
ax.set_title("KL ≈ d²/2 holds as d → 0 (error O(d))")
ax.legend(loc="upper left", markerscale=4)
print("\nmax |2 KL/d^2 - 1| over random pairs, by distance bin:")
for lo, hi in [(0.003, 0.01), (0.03, 0.1), (0.3, 1.0), (1.0, 4.0)]:
    sel = (d >= lo) & (d < hi)
    dev = np.max(np.abs(2 * np.concatenate([kl_pq[sel], kl_qp[sel]])
                        / np.concatenate([d[sel], d[sel]]) ** 2 - 1))
    print(f"  {lo:5.3f} <= d < {hi:4.2f}: {dev:8.4f}   (n = {sel.sum()})")

# %%
# Balls of the two kinds
# ----------------------
# Around :math:`p_0 = N(0, 1)` we draw the Fisher–Rao ball of radius r
# (``ig.plotting.plot_fisher_rao_ball``) and the two "KL balls" with the matching
# radius, :math:`\{q : \mathrm{KL}(p_0\|q) = r^2/2\}` and
# :math:`\{q : \mathrm{KL}(q\|p_0) = r^2/2\}`. For a small radius the three curves are one
# ellipse, the metric ellipse of :math:`I(\theta_0)`. For a large radius they separate:
# :math:`\mathrm{KL}(p_0\|q)` punishes a narrow :math:`q`, so its ball stops early toward
# σ = 0 and reaches further up; :math:`\mathrm{KL}(q\|p_0)` punishes a wide :math:`q`, so
# its ball is squashed at the top and reaches further down.

fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
for r, style in [(0.3, ":"), (0.9, "--"), (1.6, "-")]:
    ig.plotting.plot_fisher_rao_ball(N, theta0, r, ax=ax, color="k", ls=style, lw=1.5)
    ig.plotting.plot_loss_contours(lambda th: N.kl_divergence(theta0, th), (-4.5, 4.5),
                                   (0.05, 5.0), ax=ax, n=100, levels=[r**2 / 2],
                                   vectorized=True, colors="C0", linestyles=style)
    ig.plotting.plot_loss_contours(lambda th: N.kl_divergence(th, theta0), (-4.5, 4.5),
                                   (0.05, 5.0), ax=ax, n=100, levels=[r**2 / 2],
                                   vectorized=True, colors="C3", linestyles=style)
ax.plot(*theta0, "k+", ms=10)
ax.plot([], [], color="k", label="Fisher–Rao ball, radius r")
ax.plot([], [], color="C0", label="KL(p₀‖q) = r²/2")
ax.plot([], [], color="C3", label="KL(q‖p₀) = r²/2")
for r, style in [(0.3, ":"), (0.9, "--"), (1.6, "-")]:
    ax.plot([], [], color="0.4", ls=style, label=f"r = {r}")
ax.set_xlabel("μ (mean)")
ax.set_ylabel("σ (standard deviation)")
ax.set_title("Balls around N(0, 1): the same for small r,\ndifferent for large r")
ax.set_aspect("equal")
ax.set_xlim(-4.0, 4.0)
ax.set_ylim(0.0, 4.0)
fig.legend(loc="outside lower center", ncols=3)

# %%
# The asymmetry of KL
# -------------------
# The Fisher–Rao distance is symmetric; the KL divergence is not. Plotting
# :math:`\mathrm{KL}(q\|p)` against :math:`\mathrm{KL}(p\|q)` for the random pairs shows
# the two agree (points on the diagonal) when the pair is close, coloured by
# :math:`d`, and disagree by large factors when it is far.

fig, ax = plt.subplots(figsize=(7, 5.5), layout="constrained")
sc = ax.scatter(kl_pq, kl_qp, c=np.log10(d), s=3, cmap="viridis")
lim = [1e-6, 1e3]
ax.plot(lim, lim, color="k", lw=1, label="KL(q‖p) = KL(p‖q)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlim(lim)
ax.set_ylim(lim)
ax.set_xlabel("KL(p‖q)")
ax.set_ylabel("KL(q‖p)")
ax.set_title("KL is asymmetric, far more so far apart")
fig.colorbar(sc, ax=ax, label="log₁₀ d(p, q)")
ax.legend(loc="upper left")
ratio = kl_qp / kl_pq
print("\nKL(q||p) / KL(p||q):  d < 0.01: "
      f"[{ratio[d < 0.01].min():.3f}, {ratio[d < 0.01].max():.3f}],  d > 2: "
      f"[{ratio[d > 2].min():.3f}, {ratio[d > 2].max():.3f}]")
print(f"max |KL library - closed form| over random pairs: "
      f"{np.max(np.abs(kl_pq - closed_form_kl(p, q))):.1e}")

plt.show()
