r"""
Natural versus Euclidean gradient: invariance made visible
===========================================================

Gradient descent :math:`\theta_{k+1} = \theta_k - \alpha\nabla L(\theta_k)` follows the
steepest direction *for the Euclidean length of the parameters*, and that length depends
on how the family is parametrized: writing σ, log σ or :math:`-1/(2\sigma^2)` gives three
different algorithms and three different paths. The natural gradient (Amari 1998)
measures steps with the Fisher metric instead,

.. math::

    \theta_{k+1} = \theta_k - \alpha\, I(\theta_k)^{-1}\nabla L(\theta_k),

and because :math:`\nabla_\eta L = J^\top\nabla_\theta L` and
:math:`I_\eta = J^\top I_\theta J` for a change of chart :math:`\theta = \theta(\eta)`
with Jacobian :math:`J`, the natural-gradient direction is the same tangent vector in
every chart. The continuous flow :math:`\dot\theta = -I^{-1}\nabla L` is therefore exactly
invariant; a discrete step is invariant to first order in α (a straight step in one chart
is curved in another).

We fit a normal distribution to data by minimizing the average negative log-likelihood,
run gradient descent and natural-gradient descent in three charts — :math:`(\mu, \sigma)`,
:math:`(\mu, \log\sigma)` and the natural parameters — and map every path back to one
chart to compare them.

Sources: S. Amari, "Natural gradient works efficiently in learning", *Neural Computation*
10 (1998); J. Martens, "New insights and perspectives on the natural gradient method",
*JMLR* 21 (2020); Y. Song, J. Song & S. Ermon, "Accelerating natural gradient with
higher-order invariance", *ICML* (2018).
"""

import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig

# %%
# The loss: negative log-likelihood of normal data
# -------------------------------------------------
# For data with mean :math:`m` and (biased) variance :math:`v`, the average negative
# log-likelihood in the chart :math:`(\mu, \sigma)` is, up to a constant,
#
# .. math::
#
#     L(\mu, \sigma) = \log\sigma + \frac{(m - \mu)^2 + v}{2\sigma^2},
#
# minimized at the maximum-likelihood estimate :math:`(m, \sqrt v)`. We write the loss and
# its gradient once, in :math:`(\mu, \sigma)`; ``ig.flows.check_invariance`` pulls them
# back to the other charts (chain rule with the charts' Jacobians).

N = ig.manifolds.Normal()                       # reference chart (mu, sigma)
rng = np.random.default_rng(1)
data = N.sample([1.5, 1.2], 200, rng)
m, v = data.mean(), data.var()


def nll(theta):
    mu, sigma = theta
    return np.log(sigma) + ((m - mu) ** 2 + v) / (2 * sigma**2)


def nll_grad(theta):
    mu, sigma = theta
    q = (m - mu) ** 2 + v
    return np.array([-(m - mu) / sigma**2, 1 / sigma - q / sigma**3])


theta0 = np.array([-0.8, 0.7])
mle = np.array([m, np.sqrt(v)])
charts = ["mu_sigma", "mu_log_sigma", "natural"]
print(f"maximum-likelihood estimate (mu, sigma) = ({m:.4f}, {np.sqrt(v):.4f})")

# %%
# Run each method in each chart
# ------------------------------
# ``check_invariance`` runs one method from the same start in every chart and maps the
# iterates back to the reference chart. Gradient descent (step 0.01, 600 steps) and
# natural-gradient descent (step 0.02, 200 steps, flow time 4) use the same step in every
# chart; the Fisher flow is integrated to t = 4. The printed discrepancy is the largest
# coordinate distance, over the path, between a chart's run and the run in
# :math:`(\mu, \sigma)`.

flow = ig.flows.check_invariance(N, nll, theta0, charts, "flow", loss_grad=nll_grad,
                                 t_span=(0.0, 4.0), t_eval=np.linspace(0.0, 4.0, 201))
ngd = ig.flows.check_invariance(N, nll, theta0, charts, "ngd", loss_grad=nll_grad,
                                step_size=0.02, n_steps=200)
gd = ig.flows.check_invariance(N, nll, theta0, charts, "gd", loss_grad=nll_grad,
                               step_size=0.01, n_steps=600)
print("\nlargest discrepancy from the run in (mu, sigma), coordinates of (mu, sigma):")
print(f"{'method':<32}" + "".join(f"{c:>14}" for c in charts))
for name, report in [("Fisher flow (rtol 1e-10)", flow), ("natural gradient, step 0.02", ngd),
                     ("Euclidean gradient, step 0.01", gd)]:
    print(f"{name:<32}" + "".join(f"{report.discrepancy[c]:14.2e}" for c in charts))
print("\nFisher-Rao distance of the end points to the MLE:")
for name, report in [("natural gradient", ngd), ("Euclidean gradient", gd)]:
    ends = {c: float(N.dist(t.final, mle)) for c, t in report.trajectories.items()}
    print(f"  {name:<20}" + "".join(f"{c}: {d:.2e}   " for c, d in ends.items()))

# %%
# The paths, drawn in two charts
# -------------------------------
# Left, every path in :math:`(\mu, \sigma)`; right, the same paths mapped to
# :math:`(\mu, \log\sigma)` with ``N.change_chart``. Colours are the chart the method ran
# in. The three natural-gradient paths (solid) lie on top of each other and of the Fisher
# flow (black): one path, drawn in two maps. The three Euclidean paths (dashed) are three
# different curves — and which one looks "straight" depends on the chart you draw in.
# Loss contours are in grey.
#
# Look closely and the natural-gradient paths of the three charts are not *exactly*
# equal: a step is a straight segment of the chart it is taken in, and a straight
# segment of one chart is curved in another. How fast that discrepancy vanishes with
# the step size — the *order* of invariance of an update rule — is the subject of
# :ref:`sphx_glr_auto_examples_plot_reparametrization_invariance.py`.

fig, axes = plt.subplots(1, 2, figsize=(13, 6.2), layout="constrained")
colours = {"mu_sigma": "C0", "mu_log_sigma": "C1", "natural": "C2"}
views = [("mu_sigma", axes[0], (-1.2, 2.2), (0.45, 1.9)),
         ("mu_log_sigma", axes[1], (-1.2, 2.2), (np.log(0.45), np.log(1.9)))]
for view, ax, xlim, ylim in views:
    in_view = N.in_chart(view)

    def loss_in_view(y, in_view=in_view):
        return nll(in_view.change_chart(y, "mu_sigma"))

    ig.plotting.plot_loss_contours(loss_in_view, xlim, ylim, ax=ax, levels=14, log=True)
    for chart in charts:
        for report, style, method in [(gd, "--", "Euclidean GD"), (ngd, "-", "natural GD")]:
            path = N.change_chart(report.trajectories[chart].params, view)
            ig.plotting.plot_trajectories(path, ax=ax, labels=[f"{method} in {chart}"],
                                          color=colours[chart], ls=style, lw=1.6)
    ig.plotting.plot_trajectories(N.change_chart(flow.trajectories["mu_sigma"].params, view),
                                  ax=ax, labels=["Fisher flow (any chart)"], color="k",
                                  lw=0.8, markers=False)
    ax.plot(*N.change_chart(mle, view), "kx", ms=9, mew=2, label="MLE")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("μ")
    ax.set_ylabel("σ" if view == "mu_sigma" else "log σ")
    ax.set_title(f"All paths drawn in the chart ({ax.get_xlabel()}, {ax.get_ylabel()})")
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=4)
fig.suptitle("Negative log-likelihood of normal data: each method run in three charts")

plt.show()
