r"""
Dual flatness: e- and m-geodesics and the Pythagorean theorem of KL
====================================================================

An exponential family :math:`p(x\mid\theta) = h(x)\exp\big(\theta\cdot T(x) -
\psi(\theta)\big)` carries two coordinate systems that are *flat*, each for its own
connection: the natural parameters :math:`\theta` and the expectation parameters
:math:`\eta = E_\theta[T(x)] = \nabla\psi(\theta)`. They are Legendre duals: with the
convex potential :math:`\psi` (the log-partition function) and its conjugate
:math:`\varphi(\eta) = \theta\cdot\eta - \psi(\theta)` (minus the entropy, up to the
:math:`h` term),

.. math::

    \eta = \nabla\psi(\theta), \qquad \theta = \nabla\varphi(\eta), \qquad
    g = \nabla^2\psi(\theta) = \big(\nabla^2\varphi(\eta)\big)^{-1}.

Straight lines of :math:`\theta` are the geodesics of the exponential connection
(α = +1, *e-geodesics*: :math:`p_t \propto p_0^{1-t}p_1^{t}`), straight lines of
:math:`\eta` those of the mixture connection (α = −1, *m-geodesics*: the moments are
interpolated). The KL divergence is the *canonical divergence* of the pair,

.. math::

    \mathrm{KL}(p\,\|\,q) = \psi(\theta_q) + \varphi(\eta_p) - \theta_q\cdot\eta_p,

and a three-line computation from it gives the **generalized Pythagorean theorem**: for
any three distributions,

.. math::

    \mathrm{KL}(p\|r) = \mathrm{KL}(p\|q) + \mathrm{KL}(q\|r)
    - (\theta_r - \theta_q)\cdot(\eta_p - \eta_q).

The last term is the Fisher inner product of the e-direction :math:`q \to r` with the
m-direction :math:`q \to p` (in dual coordinates, :math:`g(u, v) = \Delta\theta\cdot
\Delta\eta`). So when the m-geodesic from p meets the e-geodesic through q and r at a
right angle, KL adds up like squared lengths. Consequence: the *m-projection* of p onto
an e-flat family E — the :math:`q^* \in E` minimizing :math:`\mathrm{KL}(p\|q)`, i.e.
maximum likelihood in E, or moment matching — is where the m-geodesic from p hits E
orthogonally, and then :math:`\mathrm{KL}(p\|r) = \mathrm{KL}(p\|q^*) +
\mathrm{KL}(q^*\|r)` for *every* r in E.

We work this out on the normal family, with :math:`T(x) = (x, x^2)`,
:math:`\theta = (\mu/\sigma^2, -1/(2\sigma^2))`, :math:`\eta = (\mu, \mu^2 + \sigma^2)`
and :math:`\psi(\theta) = -\theta_1^2/(4\theta_2) - \tfrac12\log(-2\theta_2)`.

Sources: S. Amari & H. Nagaoka, *Methods of Information Geometry* (2000), §3.3–3.4
(dually flat spaces, canonical divergence) and Theorem 3.8 (Pythagorean relation);
S. Amari, *Information Geometry and Its Applications* (2016), ch. 1–2.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import brentq, minimize_scalar

import infogeo as ig

N = ig.manifolds.Normal()  # chart (mu, sigma); "natural" is theta, "expectation" is eta


def psi(theta):
    """Log-partition function of the normal family in natural parameters."""
    t1, t2 = np.moveaxis(np.asarray(theta, dtype=float), -1, 0)
    return -(t1**2) / (4 * t2) - 0.5 * np.log(-2 * t2)


def to_theta(point):
    return N.change_chart(point, "natural")


def to_eta(point):
    return N.change_chart(point, "expectation")


# %%
# The two potentials and the metric
# ---------------------------------
# First the Legendre structure, numerically: the gradient of :math:`\psi` (central
# differences) must be the expectation parameters that ``N.change_chart`` computes,
# its Hessian the Fisher metric of the natural chart, and
# :math:`\psi(\theta_q) + \varphi(\eta_p) - \theta_q\cdot\eta_p` the closed-form KL
# divergence ``N.kl_divergence``.

rng = np.random.default_rng(0)
points = N.random_point(rng, 5)
h = 1e-5
gaps_grad, gaps_hess = [], []
for theta in to_theta(points):
    eye = np.eye(2) * h
    grad = np.array([(psi(theta + e) - psi(theta - e)) / (2 * h) for e in eye])
    hess = np.array([[(psi(theta + a + b) - psi(theta + a - b) - psi(theta - a + b)
                       + psi(theta - a - b)) / (4 * h * h) for b in eye] for a in eye])
    gaps_grad.append(np.max(np.abs(grad - N.change_chart(N.in_chart("natural").change_chart(
        theta, "mu_sigma"), "expectation"))))
    gaps_hess.append(np.max(np.abs(hess - N.in_chart("natural").metric_matrix(theta)))
                     / np.max(np.abs(hess)))
p_pts, q_pts = points, N.random_point(rng, 5)
theta_q, eta_p = to_theta(q_pts), to_eta(p_pts)
phi_p = np.sum(to_theta(p_pts) * eta_p, axis=-1) - psi(to_theta(p_pts))
canonical = psi(theta_q) + phi_p - np.sum(theta_q * eta_p, axis=-1)
print(f"max |grad psi(theta) - eta|           = {max(gaps_grad):.1e}  (central differences)")
print(f"max |Hess psi(theta) - I(theta)| / |I| = {max(gaps_hess):.1e}")
print(f"max |canonical divergence - KL|       = "
      f"{np.max(np.abs(canonical - N.kl_divergence(p_pts, q_pts))):.1e}")

# %%
# What "e" and "m" mean: halfway between two normals
# ---------------------------------------------------
# Between :math:`p_0 = N(-2, 0.6^2)` and :math:`p_1 = N(2, 0.6^2)` the e-geodesic
# (straight in θ) passes through the normalized *geometric mean*
# :math:`\sqrt{p_0 p_1}`: at :math:`t = 1/2` it is :math:`N(0, 0.6^2)`, as narrow as the
# end points. The m-geodesic (straight in η) interpolates the moments: at
# :math:`t = 1/2` the mean is 0 and :math:`E x^2 = 4 + 0.36`, so it is
# :math:`N(0, 2.09^2)`, wide enough to cover both. The Fisher–Rao (Levi-Civita)
# geodesic is in between. In the chart (μ, σ) the three paths are three curves; each
# flat connection has its own straight chart.

p0, p1 = np.array([-2.0, 0.6]), np.array([2.0, 0.6])
t = np.linspace(0.0, 1.0, 201)[:, None]
paths = {
    "e-geodesic (straight in θ)": N.in_chart("natural").change_chart(
        (1 - t) * to_theta(p0) + t * to_theta(p1), "mu_sigma"),
    "m-geodesic (straight in η)": N.in_chart("expectation").change_chart(
        (1 - t) * to_eta(p0) + t * to_eta(p1), "mu_sigma"),
    "Fisher–Rao geodesic": N.geodesic(p0, end_point=p1)(t[:, 0]),
}
colours = {name: c for name, c in zip(paths, ["C3", "C0", "k"], strict=True)}
print("\nhalfway point (t = 1/2) of each geodesic, (mu, sigma):")
for name, path in paths.items():
    print(f"  {name:28s} {np.round(path[100], 4)}")
print(f"  geometric mean sqrt(p0 p1) normalized: N(0, {p0[1]}^2); moment match: "
      f"N(0, {np.sqrt(4 + p0[1] ** 2):.4f}^2)")

fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
ax = axes[0]
x = np.linspace(-5.0, 5.0, 500)
for end, style in [(p0, ":"), (p1, ":")]:
    ax.plot(x, np.exp(N.log_prob(x, end)), style, color="0.4")
for name, path in paths.items():
    ax.plot(x, np.exp(N.log_prob(x, path[100])), color=colours[name], lw=2, label=name)
ax.plot([], [], ":", color="0.4", label="end points N(∓2, 0.6²)")
ax.set_xlabel("x")
ax.set_ylabel("density")
ax.set_title("The distribution halfway along each geodesic")
ax.legend(fontsize=9)
ax = axes[1]
for name, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], color=colours[name], lw=2, label=name)
ax.plot(*np.stack([p0, p1]).T, "ko", ms=5)
ax.set_xlabel("μ")
ax.set_ylabel("σ")
ax.set_ylim(0.0, 2.6)
ax.set_aspect("equal")
ax.set_title("The same three geodesics in the chart (μ, σ)")
ax.legend(fontsize=9, loc="upper left")

# %%
# The m-projection onto an e-flat family, and Pythagoras
# -------------------------------------------------------
# Let E be the e-geodesic through :math:`A = N(-2, 0.6^2)` and :math:`B = N(2, 1.8^2)`,
# extended both ways: :math:`\theta(s) = \theta_A + s\,(\theta_B - \theta_A)`, a
# one-dimensional exponential family (e-flat by construction). We project
# :math:`p = N(-1, 2.5^2)` onto it. Since :math:`\nabla_\theta\,\mathrm{KL}(p\|q_\theta)
# = \eta_q - \eta_p`, the derivative of :math:`\mathrm{KL}(p\|\theta(s))` in s is
# :math:`(\theta_B - \theta_A)\cdot(\eta(s) - \eta_p)`: the minimum is exactly where the
# m-direction is Fisher-orthogonal to E. We find it as the root of that derivative
# (``scipy.optimize.brentq``), check that it is the minimizer a black-box 1-D search
# finds, and then check the non-trivial claim: the Pythagorean relation for *every*
# r on E. Any other foot point q on E — the *e-projection*
# :math:`\arg\min_{q\in E}\mathrm{KL}(q\|p)` included, the right projection onto
# m-flat families but not onto e-flat ones — misses it by exactly the cross term.

A, B, p = np.array([-2.0, 0.6]), np.array([2.0, 1.8]), np.array([-1.0, 2.5])
direction = to_theta(B) - to_theta(A)
# theta2(s) < 0 keeps sigma real: E ends where theta2 reaches 0
s_end = -to_theta(A)[1] / direction[1]
s_grid = np.linspace(-1.0, 0.97 * s_end, 400)


def on_e(s):
    s = np.asarray(s, dtype=float)[..., None]
    return N.in_chart("natural").change_chart(to_theta(A) + s * direction, "mu_sigma")


def kl_slope(s):
    """d/ds KL(p || theta(s)) = (theta_B - theta_A) . (eta(s) - eta_p)."""
    return float(direction @ (to_eta(on_e(s)) - to_eta(p)))


s_star = brentq(kl_slope, s_grid[0], s_grid[-1], xtol=1e-15)
search = minimize_scalar(lambda s: float(N.kl_divergence(p, on_e(s))),
                         bounds=(s_grid[0], s_grid[-1]), method="bounded")
s_e = minimize_scalar(lambda s: float(N.kl_divergence(on_e(s), p)),
                      bounds=(s_grid[0], s_grid[-1]), method="bounded").x
q_star, q_e, r_all = on_e(s_star), on_e(s_e), on_e(s_grid)


def pythagoras_error(q):
    """max over r in E of |KL(p||r) - KL(p||q) - KL(q||r)|."""
    gap = N.kl_divergence(p, r_all) - N.kl_divergence(p, q) - N.kl_divergence(q, r_all)
    return np.max(np.abs(gap), axis=-1)


feet = on_e(s_grid)[:, None, :]  # every point of E as a candidate foot point
errors = pythagoras_error(feet)
cross = np.max(np.abs(np.sum((to_theta(r_all) - to_theta(feet))
                             * (to_eta(p) - to_eta(feet)), axis=-1)), axis=-1)
print(f"\nm-projection q* = N({q_star[0]:.4f}, {q_star[1]:.4f}^2) at s* = {s_star:.10f}; "
      f"bounded 1-D search of KL: s = {search.x:.10f}")
print(f"e-projection    = N({q_e[0]:.4f}, {q_e[1]:.4f}^2) at s = {s_e:.6f}")
print(f"max over r in E of |KL(p||r) - KL(p||q*) - KL(q*||r)| = {pythagoras_error(q_star):.1e}")
print(f"the same with the e-projection as foot point:          {pythagoras_error(q_e):.1e}")
print(f"over all foot points q of E: max |Pythagoras error - |cross term|| = "
      f"{np.max(np.abs(errors - cross)):.1e}")

fig, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
ax = axes[0]
ax.plot(r_all[:, 0], r_all[:, 1], color="C3", lw=2, label="E: an e-flat family")
for k, s_r in enumerate([-0.6, 0.3, 0.85]):
    r = on_e(s_r)
    seg = N.in_chart("expectation").change_chart((1 - t) * to_eta(p) + t * to_eta(r),
                                                 "mu_sigma")
    ax.plot(seg[:, 0], seg[:, 1], ":", color="0.4", lw=1.2,
            label="m-geodesics p → r, r on E" if k == 0 else None)
    ax.plot(*r, "o", color="C3", ms=5)
seg = N.in_chart("expectation").change_chart((1 - t) * to_eta(p) + t * to_eta(q_star),
                                             "mu_sigma")
ax.plot(seg[:, 0], seg[:, 1], color="C0", lw=2, label="m-geodesic p → q* (orthogonal to E)")
ax.plot(*q_star, "o", color="C0", ms=8, label="q*, the m-projection")
ax.plot(*q_e, "x", color="C2", ms=9, mew=2, label="the e-projection")
ax.plot(*p, "k*", ms=14, label="p = N(−1, 2.5²)")
ax.set_xlabel("μ")
ax.set_ylabel("σ")
ax.set_xlim(-3.0, 4.0)
ax.set_ylim(0.0, 4.0)
ax.set_aspect("equal")
ax.set_title("Projecting p onto the e-flat family E")
ax.legend(fontsize=8, loc="upper right")

ax = axes[1]
near = (s_grid > s_star - 0.1) & (s_grid < s_star + 0.04)
ax.plot(s_grid[near], errors[near], color="k", lw=3, alpha=0.35,
        label="max over r ∈ E of |KL(p‖r) − KL(p‖q) − KL(q‖r)|")
ax.plot(s_grid[near], cross[near], "--", color="C1", label="max over r of the cross term")
ax.plot([s_star], [pythagoras_error(q_star)], "o", color="C0", ms=8,
        label=f"q = q*: {pythagoras_error(q_star):.0e}")
ax.plot([s_e], [pythagoras_error(q_e)], "x", color="C2", ms=9, mew=2,
        label=f"q = e-projection: {pythagoras_error(q_e):.2f}")
ax.set_ylim(bottom=0.0)
ax.set_xlabel("position s of the foot point q = θ(s) on E")
ax.set_ylabel("error of the Pythagorean relation")
ax.set_title("KL adds up like squared lengths only at the m-projection")
ax.legend(fontsize=9, loc="upper left")

plt.show()
