"""
Federated natural gradient vs FedAvg on non-IID clients
=======================================================

Six clients hold 8x8 digit images whose labels are split by a Dirichlet(0.3) prior, so
each client sees mostly two or three digits. The server trains a multinomial logistic
regression without ever seeing the data:

* **FedAvg** — clients run two epochs of SGD on their own data, the server averages the
  models. On non-IID data each client drifts towards its *own* optimum, and the average
  stalls above the optimum of the pooled data.
* **federated natural gradient** — clients send their gradient and their Fisher
  statistics; the server takes the step :math:`(\\sum_k w_kF_k + \\lambda I)^{-1}
  \\sum_k w_k g_k` of the *pooled* problem (exact Fisher: the centralized natural-gradient
  step, to rounding), with the exact, diagonal or K-FAC Fisher.

The runs use Flower's simulation engine when Flower is installed (extra ``federated``);
otherwise the same server and client code runs in-process (``engine="local"``), and the
figure title says which.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from infogeo.federated import (
    centralized_natural_gradient,
    flower_available,
    make_problem,
    simulate,
)

engine = "flower" if flower_available() else "local"
setup = dict(problem="logistic", n_clients=6, alpha=0.3, seed=0, n_data=600, engine=engine)
prob = make_problem("logistic", 6, 0.3, 0, n_data=600)
optimum = centralized_natural_gradient(prob, max_iter=50).losses[-1]
gap0 = prob.loss(prob.theta0) - optimum
print(f"engine: {engine}; client sizes {[len(p) for p in prob.partitions]}; "
      f"pooled optimum L* = {optimum:.4f}")

# %%
# Each run returns a history: the global training loss and the bytes sent per round.
# (The exact-Fisher run stops once it is at the optimum to rounding.)
runs = {
    "FedAvg (2 local epochs)": simulate("fedavg", rounds=20, lr=1.0, **setup),
    "natural gradient, exact Fisher": simulate("natural_gradient", rounds=20,
                                               fisher="exact", **setup,
                                               target_loss=optimum + 1e-12 * gap0),
    "natural gradient, K-FAC": simulate("natural_gradient", rounds=20, fisher="kfac",
                                        **setup),
    "natural gradient, diagonal": simulate("natural_gradient", rounds=20,
                                           fisher="diagonal", **setup),
}
for name, h in runs.items():
    r = h.rounds_to(optimum + 1e-3 * gap0)
    print(f"{name:32s} rounds to 0.1 % of the gap: {r if r is not None else '> 20'}; "
          f"{h.bytes_per_client[1] / 1e3:8.1f} kB per client per round")

# %%
# The exact Fisher costs :math:`8d^2` bytes per client and round (:math:`d = 650`), the
# K-FAC factors :math:`8(65^2 + 10^2)`, the diagonal :math:`8d`: plotted against the bytes
# sent, the cheap approximations and FedAvg get more rounds for the same budget.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
for name, h in runs.items():
    gap = np.maximum((h.loss - optimum) / gap0, 1e-12)  # below: rounding of the loss
    ax1.semilogy(h.rounds, gap, marker="o", ms=3, label=name)
    ax2.loglog(h.cumulative_bytes[1:], gap[1:], marker="o", ms=3, label=name)
for ax in (ax1, ax2):
    ax.axhline(1e-3, color="gray", lw=0.8, ls="--")
    ax.grid(True, which="both", alpha=0.3)
ax1.set_xlabel("round")
ax1.set_ylabel(r"$(L(\theta) - L^*)\,/\,(L(\theta_0) - L^*)$")
ax2.set_xlabel("bytes communicated (all clients, both directions)")
ax1.legend(fontsize=8)
where = ("Flower simulation engine" if engine == "flower"
         else "in-process loop (Flower not installed)")
fig.suptitle(f"Logistic regression on digits, 6 non-IID clients (Dirichlet 0.3); {where}",
             fontsize=10)
fig.tight_layout()
plt.show()
