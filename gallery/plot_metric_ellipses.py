r"""
The Fisher metric as ellipses (Tissot indicatrices)
====================================================

The Fisher information :math:`I(\theta)` measures how fast the distribution changes when
the parameters move: a small displacement :math:`v` has length
:math:`\|v\|_\theta = \sqrt{v^\top I(\theta) v}`, and
:math:`KL(p_\theta \| p_{\theta+v}) \approx \tfrac12 v^\top I(\theta) v`. Drawing, at
each point of a parameter chart, the ellipse

.. math::

    E_\theta = \{\theta + v : v^\top I(\theta)\,v = s^2\}

(a *Tissot indicatrix*, after the cartographer's ellipses that show the distortion of a
map) shows the metric at a glance: a large ellipse means the parameters can move far
before the distribution changes (little information), a small one that the data pin
the parameters down. With :math:`I = Q\,\mathrm{diag}(\lambda_1, \lambda_2)\,Q^\top`
the semi-axes are :math:`s/\sqrt{\lambda_i}` along the eigenvectors.

The ellipses depend on the chart — the *map* of the family — but the set of distributions
they enclose does not: we draw the normal family in :math:`(\mu, \sigma)` and in natural
parameters, and check that the ellipses of one chart are the images of the other's. Then
the Beta family, whose ellipses stretch along the lines of constant mean.

Sources: S. Amari & H. Nagaoka, *Methods of Information Geometry* (2000), §2.1–2.2;
infogeo user guide, "The Fisher metric and geodesics"; for the Beta family the Dirichlet
geometry of A. Le Brigant, S. Preston & S. Puechmorel, "Fisher–Rao geometry of Dirichlet
distributions", *Differential Geometry and its Applications* 74 (2021).
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import polygamma

import infogeo as ig

N = ig.manifolds.Normal()                  # chart (mu, sigma)
N_nat = N.in_chart("natural")              # theta = (mu / sigma^2, -1 / (2 sigma^2))
B = ig.manifolds.Beta()                    # chart (a, b)
S = 0.12                                   # Fisher length of the ellipse radius

# %%
# The normal family in (μ, σ): ellipses grow with σ
# --------------------------------------------------
# Here :math:`I(\mu, \sigma) = \mathrm{diag}(1, 2)/\sigma^2`, so the ellipses are aligned
# with the axes, with semi-axes :math:`s\sigma` (in μ) and :math:`s\sigma/\sqrt2` (in σ):
# proportional to σ. Shifting the mean by 0.1 is a big change for
# :math:`N(0, 0.1^2)` and an invisible one for :math:`N(0, 10^2)`. We check the
# widths returned by ``ig.plotting.metric_ellipses`` against those closed forms.

mu, sigma = np.meshgrid(np.linspace(-2.0, 2.0, 5), [0.3, 0.6, 1.0, 1.5, 2.1])
grid = np.stack([mu, sigma], axis=-1)
fig, ax = plt.subplots(figsize=(7, 4.6), layout="constrained")
ig.plotting.plot_metric_ellipses(N, grid, ax=ax, scale=S, color="C0")
ax.plot(grid[..., 0].ravel(), grid[..., 1].ravel(), ".", color="C0", ms=2)
widths, heights, angles = ig.plotting.metric_ellipses(N, grid, scale=S)
print("Normal, chart (mu, sigma):")
print("  width / sigma  (closed form 2 s         =", f"{2 * S:.4f}):",
      f"{np.min(widths / sigma):.6f} .. {np.max(widths / sigma):.6f}")
print("  height / sigma (closed form sqrt(2) s   =", f"{np.sqrt(2) * S:.4f}):",
      f"{np.min(heights / sigma):.6f} .. {np.max(heights / sigma):.6f}")
print(f"  ellipse area at sigma = 2.1 / at sigma = 0.3: "
      f"{(widths * heights)[-1, 0] / (widths * heights)[0, 0]:.2f}  (closed form 7^2 = 49)")
ax.set_title(f"Normal family, chart (μ, σ), s = {S}\nI = diag(1, 2) / σ²: ellipses grow with σ")
ax.set_xlabel("μ (mean)")
ax.set_ylabel("σ (standard deviation)")
ax.set_ylim(0.0, 2.5)
ax.set_aspect("equal")

# %%
# The same family in natural parameters
# --------------------------------------
# In :math:`\theta = (\mu/\sigma^2, -1/(2\sigma^2))` the Fisher matrix is the covariance of
# the sufficient statistic :math:`(x, x^2)`:
#
# .. math::
#
#     I(\theta) = \begin{pmatrix}\sigma^2 & 2\mu\sigma^2\\
#     2\mu\sigma^2 & 2\sigma^4 + 4\mu^2\sigma^2\end{pmatrix}.
#
# Now the ellipses are *large* where σ is small (:math:`\theta_2 \to -\infty`) and tilt
# with μ: the picture changes completely, because a chart is only a map. What does not
# change is the set of distributions at Fisher distance s. To see it, we take the
# geodesic circle of radius s around each centre, computed in the (μ, σ) chart
# (``ig.plotting.fisher_rao_circle``), map its points to natural parameters with
# ``N.change_chart`` and draw them dashed on top of the ellipses of the natural chart:
# they coincide up to :math:`O(s^2)` (the ellipse is the circle's first-order picture).

theta1, theta2 = np.meshgrid(np.linspace(-2.0, 2.0, 5), np.linspace(-2.2, -0.3, 5))
grid_nat = np.stack([theta1, theta2], axis=-1)
S_NAT = S / 2  # the ellipses of this chart are long: a smaller radius keeps them apart
fig, ax = plt.subplots(figsize=(7, 5.3), layout="constrained")
ig.plotting.plot_metric_ellipses(N_nat, grid_nat, ax=ax, scale=S_NAT, color="C1", lw=1.5)
ax.plot([], [], color="C1", lw=1.5, label="Tissot ellipse of the natural chart")


def mapped_circle_gap(radius, draw=False):
    """Largest relative gap between s and the Fisher length (at the centre) of the
    Fisher–Rao circles computed in (mu, sigma) and mapped to the natural chart."""
    gaps = []
    for k, centre in enumerate(grid_nat.reshape(-1, 2)):
        circle_ms = ig.plotting.fisher_rao_circle(N, N_nat.change_chart(centre, "mu_sigma"),
                                                  radius, n_points=60)
        circle_nat = N.change_chart(circle_ms, "natural")
        if draw:
            ax.plot(circle_nat[:, 0], circle_nat[:, 1], "--", color="k", lw=0.7,
                    label="Fisher–Rao circle of the (μ, σ) chart, mapped" if k == 0 else None)
        gaps.append(np.max(np.abs(N_nat.norm(circle_nat - centre, centre) - radius)) / radius)
    return max(gaps)


gap = mapped_circle_gap(S_NAT, draw=True)
w, h, a = ig.plotting.metric_ellipses(N_nat, grid_nat, scale=S_NAT)
mu_sigma = N_nat.change_chart(grid_nat, "mu_sigma")
mu_, sig = mu_sigma[..., 0], mu_sigma[..., 1]
closed = np.stack([np.stack([sig**2, 2 * mu_ * sig**2], -1),
                   np.stack([2 * mu_ * sig**2, 2 * sig**4 + 4 * mu_**2 * sig**2], -1)], -2)
print("\nNormal, natural chart:")
print(f"  max |I(theta) - Cov(x, x^2)| (library vs closed form) = "
      f"{np.max(np.abs(N_nat.metric_matrix(grid_nat) - closed)):.2e}")
print("  Fisher-Rao circles of radius s computed in (mu, sigma), mapped to natural: their")
print("  Fisher length at the centre differs from s by at most (first order in s)")
for radius in [S_NAT, S_NAT / 2, S_NAT / 4]:
    print(f"    s = {radius:.4f}: {100 * mapped_circle_gap(radius):.3f} %")
# area = pi s^2 / sqrt(det I), det I = 2 sigma^6 in this chart
print(f"  largest / smallest ellipse area: {np.max(w * h) / np.min(w * h):.2f} "
      f"(closed form (sigma_max / sigma_min)^3 = {(sig.max() / sig.min()) ** 3:.2f}, "
      f"largest at the smallest sigma)")
ax.set_title(f"The same family, natural chart θ = (μ/σ², −1/(2σ²)), s = {S_NAT}\n"
             "ellipses are large where σ is small")
ax.set_xlabel("θ₁ = μ / σ²")
ax.set_ylabel("θ₂ = −1 / (2σ²)")
ax.set_aspect("equal")
ax.set_ylim(-2.75, 0.0)
fig.legend(loc="outside lower center", ncols=2, fontsize=9)

# %%
# The Beta family: information about the mean and about the precision
# ---------------------------------------------------------------------
# For :math:`\mathrm{Beta}(a, b)`,
# :math:`I_{aa} = \psi'(a) - \psi'(a+b)`, :math:`I_{ab} = -\psi'(a+b)`,
# :math:`I_{bb} = \psi'(b) - \psi'(a+b)` (:math:`\psi'` the trigamma function). Away from
# the corner the ellipses are long and thin, stretched along the rays
# :math:`a/(a+b) = \text{const}` (dotted): moving along a ray changes only the precision
# :math:`a + b`, which the data reveal slowly (information :math:`\sim 1/(a+b)^2`),
# while crossing the rays changes the mean, which is learnt fast (information
# :math:`\sim a + b`). We print the angle between the long axis and the ray, and check the
# library's metric against the trigamma formula (``scipy.special.polygamma``).

a_grid, b_grid = np.meshgrid([0.6, 1.5, 3.0, 5.0], [0.6, 1.5, 3.0, 5.0])
grid_beta = np.stack([a_grid, b_grid], axis=-1)
fig, ax = plt.subplots(figsize=(6.2, 6), layout="constrained")
for m in [0.15, 0.3, 0.5, 0.7, 0.85]:
    ax.plot([0, 6.5 * m / max(m, 1 - m)], [0, 6.5 * (1 - m) / max(m, 1 - m)], ":",
            color="0.6", lw=0.8)
ig.plotting.plot_metric_ellipses(B, grid_beta, ax=ax, scale=S, color="C2")
ax.plot(a_grid.ravel(), b_grid.ravel(), ".", color="C2", ms=2)
width_b, height_b, angle_b = ig.plotting.metric_ellipses(B, grid_beta, scale=S)
trigamma = polygamma(1, grid_beta)
mixed = polygamma(1, a_grid + b_grid)
closed_beta = np.stack([np.stack([trigamma[..., 0] - mixed, -mixed], -1),
                        np.stack([-mixed, trigamma[..., 1] - mixed], -1)], -2)
long_axis = np.where(width_b >= height_b, angle_b, angle_b + 90.0)
ray = np.degrees(np.arctan2(b_grid, a_grid))
tilt = (long_axis - ray + 90.0) % 180.0 - 90.0
print("\nBeta family, chart (a, b):")
print(f"  max |I(a, b) - trigamma formula| = "
      f"{np.max(np.abs(B.metric_matrix(grid_beta) - closed_beta)):.2e}")
print("  a + b   long/short axis   angle(long axis, ray a/(a+b) = const) [deg]")
for idx in [(0, 0), (1, 1), (2, 2), (3, 3), (0, 3), (1, 3)]:
    ratio = max(width_b[idx], height_b[idx]) / min(width_b[idx], height_b[idx])
    print(f"  {a_grid[idx] + b_grid[idx]:5.1f}   {ratio:15.2f}   {tilt[idx]:+10.1f}"
          f"   (a, b) = ({a_grid[idx]}, {b_grid[idx]})")
ax.set_title(f"Beta family, chart (a, b), s = {S}\n"
             "ellipses stretch along the rays of constant mean")
ax.set_xlabel("a")
ax.set_ylabel("b")
ax.set_xlim(0.0, 6.5)
ax.set_ylim(0.0, 6.5)
ax.set_aspect("equal")

plt.show()
