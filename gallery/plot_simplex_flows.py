r"""
Flows and geodesics on the probability simplex: the dually flat structure
==========================================================================

The categorical distributions on three labels form the triangle
:math:`\{(p_1, p_2, p_3) : p_a > 0, \sum_a p_a = 1\}`. Three geometries live on it at once
(Amari's α-connections):

* the **m-connection** (α = −1) is flat in the probabilities themselves: its geodesics
  (m-geodesics) are straight segments :math:`(1-t)\,p + t\,q`, mixtures;
* the **e-connection** (α = +1) is flat in the natural parameters
  :math:`\theta_i = \log(p_i/p_3)`: its geodesics (e-geodesics) are straight in θ, i.e.
  :math:`p(t) \propto p^{1-t} q^{t}` — geometric mixtures, curved in the triangle;
* the **Levi-Civita connection** (α = 0) of the Fisher metric: with
  :math:`\xi_a = 2\sqrt{p_a}` the triangle becomes a piece of the sphere of radius 2 and
  its geodesics are great circles, with length :math:`2\arccos\sum_a\sqrt{p_a q_a}`.

The e- and m-connections are *dual* (Amari & Nagaoka 2000, ch. 3): the family is "dually
flat". The Fisher flow of maximum likelihood shows the m-side at work: for data with
empirical frequencies :math:`\hat p`, the flow of the negative log-likelihood is
:math:`p(t) = \hat p + (p_0 - \hat p)\,e^{-t}`, a straight line — the m-geodesic to the
maximum-likelihood estimate — in every chart it is computed in.

Sources: S. Amari & H. Nagaoka, *Methods of Information Geometry* (2000), §2.2, §3.3–3.5;
S. Amari, *Information Geometry and Its Applications* (2016), ch. 2;
H. K. Miyamoto et al., "On closed-form expressions for the Fisher–Rao distance",
arXiv:2304.14885 (2023), §3.
"""

import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig

C = ig.manifolds.Categorical(3)  # chart "probs": (p_1, p_2), p_3 = 1 - p_1 - p_2 (named p_0, p_1)
C_nat = C.in_chart("natural")    # theta_i = log(p_i / p_3)

# %%
# The Fisher flow toward the maximum-likelihood estimate
# -------------------------------------------------------
# Counts (12, 5, 3) give the estimate :math:`\hat p = (0.6, 0.25, 0.15)`. The average
# negative log-likelihood (cross-entropy) and its gradient in the chart
# :math:`(p_1, p_2)` are
#
# .. math::
#
#     L(p) = -\sum_{a=1}^{3} \hat p_a \log p_a, \qquad
#     \partial_i L = -\frac{\hat p_i}{p_i} + \frac{\hat p_3}{p_3}.
#
# We integrate the Fisher flow (``ig.flows.fisher_flow``) from six starting points near
# the edges, and compare it with the closed form :math:`\hat p + (p_0 - \hat p)e^{-t}`.

counts = np.array([12, 5, 3])
p_hat = counts / counts.sum()
mle = C.from_probabilities(p_hat)


def nll(x):
    return float(-np.sum(p_hat * np.log(C.probabilities(x))))


def nll_grad(x):
    p = C.probabilities(x)
    return -p_hat[:2] / p[:2] + p_hat[2] / p[2]


starts = C.from_probabilities([[0.05, 0.05, 0.90], [0.05, 0.90, 0.05], [0.90, 0.05, 0.05],
                               [0.45, 0.50, 0.05], [0.05, 0.45, 0.50], [0.30, 0.05, 0.65]])
times = np.linspace(0.0, 6.0, 121)
flows = [ig.flows.fisher_flow(C, nll_grad, x0, (0.0, 6.0), loss=nll, t_eval=times,
                              rtol=1e-10, atol=1e-12) for x0 in starts]
print("start p0                 max |p(t) - closed form|   loss(t=0) -> loss(t=6)   monotone")
for x0, flow in zip(starts, flows, strict=True):
    closed = mle + (x0 - mle) * np.exp(-flow.times)[:, None]
    monotone = bool(np.all(np.diff(flow.losses) < 0))
    print(f"{np.array2string(C.probabilities(x0), precision=2):<24} "
          f"{np.max(np.abs(flow.params - closed)):26.2e}   "
          f"{flow.losses[0]:.4f} -> {flow.losses[-1]:.6f}   {monotone}")

# The same flow computed in the natural chart, mapped back: the same straight line.
other, nll_nat, grad_nat = ig.flows.pull_back(C, nll, nll_grad, "natural")
flow_nat = ig.flows.fisher_flow(other, grad_nat, C.change_chart(starts[0], "natural"),
                                (0.0, 6.0), t_eval=times, rtol=1e-10, atol=1e-12)
mapped = other.change_chart(flow_nat.params, "probs")
print(f"flow run in natural parameters, mapped to probabilities: max gap to the flow in "
      f"probabilities = {np.max(np.abs(mapped - flows[0].params)):.2e}")

# %%
# Three geodesics between the same two points
# --------------------------------------------
# Between :math:`p = (0.8, 0.1, 0.1)` and :math:`q = (0.1, 0.3, 0.6)` (and a second pair)
# we draw the m-geodesic (a straight segment of probabilities), the e-geodesic (a straight
# segment of natural parameters, mapped back with ``change_chart``) and the Levi-Civita
# geodesic (``C.geodesic``, a great circle of the sphere). Their Fisher lengths
# (``ig.plotting.curve_length``) show which is shortest: the Levi-Civita geodesic, whose
# length is the closed-form distance.

pairs = C.from_probabilities([[[0.8, 0.1, 0.1], [0.1, 0.3, 0.6]],
                              [[0.15, 0.8, 0.05], [0.4, 0.1, 0.5]]])
t = np.linspace(0.0, 1.0, 2001)


def m_geodesic(a, b):
    return a + t[:, None] * (b - a)


def e_geodesic(a, b):
    ta, tb = C.change_chart(a, "natural"), C.change_chart(b, "natural")
    return C_nat.change_chart(ta + t[:, None] * (tb - ta), "probs")


def levi_civita_geodesic(a, b):
    return C.geodesic(a, end_point=b)(t)


curves = {"m-geodesic (α = −1)": m_geodesic, "e-geodesic (α = +1)": e_geodesic,
          "Levi-Civita geodesic (α = 0)": levi_civita_geodesic}
styles = {"m-geodesic (α = −1)": ("C0", "-"), "e-geodesic (α = +1)": ("C3", "-"),
          "Levi-Civita geodesic (α = 0)": ("k", "--")}
for k, (a, b) in enumerate(pairs):
    closed = 2 * np.arccos(np.sum(np.sqrt(C.probabilities(a) * C.probabilities(b))))
    print(f"\npair {k}: p = {C.probabilities(a)}, q = {C.probabilities(b)}")
    print(f"  closed-form Fisher–Rao distance 2 arccos sum sqrt(p q) = {closed:.6f}, "
          f"C.dist = {float(C.dist(a, b)):.6f}")
    for name, make in curves.items():
        print(f"  Fisher length of the {name:<29}: "
              f"{float(ig.plotting.curve_length(C, make(a, b))):.6f}")

# %%
# Each curve is a geodesic of its own connection
# -----------------------------------------------
# A curve :math:`x(t)` is a geodesic of the α-connection when
# :math:`\ddot x^k + \Gamma^{(\alpha)k}_{ij}\dot x^i\dot x^j = 0`. We evaluate that
# residual (finite differences on 2001 points, Christoffel symbols from
# ``C.alpha_christoffels``) for the three curves of the first pair and the three
# connections: each curve solves the equation of its own connection (residual at the
# level of the finite-difference error) and not the others'.

a, b = pairs[0]
print("\nmax |x'' + Gamma^(alpha)(x', x')| along the curve (chart of probabilities):")
print(f"{'curve':<30}" + "".join(f"{'alpha = ' + str(al):>14}" for al in (-1, 0, 1)))
for name, make in curves.items():
    x = make(a, b)
    vel = np.gradient(x, t, axis=0)
    acc = np.gradient(vel, t, axis=0)
    row = []
    for alpha in (-1.0, 0.0, 1.0):
        gamma = C.alpha_christoffels(x, alpha)
        residual = acc + np.einsum("...kij,...i,...j->...k", gamma, vel, vel)
        row.append(np.max(np.abs(residual[2:-2])))  # one-sided differences at the ends
    print(f"{name:<30}" + "".join(f"{r:14.2e}" for r in row))

# %%
# The pictures
# ------------
# Left: the Fisher flows — straight lines, points every 0.5 time units bunching up
# exponentially near :math:`\hat p` — with, for the first start, the e-geodesic and the
# Levi-Civita geodesic to :math:`\hat p`, which the flow does *not* follow. Middle: the
# three geodesics between two pairs of points, in the triangle of probabilities, where
# the m-geodesics are straight. Right: the same curves in natural parameters, where the
# e-geodesics are straight and the m-geodesics are curved — the two flat charts of a
# dually flat space; the Levi-Civita geodesic is straight in neither.

fig, axes = plt.subplots(1, 3, figsize=(16, 5.4), constrained_layout=True)
ax = axes[0]
ig.plotting.plot_simplex(ax=ax)
for i, flow in enumerate(flows):
    ig.plotting.plot_simplex(C.probabilities(flow.params), ax=ax, kind="line", frame=False,
                             color="C2", lw=1.5, label="Fisher flow" if i == 0 else None)
    ig.plotting.plot_simplex(C.probabilities(flow.params[::10]), ax=ax, frame=False,
                             color="C2", s=8)
ig.plotting.plot_simplex(C.probabilities(e_geodesic(starts[0], mle)), ax=ax, kind="line",
                         frame=False, color="C3", lw=1, label="e-geodesic to the MLE")
ig.plotting.plot_simplex(C.probabilities(levi_civita_geodesic(starts[0], mle)), ax=ax,
                         kind="line", frame=False, color="k", ls="--", lw=1,
                         label="Levi-Civita geodesic to the MLE")
ig.plotting.plot_simplex(p_hat[None], ax=ax, frame=False, marker="*", s=150, color="k",
                         zorder=3, label="MLE p̂ = (0.6, 0.25, 0.15)")
ax.set_title("Fisher flow of maximum likelihood:\nstraight lines (m-geodesics) to the MLE")
ax.legend(loc="upper left", fontsize=7)

ax = axes[1]
ig.plotting.plot_simplex(ax=ax)
for k, (a, b) in enumerate(pairs):
    for name, make in curves.items():
        colour, ls = styles[name]
        ig.plotting.plot_simplex(C.probabilities(make(a, b)), ax=ax, kind="line",
                                 frame=False, color=colour, ls=ls, lw=1.5,
                                 label=name if k == 0 else None)
    ig.plotting.plot_simplex(C.probabilities(np.stack([a, b])), ax=ax, frame=False,
                             color="k", s=20, zorder=3)
ax.set_title("Three geodesics between the same points,\nin probabilities (m-flat chart)")
ax.legend(loc="upper left", fontsize=7)

ax = axes[2]
for k, (a, b) in enumerate(pairs):
    for name, make in curves.items():
        colour, ls = styles[name]
        path = C.change_chart(make(a, b), "natural")
        ax.plot(path[:, 0], path[:, 1], color=colour, ls=ls, lw=1.5,
                label=name if k == 0 else None)
    ends = C.change_chart(np.stack([a, b]), "natural")
    ax.plot(ends[:, 0], ends[:, 1], "ko", ms=4)
ax.set_xlabel("θ₁ = log(p₁ / p₃)")
ax.set_ylabel("θ₂ = log(p₂ / p₃)")
ax.set_aspect("equal")
ax.set_title("The same curves in natural parameters\n(e-flat chart)")
ax.legend(fontsize=8)

plt.show()
