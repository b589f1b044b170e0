r"""
The Fisher–Rao geometry of covariance matrices
===============================================

The centred normal distributions :math:`N(0, \Sigma)` in :math:`\mathbb R^d` are indexed
by the symmetric positive-definite (SPD) matrices, an open convex *cone*: a positive
multiple of an SPD matrix, and the sum of two, are SPD. Its Fisher metric is

.. math::

    ds^2 = \tfrac12\operatorname{tr}\big(\Sigma^{-1}d\Sigma\,\Sigma^{-1}d\Sigma\big),

which does not change under :math:`\Sigma \mapsto A\Sigma A^\top` for any invertible
:math:`A` (if :math:`x \sim N(0, \Sigma)` then :math:`Ax \sim N(0, A\Sigma A^\top)`, and a
relabelling of the data cannot change how distinguishable two models are). This is
half the *affine-invariant* metric of the SPD cone. Its geodesics and distance have
closed forms:

.. math::

    \Sigma(t) = \Sigma_0^{1/2}\big(\Sigma_0^{-1/2}\Sigma_1\Sigma_0^{-1/2}\big)^{t}
    \Sigma_0^{1/2}, \qquad
    d(\Sigma_0, \Sigma_1) = \sqrt{\tfrac12\textstyle\sum_i \log^2\lambda_i},

with :math:`\lambda_i` the eigenvalues of :math:`\Sigma_0^{-1}\Sigma_1`. Two facts follow
that the flat (Euclidean) geometry of matrices does not have: the boundary of the cone —
the singular matrices — is infinitely far away, and :math:`\log\det\Sigma(t)` is linear
in t, so interpolating along a geodesic never inflates the volume ("swelling") the way
averaging matrices entry by entry does. With a mean that moves as well,
:math:`N(\mu, \Sigma)` adds :math:`d\mu^\top\Sigma^{-1}d\mu` to the metric and the
geodesics have no closed form in general (``ig.manifolds.MultivariateNormal`` shoots
them); drawn as ellipses they show how the covariance widens to let the mean move
cheaply, as the geodesics of the univariate half-plane bulge upwards.

Sources: L. T. Skovgaard, "A Riemannian geometry of the multivariate normal model",
*Scand. J. Statist.* 11 (1984); X. Pennec, P. Fillard & N. Ayache, "A Riemannian
framework for tensor computing", *IJCV* 66 (2006); R. Bhatia, *Positive Definite
Matrices* (2007), ch. 6; M. Calvo & J. M. Oller, "An explicit solution of information
geodesic equations for the multivariate normal model", *Statistics & Decisions* 9
(1991).
"""

import matplotlib.pyplot as plt
import numpy as np

import infogeo as ig

F = ig.manifolds.FixedMeanNormal(2)  # point = (Sigma00, Sigma01, Sigma11)


def closed_form_distance(s0, s1):
    """sqrt(1/2 sum log^2 of the eigenvalues of s0^-1 s1), typed in from above."""
    lam = np.linalg.eigvals(np.linalg.solve(s0, s1)).real
    return np.sqrt(0.5 * np.sum(np.log(lam) ** 2))


def cone_coordinates(points):
    """[[a, b], [b, c]] -> ((a - c)/2, b, (a + c)/2): SPD iff the third exceeds the norm
    of the first two, so the 2x2 SPD matrices fill a circular cone."""
    a, b, c = np.moveaxis(np.asarray(points), -1, 0)
    return np.stack([(a - c) / 2, b, (a + c) / 2], axis=-1)


# %%
# The cone, its geodesics, and the checks
# ---------------------------------------
# In the coordinates :math:`((a-c)/2,\ b,\ (a+c)/2)` of
# :math:`\Sigma = \begin{pmatrix}a & b\\ b & c\end{pmatrix}` the condition
# :math:`ac > b^2` reads :math:`z > \sqrt{x^2 + y^2}`: a round cone. We draw Fisher–Rao
# geodesics (``F.geodesic``) between pairs of matrices with the straight chords between
# them, and geodesic rays from the identity, :math:`\exp_I(tV) = e^{tV}`, to distance 2
# in directions that shrink the volume: the rays head for the boundary, bend away from
# it, and never reach it (an eigenvalue :math:`e^{t\lambda}` of :math:`e^{tV}` is never
# 0). Then the checks: the library's distance against the eigenvalue formula, the
# Fisher length of the drawn geodesics (``ig.plotting.curve_length``), the invariance
# under congruence by random matrices, and the linearity of :math:`\log\det` along a
# geodesic.

rng = np.random.default_rng(4)
pairs = [([[3.0, 1.2], [1.2, 0.6]], [[0.5, -0.3], [-0.3, 2.5]]),
         ([[2.0, 0.0], [0.0, 2.0]], [[0.3, 0.2], [0.2, 0.3]]),
         ([[0.6, -0.5], [-0.5, 2.8]], [[2.6, 1.4], [1.4, 1.0]])]
t = np.linspace(0.0, 1.0, 201)
print("pair   d (library)   d (eigenvalues)   Fisher length of the curve   "
      "max |log det - linear|")
geodesics, chords = [], []
for k, (s0, s1) in enumerate(pairs):
    p0, p1 = F.pack(s0), F.pack(s1)
    curve = F.geodesic(p0, end_point=p1)(t)
    geodesics.append(curve)
    chords.append((1 - t[:, None]) * p0 + t[:, None] * p1)
    logdet = np.linalg.slogdet(F.unpack(curve))[1]
    linear = (1 - t) * logdet[0] + t * logdet[-1]
    exact = closed_form_distance(np.array(s0), np.array(s1))
    print(f"{k:4d}   {float(F.dist(p0, p1)):11.6f}   {exact:15.6f}   "
          f"{float(ig.plotting.curve_length(F, curve)):26.6f}   "
          f"{np.max(np.abs(logdet - linear)):.1e}")
gaps = []
for _ in range(20):
    A = rng.normal(size=(2, 2))
    s0, s1 = F.unpack(F.random_point(rng, 2))
    gaps.append(abs(float(F.dist(F.pack(A @ s0 @ A.T), F.pack(A @ s1 @ A.T)))
                    - float(F.dist(F.pack(s0), F.pack(s1)))))
print(f"congruence Sigma -> A Sigma A^T, 20 random A: max |d change| = {max(gaps):.1e}")

angles = np.linspace(0.0, 2 * np.pi, 9)[:-1]
ray_t = np.linspace(0.0, 2.0, 121)
identity = F.pack(np.eye(2))
rays = []
for phi in angles:
    # a direction of Fisher length 1 at I: V with 1/2 tr V^2 = 1, a mix of the
    # trace-free directions (cos, sin) and shrinking, -I
    V = np.array([[np.cos(phi), np.sin(phi)], [np.sin(phi), -np.cos(phi)]]) - 0.5 * np.eye(2)
    V = V / np.sqrt(0.5 * np.trace(V @ V))
    rays.append(F.exp(ray_t[:, None] * F.pack(V), identity))
print(f"rays from I: Fisher distance of the end points {float(F.dist(identity, rays[0][-1])):.4f}"
      f" (the ray's length 2), smallest eigenvalue reached "
      f"{min(np.linalg.eigvalsh(F.unpack(r[-1])).min() for r in rays):.4f} > 0")

fig = plt.figure(figsize=(9, 7), layout="constrained")
ax = fig.add_subplot(projection="3d")
height = np.linspace(0.0, 3.0, 31)
turn = np.linspace(0.0, 2 * np.pi, 60)
H, U = np.meshgrid(height, turn)
ax.plot_wireframe(H * np.cos(U), H * np.sin(U), H, color="0.8", lw=0.4, rstride=3,
                  cstride=3)
for k, (curve, chord) in enumerate(zip(geodesics, chords, strict=True)):
    xyz, line = cone_coordinates(curve), cone_coordinates(chord)
    ax.plot(*xyz.T, color=f"C{k}", lw=2.5, label="Fisher–Rao geodesic" if k == 0 else None)
    ax.plot(*line.T, "--", color=f"C{k}", lw=1.2, label="straight chord" if k == 0 else None)
    ax.scatter(*xyz[[0, -1]].T, color=f"C{k}", s=25)
for k, ray in enumerate(rays):
    xyz = cone_coordinates(ray)
    ax.plot(*xyz.T, color="k", lw=0.9, alpha=0.7,
            label="geodesic rays from I, length 2" if k == 0 else None)
ax.scatter(*cone_coordinates(identity), color="k", s=30)
ax.set_xlabel("(a − c)/2")
ax.set_ylabel("b")
ax.set_zlabel("(a + c)/2")
ax.set_xlim(-3.0, 3.0)
ax.set_ylim(-3.0, 3.0)
ax.set_zlim(0.0, 3.0)
ax.view_init(elev=18, azim=-60)
ax.set_title("2×2 covariance matrices [[a, b], [b, c]]: the SPD cone")
ax.legend(loc="upper left", fontsize=9)

# %%
# Interpolating covariances: no swelling along the geodesic
# ----------------------------------------------------------
# From :math:`\Sigma_0 = \mathrm{diag}(4, 1/4)` to :math:`\Sigma_1 = \mathrm{diag}(1/4, 4)`,
# two equally thin ellipses, the entrywise average :math:`(1-t)\Sigma_0 + t\Sigma_1`
# passes through :math:`\mathrm{diag}(2.125, 2.125)`, a fat disc holding 4.5 times the
# volume of either end; the Fisher–Rao geodesic passes through the identity, with the
# same determinant as both ends all along. Below, the 2-standard-deviation ellipses
# (``ig.plotting.plot_gaussian_ellipse``) at five times along each path, and the
# determinant along both.

s0, s1 = np.diag([4.0, 0.25]), np.diag([0.25, 4.0])
times = np.linspace(0.0, 1.0, 5)
geo = F.unpack(F.geodesic(F.pack(s0), end_point=F.pack(s1))(times))
flat = (1 - times)[:, None, None] * s0 + times[:, None, None] * s1
fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained",
                         gridspec_kw={"width_ratios": [1.7, 1]})
ax = axes[0]
for i, tau in enumerate(times):
    centre = np.array([9.0 * i, 0.0])
    ig.plotting.plot_gaussian_ellipse(centre + [0.0, 4.5], geo[i], ax=ax, color="C0", lw=2,
                                      label="Fisher–Rao geodesic" if i == 0 else None)
    ig.plotting.plot_gaussian_ellipse(centre - [0.0, 4.5], flat[i], ax=ax, color="C3", lw=2,
                                      label="entrywise average" if i == 0 else None)
    ax.text(centre[0], -9.3, f"t = {tau:g}", ha="center")
ax.set_aspect("equal")
ax.set_xlim(-5.0, 41.0)
ax.set_ylim(-10.0, 9.5)
ax.set_xticks([])
ax.set_yticks([])
ax.set_title("2-SD ellipses of N(0, Σ(t))")
ax.legend(loc="upper center", ncols=2, fontsize=9)
ax = axes[1]
fine = np.linspace(0.0, 1.0, 101)
det_geo = np.linalg.det(F.unpack(F.geodesic(F.pack(s0), end_point=F.pack(s1))(fine)))
det_flat = np.linalg.det((1 - fine)[:, None, None] * s0 + fine[:, None, None] * s1)
ax.plot(fine, det_geo, color="C0", lw=2, label="Fisher–Rao geodesic")
ax.plot(fine, det_flat, color="C3", lw=2, label="entrywise average")
ax.set_xlabel("t")
ax.set_ylabel("det Σ(t)  (squared volume of the ellipse)")
ax.set_title("The geodesic keeps the volume")
ax.legend(fontsize=9)
print(f"\nmax |det along the geodesic - 1| = {np.max(np.abs(det_geo - 1)):.1e}; "
      f"entrywise average at t = 1/2: det = {det_flat[50]:.4f}")

# %%
# Moving the mean too: geodesics of N(μ, Σ)
# ------------------------------------------
# With the mean free, ``ig.manifolds.MultivariateNormal(2)`` (point = mean, then the
# upper triangle of Σ) has no closed-form distance: ``log`` shoots the geodesic with
# Newton's method on Eriksen's closed-form exponential map. Between
# :math:`N((-3, 0), \mathrm{diag}(0.3, 0.3))` and :math:`N((3, 0), \mathrm{diag}(0.3, 0.3))`
# the geodesic does not keep the covariance: it widens the distribution along the
# direction of travel — where a shift of the mean is cheap, since it costs
# :math:`d\mu^\top\Sigma^{-1}d\mu` — and narrows it again, as the univariate geodesics
# of :ref:`sphx_glr_auto_examples_plot_normal_geodesics.py` bulge to larger σ. We check
# that its Fisher length equals ``M.dist`` and that its speed is constant.

M = ig.manifolds.MultivariateNormal(2)
a = M.pack([-3.0, 0.0], np.diag([0.3, 0.3]))
b = M.pack([3.0, 0.0], np.diag([0.3, 0.3]))
path = M.geodesic(a, end_point=b)
curve = path(np.linspace(0.0, 1.0, 401))
speed = np.sqrt(M.squared_norm(np.gradient(curve, 1 / 400, axis=0), curve))[1:-1]
straight = (1 - np.linspace(0, 1, 401))[:, None] * a + np.linspace(0, 1, 401)[:, None] * b
print(f"\nM.dist(a, b) = {float(M.dist(a, b)):.6f}; Fisher length of the geodesic "
      f"{float(ig.plotting.curve_length(M, curve)):.6f}; of the straight path (fixed Σ) "
      f"{float(ig.plotting.curve_length(M, straight)):.6f}")
print(f"speed along the geodesic: min {speed.min():.6f}, max {speed.max():.6f}")
mid_mean, mid_cov = M.unpack(curve[200])
print(f"midpoint: mean {np.round(mid_mean, 4)}, covariance diag "
      f"{np.round(np.diag(mid_cov), 4)} (the ends have 0.3)")

fig, ax = plt.subplots(figsize=(7.5, 6.8), layout="constrained")
row_gap = 2.6  # each time on its own row: the ellipses would hide each other otherwise
for i, tau in enumerate(np.linspace(0.0, 1.0, 7)):
    mean, cov = M.unpack(path([tau])[0])
    shift = np.array([0.0, -row_gap * i])
    ig.plotting.plot_gaussian_ellipse(mean + shift, np.diag([0.3, 0.3]), ax=ax, color="0.6",
                                      lw=1, ls="--", label="the same mean with Σ fixed"
                                      if i == 0 else None)
    ig.plotting.plot_gaussian_ellipse(mean + shift, cov, ax=ax, color="C0", lw=2,
                                      label="Fisher–Rao geodesic" if i == 0 else None)
ax.plot([-3.0, 3.0], [0.0, -row_gap * 6], ":", color="0.4", lw=1)
ax.set_aspect("equal")
ax.set_xlim(-6.0, 6.0)
ax.set_yticks(-row_gap * np.arange(7), [f"t = {tau:.2f}" for tau in np.linspace(0, 1, 7)])
ax.set_xlabel("x₁ (each row: the distribution at time t, drawn at its mean)")
ax.set_title("A geodesic of N(μ, Σ) from N((−3, 0), 0.3 I) to N((3, 0), 0.3 I):\n"
             "the ellipse widens along the direction of travel")
ax.legend(fontsize=9, loc="upper right", framealpha=1)

plt.show()
