r"""
Fisher–Rao geometry of densities: great circles, gradient flows and particles
==============================================================================

Forget parameters: the densities on a line form a manifold of their own. The map
:math:`p \mapsto 2\sqrt p` sends them onto the positive part of the sphere of radius 2 in
:math:`L^2`, and the Fisher–Rao metric :math:`\int u^2/p` becomes the round metric. So

* the distance is a great-circle arc, :math:`d(p, q) = 2\arccos\int\sqrt{pq}` (the
  Bhattacharyya angle), and geodesics are great circles of :math:`\sqrt p`;
* a parametric family is a surface on that sphere, and its Fisher matrix is the metric the
  sphere induces on it: :math:`I_{ij} = 4\int\partial_i\sqrt p\,\partial_j\sqrt p`;
* the steepest descent of :math:`KL(p\|\pi)` for this metric, the **Fisher–Rao gradient
  flow** :math:`\partial_t p = -p(\log(p/\pi) - KL)`, has the closed form
  :math:`p_t \propto p_0^{e^{-t}}\pi^{1-e^{-t}}`: it *reweights* mass instead of moving it,
  unlike the Wasserstein flow (Langevin dynamics), which must carry mass across barriers.

Sources: Srivastava, Jermyn & Joshi, CVPR 2007 (square-root densities); Y. Lu, J. Lu &
J. Nolen, "Accelerating Langevin sampling with birth-death", arXiv:1905.09863 (2019);
Chizat, Peyré, Schmitzer & Vialard, Found. Comput. Math. 18 (2018) (Wasserstein–Fisher–Rao).
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import infogeo as ig

npg = ig.nonparametric
x = np.linspace(-9.0, 9.0, 721)
w = npg.grid_weights(x)

# %%
# Three ways between two densities
# --------------------------------
# From a narrow normal to a bimodal mixture: the Fisher–Rao geodesic (a great circle of
# :math:`\sqrt p`), the mixture :math:`(1-t)p + tq` (the m-geodesic) and the geometric
# mixture :math:`p^{1-t}q^t/Z` (the e-geodesic). All three are normalized at every t; only
# the first has constant Fisher–Rao speed.

p = stats.norm.pdf(x, -2.0, 0.7)
q = 0.5 * stats.norm.pdf(x, 1.0, 0.6) + 0.5 * stats.norm.pdf(x, 4.0, 1.0)
ts = np.linspace(0, 1, 5)
paths = {
    "Fisher–Rao (great circle)": npg.geodesic(p, q, ts, w),
    "mixture (m-geodesic)": np.array([(1 - t) * p + t * q for t in ts]),
    "geometric (e-geodesic)": npg.normalize(np.array([p ** (1 - t) * q**t for t in ts]), w),
}
d = npg.fisher_rao_distance(p, q, w)
print(f"d(p, q) = {d:.4f}")
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
for ax, (name, path) in zip(axes, paths.items(), strict=True):
    for t, dens in zip(ts, path, strict=True):
        ax.plot(x, dens, color=plt.cm.viridis(t), label=f"t = {t:.2f}")
    # length of each quarter of the path, per unit t (a chord of a finer path would
    # converge to the speed; the quarters already show who is uniform)
    fine = np.linspace(0, 1, 81)
    fine_path = (npg.geodesic(p, q, fine, w) if name.startswith("Fisher")
                 else np.array([(1 - t) * p + t * q for t in fine]) if name.startswith("mix")
                 else npg.normalize(np.array([p ** (1 - t) * q**t for t in fine]), w))
    steps = npg.fisher_rao_distance(fine_path[:-1], fine_path[1:], w)
    speeds = steps.reshape(4, 20).sum(axis=1) / 0.25
    print(f"{name:28s} Fisher–Rao length per unit t, by quarter: {np.round(speeds, 3)}")
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("x")
axes[0].legend(fontsize=8)
axes[0].set_ylabel("density")
fig.tight_layout()
plt.show()

# %%
# The Fisher–Rao flow of KL against its closed form
# -------------------------------------------------
# Target: :math:`\pi = 0.3\,N(-3, 0.8^2) + 0.7\,N(3, 0.8^2)`; start: a normal on the minor
# mode. The solver integrates :math:`\partial_t\log p = -(\log(p/\pi) - KL)` with an adaptive
# Dormand–Prince method; the closed form checks it. KL decays like
# :math:`\tfrac12 e^{-2t}\operatorname{Var}_\pi\log(p_0/\pi)`.

log_pi = np.logaddexp(np.log(0.3) - (x + 3) ** 2 / 1.28, np.log(0.7) - (x - 3) ** 2 / 1.28)
p0 = stats.norm.pdf(x, -3.0, 1.0)
times = np.linspace(0, 8, 33)
flow = npg.fisher_rao_flow(p0, log_pi, times, w)
exact = npg.kl_flow_solution(p0, log_pi, times, w)
error = np.sum(w * np.abs(flow.densities - exact), axis=1)
print(flow.message)
print(f"largest L1 error against the closed form: {error.max():.1e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for t in (0.0, 1.0, 2.0, 3.0, 8.0):
    i = int(np.argmin(np.abs(times - t)))
    ax1.plot(x, flow.densities[i], label=f"t = {t:g}")
ax1.plot(x, np.exp(log_pi) / np.sum(w * np.exp(log_pi)), "k--", lw=1, label="target π")
ax1.set_xlabel("x")
ax1.set_title("Fisher–Rao flow: mass is reweighted, not moved", fontsize=10)
ax1.legend(fontsize=8)
ax2.semilogy(times, flow.values, label="KL(p_t || π), solver")
ax2.semilogy(times, np.maximum(error, 1e-16), label="L1 error vs closed form")
ax2.set_xlabel("t")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Wasserstein, Fisher–Rao and both, on a bimodal target
# -----------------------------------------------------
# The Wasserstein flow (Fokker–Planck, the law of Langevin dynamics) moves mass through
# space and must climb the barrier between the modes: it is stuck on the minor mode for a
# long time. The Fisher–Rao flow moves mass *between* places at once but only where
# :math:`p_0` has some. The Wasserstein–Fisher–Rao flow does both and is the fastest.

runs = {
    "Wasserstein": npg.wasserstein_flow(p0, log_pi, times, x),
    "Fisher–Rao": flow,
    "Wasserstein–Fisher–Rao": npg.wasserstein_fisher_rao_flow(p0, log_pi, times, x, dt=0.05),
}
fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
for ax, (name, res) in zip(axes[:3], runs.items(), strict=True):
    for t, color in zip((0.5, 1.5, 4.0), ("C0", "C1", "C2"), strict=True):
        i = int(np.argmin(np.abs(times - t)))
        ax.plot(x, res.densities[i], color=color, label=f"t = {t:g}")
    ax.plot(x, np.exp(log_pi) / np.sum(w * np.exp(log_pi)), "k--", lw=1)
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("x")
    axes[3].semilogy(times, runs[name].values, label=name)
    print(f"{name:24s} KL at t = 2, 4, 8: " + ", ".join(
        f"{res.values[np.argmin(np.abs(times - t))]:.2e}" for t in (2, 4, 8)))
axes[0].legend(fontsize=8)
axes[3].set_xlabel("t")
axes[3].set_title("KL(p_t || π)", fontsize=10)
axes[3].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Particles: birth–death dynamics converge to the grid solution
# -------------------------------------------------------------
# Lu, Lu & Nolen's birth–death dynamics kill or duplicate particles at the rate
# :math:`\log(K_h * \mu_N) - \log\pi` (centred): the particle version of the Fisher–Rao flow.
# Started from draws of a broad :math:`p_0`, the fraction of particles right of 0 follows
# the grid solution; its error shrinks roughly like :math:`N^{-1/2}`.

p0_broad = stats.norm.pdf(x, -1.5, 2.0)
grid_solution = npg.kl_flow_solution(p0_broad, log_pi, [0.0, 1.0], w)[-1]
truth = np.sum(w * grid_solution * (x > 0))
sizes, rms = [64, 256, 1024], []
for n in sizes:
    errs = []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        particles = npg.particle_flow(rng.normal(-1.5, 2.0, n), lambda z: np.logaddexp(
            np.log(0.3) - (z + 3) ** 2 / 1.28, np.log(0.7) - (z - 3) ** 2 / 1.28),
            [0.0, 1.0], 0.05, rng).particles[-1]
        errs.append(np.mean(particles > 0) - truth)
    rms.append(float(np.sqrt(np.mean(np.square(errs)))))
order, const = npg.convergence_order(sizes, rms)
print(f"RMS error of the right-mode mass: {np.round(rms, 4)}; fitted ~ N^-{order:.2f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
ax1.hist(particles, bins=60, range=(-9, 9), density=True, alpha=0.5,
         label=f"{sizes[-1]} particles, t = 1")
ax1.plot(x, grid_solution, "k", label="grid solution, t = 1")
ax1.plot(x, p0_broad, "C1:", label="p_0")
ax1.legend(fontsize=8)
ax1.set_xlabel("x")
ax2.loglog(sizes, rms, "o-", label="measured")
ax2.loglog(sizes, const * np.array(sizes, float) ** -order, "k:", label=f"N^-{order:.2f}")
ax2.set_xlabel("number of particles N")
ax2.set_ylabel("RMS error")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Families on the sphere, and the simplex as a discretization
# -----------------------------------------------------------
# The Fisher matrix of a family is the sphere's metric pulled back by
# :math:`\theta \mapsto 2\sqrt{p_\theta}`; here for the gamma family, against its closed form
# :math:`[[\psi'(\alpha), -1/\beta], [-1/\beta, \alpha/\beta^2]]`. Binning into k bins maps a
# density to the categorical simplex; the binned Fisher matrix never exceeds the true one
# (Chentsov's monotonicity) and the gap closes like :math:`k^{-2}`.

gamma = ig.manifolds.Gamma()
theta = np.array([3.0, 2.0])
pulled = npg.pullback_fisher(gamma, theta, npg.family_grid(gamma, theta))
print("pull-back Fisher matrix of Gamma(3, 2):\n", np.round(pulled, 8))
print("closed form:\n", np.round(gamma.metric_matrix(theta), 8))
ks = np.array([8, 16, 32, 64, 128])
gaps = [np.linalg.eigvalsh(gamma.metric_matrix(theta) - npg.categorical_fisher(
    gamma, theta, np.linspace(1e-9, 12, k + 1))).max() for k in ks]
order, _ = npg.convergence_order(ks, gaps)
print(f"largest eigenvalue of I - I_k for k = {ks}: {np.round(gaps, 5)} (all >= 0); "
      f"fitted order {order:.2f}")
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.loglog(ks, gaps, "o-", label="largest eigenvalue of I − I_k")
ax.loglog(ks, gaps[-1] * (ks / ks[-1]) ** -2.0, "k:", label="slope −2")
ax.set_xticks(ks, labels=[str(k) for k in ks])
ax.minorticks_off()
ax.set_xlabel("number of bins k")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
