r"""
Geodesics and Fisher–Rao balls of the normal family
====================================================

The normal distributions :math:`N(\mu, \sigma^2)` form a half-plane
:math:`\{(\mu, \sigma) : \sigma > 0\}`. With the Fisher metric

.. math::

    ds^2 = \frac{d\mu^2 + 2\,d\sigma^2}{\sigma^2}

it is a hyperbolic plane: with :math:`u = \mu/\sqrt2` the metric is
:math:`2(du^2 + d\sigma^2)/\sigma^2`, twice the Poincaré half-plane. So the shortest
paths (geodesics) are the vertical lines :math:`\mu = \text{const}` and the half-circles
of the :math:`(u, \sigma)` plane centred on :math:`\sigma = 0` — in :math:`(\mu, \sigma)`
*half-ellipses* :math:`(\mu - c)^2/2 + \sigma^2 = R^2`, √2 times as wide as high. The
Fisher–Rao distance has the closed form

.. math::

    d = \sqrt2\,\operatorname{arccosh}\!\left(1 +
    \frac{(\mu_1-\mu_2)^2/2 + (\sigma_1-\sigma_2)^2}{2\sigma_1\sigma_2}\right).

Distances are relative to σ: two distributions with a small σ are far apart even when
their means are close. This script draws geodesics, compares them with the Euclidean
segments, and draws Fisher–Rao balls — small near :math:`\sigma \to 0`, large at large
σ, and not centred where their Euclidean centre is.

Sources: S. Amari & H. Nagaoka, *Methods of Information Geometry* (2000), §2;
S. I. R. Costa, S. A. Santos & J. E. Strapasson, "Fisher information distance: a
geometrical reading", *Discrete Applied Mathematics* 197 (2015), arXiv:1210.2354.
"""

import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig

N = ig.manifolds.Normal()  # chart (mu, sigma)


def closed_form_distance(a, b):
    """The arccosh formula above, written out (independent of the library)."""
    (m1, s1), (m2, s2) = np.moveaxis(np.asarray(a), -1, 0), np.moveaxis(np.asarray(b), -1, 0)
    return np.sqrt(2) * np.arccosh(1 + ((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (2 * s1 * s2))


# %%
# Geodesics are half-ellipses, not straight lines
# ------------------------------------------------
# We join pairs of points by their geodesic (``N.geodesic``, closed form) and by the
# straight Euclidean segment. The geodesic between two distributions with the same σ
# bulges upwards: it is shorter to widen the distribution, move the mean where a shift is
# cheap (large σ) and narrow it again. Each geodesic is part of a half-ellipse whose
# centre :math:`c` lies on the axis σ = 0; we draw the whole half-ellipse dotted and check
# that the computed curve stays on it.

pairs = np.array([
    [[-2.0, 0.6], [2.0, 0.6]],
    [[-1.0, 1.8], [3.0, 0.5]],
    [[-3.5, 0.4], [-3.5, 3.0]],   # same mean: a vertical line
    [[0.5, 2.6], [4.0, 2.6]],
])
t = np.linspace(0.0, 1.0, 400)
curves = N.geodesic(pairs[:, 0], end_point=pairs[:, 1])(t)  # [4, 400, 2]
segments = pairs[:, :1] + t[:, None] * (pairs[:, 1:] - pairs[:, :1])

fig, ax = plt.subplots(figsize=(9, 4.7), layout="constrained")
ig.plotting.plot_geodesics(N, pairs, ax=ax, n_points=200, color="C0", lw=2,
                           label="Fisher–Rao geodesic")
for k, seg in enumerate(segments):
    ax.plot(seg[:, 0], seg[:, 1], "--", color="0.5", lw=1,
            label="Euclidean segment" if k == 0 else None)

print("pair  d (library)  d (closed form)  length(geodesic)  length(segment)  "
      "ellipse residual")
for k, ((a, b), curve, seg) in enumerate(zip(pairs, curves, segments, strict=True)):
    d_lib, d_cf = float(N.dist(a, b)), float(closed_form_distance(a, b))
    length_geo = float(ig.plotting.curve_length(N, curve))
    length_seg = float(ig.plotting.curve_length(N, seg))
    if a[0] != b[0]:
        # centre from (mu1 - c)^2/2 + s1^2 = (mu2 - c)^2/2 + s2^2
        c = (a[0] ** 2 - b[0] ** 2 - 2 * (b[1] ** 2 - a[1] ** 2)) / (2 * (a[0] - b[0]))
        radius = np.sqrt((a[0] - c) ** 2 / 2 + a[1] ** 2)
        residual = np.max(np.abs(np.sqrt((curve[:, 0] - c) ** 2 / 2 + curve[:, 1] ** 2)
                                 - radius))
        angle = np.linspace(0.0, np.pi, 200)
        ax.plot(c + np.sqrt(2) * radius * np.cos(angle), radius * np.sin(angle), ":",
                color="C0", lw=0.8, label="its half-ellipse" if k == 0 else None)
        ax.plot([c], [0.0], "|", color="C0", ms=10)
    else:
        residual = np.max(np.abs(curve[:, 0] - a[0]))  # stays on the vertical line
    print(f"{k:4d}  {d_lib:11.6f}  {d_cf:15.6f}  {length_geo:16.6f}  {length_seg:15.6f}  "
          f"{residual:16.2e}")

ax.set_title("Geodesics of N(μ, σ²) are half-ellipses\n(μ − c)²/2 + σ² = R², centred on σ = 0")
ax.set_xlabel("μ (mean)")
ax.set_ylabel("σ (standard deviation)")
ax.set_ylim(0.0, 4.2)
ax.set_xlim(-5.0, 6.5)
ax.set_aspect("equal")
fig.legend(loc="outside lower center", ncols=3)

# %%
# The closed-form distance, on random pairs
# ------------------------------------------
# ``N.dist`` uses the half-plane formulas of the library; the function
# ``closed_form_distance`` above types in the arccosh formula; the Fisher length of the
# geodesic curve (``ig.plotting.curve_length``, midpoint rule on 400 points) is a third,
# numeric check. The three agree, and every Euclidean segment is longer.

rng = np.random.default_rng(0)
a = N.random_point(rng, 200)
b = N.random_point(rng, 200)
lengths = ig.plotting.curve_length(N, N.geodesic(a, end_point=b)(t))
print(f"\n200 random pairs: max |N.dist - closed form| = "
      f"{np.max(np.abs(N.dist(a, b) - closed_form_distance(a, b))):.2e}, "
      f"max |length(geodesic) - closed form| / d = "
      f"{np.max(np.abs(lengths - closed_form_distance(a, b)) / closed_form_distance(a, b)):.2e}")

# %%
# Fisher–Rao balls: small near σ = 0, large at large σ
# -----------------------------------------------------
# The ball of radius r around :math:`(\mu_0, \sigma_0)` is the set of distributions at
# Fisher–Rao distance r (``ig.plotting.plot_fisher_rao_ball`` follows the geodesics of
# length r in every direction). On the hyperbolic plane a geodesic circle is a Euclidean
# circle of the :math:`(u, \sigma)` plane, here an ellipse of :math:`(\mu, \sigma)` with
#
# .. math::
#
#     \text{centre } \big(\mu_0,\ \sigma_0\cosh(r/\sqrt2)\big), \qquad
#     \text{half-height } \sigma_0\sinh(r/\sqrt2), \qquad
#     \text{half-width } \sqrt2\,\sigma_0\sinh(r/\sqrt2).
#
# Its size is proportional to :math:`\sigma_0` — the same radius r looks tiny near the
# boundary and huge far from it — and its Euclidean centre (×) sits *above* the
# Fisher–Rao centre (+): the ball reaches further towards large σ, where distances
# are cheap, than towards σ = 0.

fig, ax = plt.subplots(figsize=(9, 4.6), layout="constrained")
centres = np.array([[-4.0, 0.25], [-1.0, 0.7], [4.0, 1.6]])
radii = [0.4, 0.8, 1.2]
print("\n  mu0  sigma0     r   max|d(centre, ring) - r|   "
      "Euclid. centre sigma (ring)  sigma0*cosh(r/sqrt2)   half-height  sigma0*sinh(r/sqrt2)")
for j, centre in enumerate(centres):
    for r, style in zip(radii, ["-", "--", ":"], strict=True):
        ig.plotting.plot_fisher_rao_ball(N, centre, r, ax=ax, color=f"C{j + 1}", ls=style)
        ring = ig.plotting.fisher_rao_circle(N, centre, r, n_points=721)
        top, bottom = ring[:, 1].max(), ring[:, 1].min()
        ax.plot([centre[0]], [0.5 * (top + bottom)], "x", color=f"C{j + 1}", ms=5)
        gap = np.max(np.abs(N.dist(np.broadcast_to(centre, ring.shape), ring) - r))
        print(f"{centre[0]:5.1f}  {centre[1]:6.2f}  {r:4.1f}  {gap:24.2e}   "
              f"{0.5 * (top + bottom):26.4f}  {centre[1] * np.cosh(r / np.sqrt(2)):20.4f}  "
              f"{0.5 * (top - bottom):12.4f}  {centre[1] * np.sinh(r / np.sqrt(2)):20.4f}")

for r, style in zip(radii, ["-", "--", ":"], strict=True):
    ax.plot([], [], color="k", ls=style, label=f"r = {r}")  # legend entries only
ax.axhline(0.0, color="k", lw=0.8)
ax.set_title("Fisher–Rao balls of radius 0.4, 0.8, 1.2\n"
             "(+ the centre, × the Euclidean centre of each ring)")
ax.set_xlabel("μ (mean)")
ax.set_ylabel("σ (standard deviation)")
ax.set_aspect("equal")
ax.set_ylim(-0.1, 4.0)
ax.set_xlim(-5.0, 6.5)
fig.legend(loc="outside lower center", ncols=3, title="line style: radius")

plt.show()
