"""
Adaptive Fisher approximation, layer by layer
=============================================

A network's Fisher matrix can be approximated per layer in several ways — its diagonal,
K-FAC, EKFAC, low rank plus diagonal, or the exact layer block — at very different
costs. :func:`infogeo.learning.adaptive_curvature` measures, every few steps, how much
of the quadratic model's reduction each candidate's preconditioned direction achieves
(through exact Fisher quadratic forms, no Fisher matrix formed) and picks per
layer the cheapest one within a tolerance and a flop budget, with hysteresis.

Here the budget is generous for the first 40 steps and then cut, so the choice moves to
cheaper approximations.
"""

# %%
# Train a small classifier with the adaptive curvature
# -----------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from infogeo.flows.transforms import apply_updates
from infogeo.learning import CANDIDATES, MLP, NetworkObjective, adaptive_natural_gradient

rng = np.random.default_rng(0)
centers = rng.standard_normal((4, 10)) * 0.5
y = rng.integers(0, 4, 300)
X = centers[y] + rng.standard_normal((300, 10))
net = MLP([10, 12, 8, 4], activation="tanh", output="softmax")
obj = NetworkObjective(net, X, y, rng=np.random.default_rng(1))
params = net.init_params(np.random.default_rng(2))


def budget(step):
    return 5e6 if step < 40 else 2e5  # flops per layer and step


opt = adaptive_natural_gradient(obj.stats, budget=budget, probe_every=5)
state = opt.init(params)
losses = []
for _ in range(80):
    value, grad = obj.value_and_grad(params)
    losses.append(value)
    updates, state = opt.update(grad, state, params, value=value, grad=grad,
                                loss_fn=obj.loss, grad_fn=obj.grad)
    params = apply_updates(params, updates)
history = state[1].history  # the adaptive_curvature piece is second in the chain
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}; {len(history)} measurements; curvature "
      f"{state[1].flops / 1e6:.1f} Mflop")

# %%
# Which approximation each layer used, and how long it was kept
# --------------------------------------------------------------
# Top: the choice of each layer over training (dots: steps where it was measured).
# Middle: each layer's refresh interval (steps between rebuilds; stale in between).
# Bottom: the lost fraction of the best candidate's model reduction, layer 0.
steps = [r.step for r in history]
fig, (ax, ax1, ax2) = plt.subplots(3, 1, figsize=(7, 7.5), sharex=True)
for l in range(net.n_layers):
    idx = [CANDIDATES.index(r.choices[l]) + 0.08 * (l - 1) for r in history]
    ax.step(steps + [80], idx + idx[-1:], where="post", label=f"layer {l}")
    ax.plot(steps, idx, "k.", ms=3)
    ax1.step(steps, [r.refresh[l] * 1.04 ** l for r in history], where="post",
             label=f"layer {l}")
for a in (ax, ax1):
    a.axvline(40, color="grey", ls=":", label="budget cut")
ax.set_yticks(range(len(CANDIDATES)), CANDIDATES)
ax.set_title("per-layer Fisher approximation chosen during training")
ax.legend(fontsize=8, loc="center right")
ax1.set_yscale("log", base=2)
ax1.set_ylabel("refresh interval")
ax1.legend(fontsize=8, loc="upper left")
for c in CANDIDATES:
    pts = [(r.step, max(r.errors[0][c], 1e-4)) for r in history if c in r.errors[0]]
    if pts:
        ax2.semilogy(*zip(*pts, strict=True), "o-", ms=3, label=c)
ax2.axhline(0.1, color="k", lw=0.8, ls="--", label="tolerance")
ax2.set_xlabel("training step")
ax2.set_ylabel("lost reduction (layer 0)")
ax2.legend(fontsize=8, ncol=3)
fig.tight_layout()
plt.show()
