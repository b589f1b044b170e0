r"""
Third-order geometry: the cubic KL model and invariant integrators of order 3 and 4
===================================================================================

Two uses of the connections beyond the metric.

**The KL divergence to third order.** Expanding
:math:`KL(p_\theta\|p_{\theta+\delta})` gives

.. math::

    KL = \tfrac12 g_{ij}\delta^i\delta^j + \tfrac16\big(\Gamma^{(m)}_{ij,k}
    + 2\Gamma^{(e)}_{ij,k}\big)\delta^i\delta^j\delta^k + O(\|\delta\|^4),

with the m- and e-connections of Amari; equivalently the cubic coefficient is
:math:`\tfrac1{12}(3\partial_k g_{ij} - T_{ijk})` with the skewness tensor :math:`T`
(Amari & Nagaoka 2000, §3.2). The quadratic model's error falls like
:math:`\|\delta\|^3`, the cubic model's like :math:`\|\delta\|^4`.

**Invariant integrators.** Natural-gradient descent discretizes the chart-free Fisher
flow; its iterates in two charts differ by :math:`O(\alpha)` at a fixed flow time. The
geodesic-corrected and midpoint steps of Song, Song & Ermon (ICML 2018) reach
:math:`O(\alpha^2)`; a Runge–Kutta method of order :math:`p` reaches :math:`O(\alpha^p)`,
and so does a step along the geodesic integrated by one RK step of order :math:`p`.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import special

import infogeo as ig

# %%
# The error of the quadratic and cubic KL models
# ----------------------------------------------
# A gamma distribution (shape, rate) and a Beta distribution, a random direction of
# unit Fisher length, steps of Fisher length h; the exact KL is the closed form.

rng = np.random.default_rng(0)
lengths = np.geomspace(2e-3, 0.5, 25)
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for fam, theta, colour in [(ig.manifolds.Gamma(), np.array([2.0, 1.5]), "C0"),
                           (ig.manifolds.Beta(), np.array([2.0, 5.0]), "C1")]:
    d = rng.normal(size=2)
    d /= float(fam.norm(d, theta))
    exact = np.array([float(fam.kl_divergence(theta, theta + h * d)) for h in lengths])
    for order, style in [(2, "--"), (3, "-")]:
        model = np.array([float(ig.flows.kl_expansion(fam, theta, h * d, order))
                          for h in lengths])
        ax.loglog(lengths, np.abs(model - exact), style, color=colour,
                  label=f"{type(fam).__name__}, order {order}")
ax.loglog(lengths, 0.05 * lengths**3, ":", color="grey", label=r"$\propto h^3$")
ax.loglog(lengths, 0.02 * lengths**4, "-.", color="grey", label=r"$\propto h^4$")
ax.set_xlabel("Fisher length h of the step")
ax.set_ylabel("|model − KL|")
ax.set_title(r"Quadratic vs cubic model of $KL(p_\theta \,\|\, p_{\theta+\delta})$")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Invariance order of the integrators
# -----------------------------------
# Maximum likelihood for a normal distribution (data mean 1, variance 0.5) run from the
# same start in the charts (μ, σ), (μ, log σ) and the natural parameters; the largest
# distance between the images of the iterates at flow time 1, as a function of the step.

mean, var = 1.0, 0.5


def loss(x):
    return float(np.log(x[1]) + ((x[0] - mean) ** 2 + var) / (2 * x[1] ** 2))


def grad(x):
    return np.array([(x[0] - mean) / x[1] ** 2,
                     1 / x[1] - ((x[0] - mean) ** 2 + var) / x[1] ** 3])


fl = ig.flows
methods = {
    "plain NGD": "fixed",
    "geodesic (Song et al.)": "geodesic",
    "midpoint (Song et al.)": "midpoint",
    "RK3": lambda m, a: fl.runge_kutta(fl.precondition_by_metric(m), a, "rk3"),
    "RK4": lambda m, a: fl.runge_kutta(fl.precondition_by_metric(m), a, "rk4"),
    "geodesic, one RK4 step": lambda m, a: fl.chain(
        fl.precondition_by_metric(m), fl.alpha_geodesic_step(m, a, 0.0, method="rk4")),
}
steps = np.array([0.2, 0.1, 0.05, 0.025])
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for i, (label, rule) in enumerate(methods.items()):
    res = fl.invariance_order(ig.manifolds.Normal(), loss, [0.0, 2.0],
                              ["mu_sigma", "mu_log_sigma", "natural"], steps, horizon=1.0,
                              step_rule=rule, loss_grad=grad)
    ax.loglog(res.step_sizes, res.discrepancies, "o-", color=f"C{i}",
              label=f"{label}: slope {res.slope:.2f}")
ax.set_xlabel("step size α")
ax.set_ylabel("chart discrepancy at t = 1")
ax.set_title("Reparametrization invariance: slopes 1, 2, 3, 4")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# The gamma likelihood: accuracy per gradient evaluation
# ------------------------------------------------------
# Error at flow time 1 against a tight adaptive solution, for the same budgets of
# gradient evaluations (one per stage).

mx, mlog = 2.0, 0.5


def gamma_loss(x):
    return float(special.gammaln(x[0]) - x[0] * np.log(x[1]) - (x[0] - 1) * mlog + x[1] * mx)


def gamma_grad(x):
    return np.array([special.digamma(x[0]) - np.log(x[1]) - mlog, -x[0] / x[1] + mx])


G = ig.manifolds.Gamma()
x0 = np.array([1.0, 2.0])
ref = fl.fisher_flow(G, gamma_loss, gamma_grad, x0, (0.0, 1.0), rtol=1e-12, atol=1e-14,
                     gtol=0.0, method="DOP853").final
budgets = np.array([24, 48, 96, 144])
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for i, (label, method, cost) in enumerate([("plain NGD", "euler", 1),
                                           ("midpoint", "midpoint", 2),
                                           ("RK3", "rk3", 3), ("RK4", "rk4", 4)]):
    errors = []
    for budget in budgets:
        n = budget // cost
        traj = fl.minimize(fl.runge_kutta(fl.precondition_by_metric(G), 1.0 / n, method),
                           gamma_loss, gamma_grad, x0, max_iter=n, gtol=0.0)
        errors.append(np.linalg.norm(traj.final - ref))
    ax.loglog(budgets, errors, "o-", color=f"C{i}", label=label)
ax.set_xlabel("gradient evaluations")
ax.set_ylabel("error at t = 1")
ax.set_title("Gamma MLE: accuracy per gradient evaluation")
ax.legend(fontsize=8)
fig.tight_layout()
