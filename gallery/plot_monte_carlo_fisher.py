"""
Monte Carlo Fisher estimates, and the empirical Fisher trap
===========================================================

The Fisher information is an expectation over the model's own samples,

.. math::

    I(\\theta) = E_{x \\sim p_\\theta}\\big[\\nabla\\ell\\,\\nabla\\ell^\\top\\big]
    = -E_{x \\sim p_\\theta}\\big[\\nabla^2 \\ell\\big], \\qquad \\ell = \\log p(x\\mid\\theta),

so when no closed form is at hand we average over draws :math:`x_k \\sim p_\\theta`:
:math:`\\hat I_n = \\frac1n\\sum_k t(x_k)` with :math:`t` the score outer product or the
negative Hessian. Both are unbiased; by the central limit theorem the error shrinks like
:math:`n^{-1/2}`, with a constant — the standard deviation of :math:`t` — that differs
between the two forms. ``ig.estimators.fisher_monte_carlo`` returns the estimate with
its standard error :math:`\\hat\\sigma/\\sqrt n`.

The *empirical Fisher* :math:`\\tilde F = \\sum_n \\nabla\\ell_n\\nabla\\ell_n^\\top` uses the
observed data :math:`y_n` instead of samples from the model. It is often used as a cheap
stand-in, but it is not the Fisher: away from the optimum the residuals are not
distributed like the model's noise, and preconditioning by :math:`\\tilde F` distorts
the steps (Kunstner, Balles & Hennig 2019).

Sources: F. Kunstner, L. Balles & P. Hennig, "Limitations of the empirical Fisher
approximation for natural gradient descent", NeurIPS 2019, arXiv:1905.12558 (Fig. 1);
J. Martens, "New insights and perspectives on the natural gradient method", JMLR 21
(2020), arXiv:1412.1193, §11; C. P. Robert & G. Casella, *Monte Carlo Statistical
Methods* (2004), ch. 3.
"""

import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig

# %%
# The error of a Monte Carlo Fisher estimate shrinks as :math:`n^{-1/2}`
# --------------------------------------------------------------------------
# We estimate the Fisher matrix of a Student-t distribution (ν = 5, μ = 0, σ = 1.5), whose
# exact value :math:`\sigma^{-2}\operatorname{diag}\big(\tfrac{\nu+1}{\nu+3},
# \tfrac{2\nu}{\nu+3}\big)` is known, 40 times for each sample size n with independent
# seeds, with the score form and the Hessian form. On log-log axes the root-mean-square
# relative error (Frobenius norm) is a line; the fitted slope is close to −1/2 (for
# this family the two forms have nearly the same constant; for others they do not). The
# standard error that each call reports (open markers, its mean over the 40 runs)
# tracks the actual error: it is an honest error bar.

nu = 5.0
T = ig.manifolds.StudentT(nu)
theta = np.array([0.0, 1.5])
exact = np.diag([(nu + 1) / (nu + 3), 2 * nu / (nu + 3)]) / theta[1] ** 2
assert np.allclose(T.metric_matrix(theta), exact)
sizes = np.unique(np.geomspace(30, 30_000, 10).astype(int))
n_runs = 40
rng = np.random.default_rng(1)
fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
z_by_method = {}
flagged: dict[str, list[int]] = {}  # per method and n: runs flagged as unreliable
print("method    n       RMS rel. error   mean reported SE (rel.)")
for c, method in enumerate(["score", "hessian"]):
    rms, reported = [], []
    for n in sizes:
        # check="ignore": the runs whose error bar rests on too few effective draws are
        # kept (their flag is counted below) instead of each raising a warning
        runs = [ig.estimators.fisher_monte_carlo(T, theta, int(n), rng, method=method,
                                                 check="ignore")
                for _ in range(n_runs)]
        flagged.setdefault(method, []).append(
            sum(bool(np.any(r.diagnostics.flagged)) for r in runs))
        err = [np.linalg.norm(r.mean - exact) / np.linalg.norm(exact) for r in runs]
        rms.append(np.sqrt(np.mean(np.square(err))))
        reported.append(np.mean([np.linalg.norm(r.stderr) for r in runs])
                        / np.linalg.norm(exact))
        if n == sizes[5]:  # keep the z-scores of one sample size for the histogram
            z_by_method[method] = (int(n), np.array([(r.mean - exact) / r.stderr
                                                     for r in runs]))
    slope, _ = ig.plotting.plot_loglog_fit(sizes, rms, ax=ax, label=f"{method} form",
                                           color=f"C{c}", reference_slope=-0.5)
    ax.plot(sizes, reported, "s", mfc="none", color=f"C{c}", ms=7,
            label=f"{method} form: reported SE")
    for n, e, s in list(zip(sizes, rms, reported, strict=True))[::3]:
        print(f"{method:8s} {n:6d}  {e:14.5f}  {s:14.5f}")
    print(f"{method:8s} fitted slope {slope:.3f} (expected -0.5)")
    print(f"{method:8s} runs (of {n_runs}) flagged as unreliable, by n: "
          + ", ".join(f"{n}: {k}" for n, k in zip(sizes, flagged[method], strict=True)))
ax.plot([], [], color="0.6", lw=0.8, label="slope −1/2")
ax.set_xlabel("number of samples n")
ax.set_ylabel("relative error ‖Î − I‖ / ‖I‖ (RMS over 40 runs)")
ax.set_title(r"Monte Carlo Fisher of Student-t(ν = 5): error $\propto n^{-1/2}$")
ax.legend(fontsize=9)

# %%
# Are the reported standard errors honest?
# ----------------------------------------
# If they are, the z-scores :math:`(\hat I_{ij} - I_{ij})/\mathrm{SE}_{ij}` of the 40
# runs (three entries each) follow a standard normal distribution. The histogram of the
# pooled z-scores is compared with the :math:`N(0, 1)` density.
#
# The counts printed above say when an error bar should *not* be trusted: at the
# smallest n many score-form runs are flagged, because the Student-t score terms are
# heavy-tailed and a few draws carry most of the sum (too few effective draws). By
# default ``fisher_monte_carlo`` warns or refuses in that case (``check=``); here the
# flagged runs are kept on purpose, to show the whole range of n.

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
grid = np.linspace(-4, 4, 200)
for c, (method, (n, z)) in enumerate(z_by_method.items()):
    pooled = z[:, [0, 0, 1], [0, 1, 1]].ravel()  # entries (mu,mu), (mu,sigma), (sigma,sigma)
    ax.hist(pooled, bins=np.linspace(-4, 4, 17), density=True, alpha=0.45, color=f"C{c}",
            label=f"{method} form, n = {n}")
    print(f"{method}: pooled z-scores at n = {n}: mean {pooled.mean():+.2f}, "
          f"std {pooled.std(ddof=1):.2f} (expected 0 and 1)")
ax.plot(grid, np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi), color="k", label="N(0, 1)")
ax.set_xlabel(r"$z = (\hat I_{ij} - I_{ij})\,/\,\mathrm{SE}_{ij}$")
ax.set_ylabel("density")
ax.set_title("z-scores of 40 runs × 3 entries")
ax.legend(fontsize=9)

# %%
# Fisher versus empirical Fisher as preconditioners
# -------------------------------------------------
# The linear-regression example of Kunstner et al. (2019, Fig. 1): :math:`N = 1000`
# points :math:`x_n \sim \mathrm{LogNormal}(0, 0.75)`, :math:`y_n = 2 + 2x_n +
# \varepsilon_n`, model :math:`y \sim N(w_0 + w_1 x, 1)`
# (``ig.estimators.kunstner.kunstner_linear_regression``). The loss is quadratic with
# Hessian equal to the Fisher :math:`I = X^\top X`, so the natural-gradient step
# :math:`-I^{-1}\nabla L` is the Newton step and points straight at the minimum from
# everywhere. The empirical-Fisher step :math:`-\tilde F^{-1}\nabla L`, with
# :math:`\tilde F = \sum_n r_n^2 x_n x_n^\top` built from the residuals :math:`r_n`,
# agrees with it only near the minimum: far away the large residuals inflate
# :math:`\tilde F` in the directions the gradient points to, and the steps shrink and
# turn, so the paths crawl sideways before they find the valley. The arrows are drawn with
# unit length (directions only); the paths start from the same four points and take 100
# steps each (step size 1 for both preconditioned methods, :math:`10^{-4}`, about the
# largest stable one, for plain gradient descent).

model, y = ig.estimators.kunstner.kunstner_linear_regression(np.random.default_rng(0))
w_hat = model.mle(y)
half = 3.0
axis_values = [np.linspace(c - half, c + half, 15) for c in w_hat]
grid_points = np.stack(np.meshgrid(*axis_values), axis=-1)
fields = ig.estimators.kunstner.preconditioned_gradient_fields(model, y, grid_points)
starts = w_hat + np.array([[-2.5, 2.5], [2.5, -2.5], [2.5, 2.0], [-2.0, -2.5]])


def descend(step_of, lr, n_steps=100):
    """Paths w <- w + lr * step(w) from every start (``step_of`` picks a field)."""
    paths = [starts.copy()]
    for _ in range(n_steps):
        fields_here = ig.estimators.kunstner.preconditioned_gradient_fields(model, y,
                                                                            paths[-1])
        paths.append(paths[-1] + lr * step_of(fields_here))
    return np.stack(paths, axis=1)  # [start, step, 2]


panels = [
    ("gradient descent: −∇L", lambda f: -f.gradient, 1e-4),
    ("natural gradient: −I⁻¹∇L", lambda f: f.fisher_step, 1.0),
    ("empirical Fisher: −F̃⁻¹∇L", lambda f: f.empirical_fisher_step, 1.0),
]
fig, axes = plt.subplots(1, 4, figsize=(16, 4.6), layout="constrained")
ax = axes[0]
x_obs = model.design[:, 1]
ax.scatter(x_obs, y, s=3, alpha=0.4, color="0.4", label="data")
xs = np.linspace(0, x_obs.max(), 50)
ax.plot(xs, w_hat[0] + w_hat[1] * xs, color="C3", label=f"fit w = ({w_hat[0]:.2f}, "
        f"{w_hat[1]:.2f})")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Kunstner et al. data (N = 1000)")
ax.legend(fontsize=9)


def loss(w):
    return model.nll(y, w, reduction="sum")


print("\nKunstner linear regression: w_hat =", np.round(w_hat, 4))
print("preconditioner      steps to |w - w_hat| < 0.01 (4 starts)   median angle to Newton")
for ax, (title, step_of, lr) in zip(axes[1:], panels, strict=True):
    ig.plotting.plot_loss_contours(loss, axis_values[0][[0, -1]], axis_values[1][[0, -1]],
                                   ax=ax, n=60, levels=12, log=True)
    ig.plotting.plot_vector_field(model, step_of(fields), grid_points, ax=ax,
                                  normalize="euclidean", angles="xy", scale=22, width=0.004,
                                  color="C0")
    paths = descend(step_of, lr)
    ig.plotting.plot_trajectories(paths, ax=ax, color="C3", lw=1.5)
    ax.plot(*w_hat, "k*", ms=12)
    angle = ig.estimators.kunstner.step_angle(step_of(fields).reshape(-1, 2),
                                              fields.fisher_step.reshape(-1, 2))
    close = np.linalg.norm(paths - w_hat, axis=-1) < 0.01  # [start, step]
    steps = [str(int(np.argmax(c))) if c.any() else ">100" for c in close]
    print(f"{title[:18]:18s}  {', '.join(steps):38s}  "
          f"{np.median(angle):6.1f} deg")
    ax.set_title(f"{title}\n(100 steps, step size {lr:g})")
    ax.set_xlabel("w₀ (intercept)")
    ax.set_ylabel("w₁ (slope)")
    ax.set_xlim(axis_values[0][[0, -1]])
    ax.set_ylim(axis_values[1][[0, -1]])

plt.show()
