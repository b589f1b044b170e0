"""Adaptive per-layer Fisher approximation vs every fixed choice, on the K-FAC benchmark
networks.

Run: ``python benchmarks/bench_adaptive.py [--quick] [--long] [--seed 0] [--seeds N]``

Problems (data and networks of ``bench_kfac.py``): classifiers 64-16-10 and 64-32-10
and the deep autoencoder 64-32-16-8-16-32-64 on the synthetic 8x8 digits (600 training
rows, 300 held out). Every optimizer is the same chain — Levenberg–Marquardt damping, a
curvature piece, preconditioning, learning rate and momentum from the quadratic model of
the exact Fisher (``learning.adaptive_natural_gradient``) — and differs only in the
per-layer curvature: one fixed approximation for all layers (``candidates=(name,)``)
rebuilt every ``refresh`` steps (1, 2, 4, ..., 32; reused stale in between), or the
adaptive choice (default settings, budget 1e7 flops per layer) over all five candidates
with adaptive refresh up to 32 steps. The exact block and low rank run at periods 1 and
32 only (they are never close in cost).

Quality target: the training data loss reaches the problem's target (the first iteration
at or below it; 0.1 for the classifiers, 0.6 for the autoencoder, or with ``--long``
0.02 and 0.4); the held-out loss there is printed too. Cost, three measures:

* **curvature flops** counted by the curvature piece (building and applying the
  approximations, stale solves, and for the adaptive choice every probe), see
  ``infogeo.learning.probes``;
* **total flops**: curvature flops plus, per iteration, the work every optimizer does
  (forward pass 2NP, backward pass for the gradient and the Monte Carlo column 8NP, the
  two forward-mode passes of the quadratic model 8NP: 18 N P per iteration) — without
  it, never rebuilding looks free however many extra iterations it costs;
* **wall time** to the target (whole step), median over ``--repeats`` runs interleaved
  in one process, BLAS pinned to one thread.

Ratios are fixed-choice cost / adaptive cost, measured in the same run (> 1: adaptive
cheaper); a fixed choice that does not reach the target within the cap counts as not
reached. For the adaptive runs the measurement flops (``AdaptiveState.probe_flops``:
probe forms, candidates built only to be compared, the extra stale solves) are printed
too, and the **bound**: the total with them excluded — what the same choices would cost
if measuring were free. A bound above the best fixed total means no cheaper measurement
can make that policy win.

With ``--seeds N`` it runs instead, for both targets, the competitive fixed choices and
the two adaptive ones over N curvature seeds (Monte Carlo Fisher draws), and prints the
median total flops, their spread and in how many seeds each adaptive run was below the
best fixed choice of the same seed.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from bench_kfac import load_data  # noqa: E402

from infogeo.flows.transforms import apply_updates, tree_get  # noqa: E402
from infogeo.learning import (  # noqa: E402
    CANDIDATES,
    MLP,
    NetworkObjective,
    adaptive_natural_gradient,
)


def run(objective, params, optimizer, target, max_iter):
    """Steps until the data loss reaches ``target``; returns iterations (None if not
    reached), wall seconds, curvature flops, final params and state."""
    state = optimizer.init(params)
    value, grad = objective.value_and_grad(params)
    start = time.perf_counter()
    for k in range(max_iter):
        if value <= target:
            return k, time.perf_counter() - start, tree_get(state, "flops"), params, state
        updates, state = optimizer.update(grad, state, params, value=value, grad=grad,
                                          loss_fn=objective.loss, grad_fn=objective.grad)
        params = apply_updates(params, updates)
        value, grad = objective.value_and_grad(params)
        if not np.isfinite(value):
            break
    return None, time.perf_counter() - start, tree_get(state, "flops"), params, state


PERIODS = (1, 2, 4, 8, 16, 32)


def configurations():
    """(label, keywords of adaptive_natural_gradient) for every fixed choice and the
    adaptive one."""
    out = []
    for name in CANDIDATES:
        periods = (1, 32) if name in ("lowrank", "block") else PERIODS
        out += [(f"{name} r{r}", dict(candidates=(name,), refresh=r)) for r in periods]
    out.append(("kfac adaptive-r", dict(candidates=("kfac",))))
    out.append(("adaptive", dict(candidates=CANDIDATES, budget=1e7)))
    return out


ADAPTIVE = ("kfac adaptive-r", "adaptive")


def compare(title, net, X, Y, X_te, Y_te, target, seed, max_iter, repeats):
    obj = NetworkObjective(net, X, Y, rng=np.random.default_rng(seed + 2))
    p0 = net.init_params(np.random.default_rng(seed + 1))
    base = 18.0 * len(X) * net.n_params
    print(f"\n== {title} {net.layer_sizes}: {net.n_params} parameters, N = {len(X)}, "
          f"target data loss {target:g}, cap {max_iter} iterations, {repeats} repeats")
    configs = configurations()
    rows, times = {}, {label: [] for label, _ in configs}
    for rep in range(repeats):
        for label, kw in configs:
            if rep and rows[label][0] is None:
                continue  # not reached: no point timing it again
            obj.rng = np.random.default_rng(seed + 2)  # same Monte Carlo labels for all
            res = run(obj, p0, adaptive_natural_gradient(obj.stats, **kw), target, max_iter)
            rows[label] = res
            times[label].append(res[1])
    ad_it, _, ad_f, _, ad_state = rows["adaptive"]
    ad_total, ad_t = ad_f + base * (ad_it or max_iter), float(np.median(times["adaptive"]))
    print(f"  {'curvature':16s} {'iters':>5s} {'curv Gflop':>10s} {'tot Gflop':>9s} "
          f"{'wall s':>6s} {'held-out':>8s}   ratio fixed/adaptive: {'curv':>6s} "
          f"{'total':>6s} {'wall':>6s}")
    losses = {}
    for label, (it, _, f, params, _) in rows.items():
        t = float(np.median(times[label]))
        if it is None:
            print(f"  {label:16s} {'>' + str(max_iter):>5s}  not reached")
            continue
        total = f + base * it
        losses[label] = (f, total, t)
        held = net.loss(params, X_te, Y_te)
        print(f"  {label:16s} {it:5d} {f / 1e9:10.4f} {total / 1e9:9.4f} {t:6.3f} "
              f"{held:8.4f}   {'':22s}{f / ad_f:6.2f} {total / ad_total:6.2f} "
              f"{t / ad_t:6.2f}")
    fixed = {lab: c[1] for lab, c in losses.items() if lab not in ADAPTIVE}
    best = min(fixed, key=fixed.__getitem__) if fixed else None
    for label in ADAPTIVE:
        it, _, f, _, st = rows[label]
        if it is None or best is None:
            continue
        pf = tree_get(st, "probe_flops")
        bound = f - pf + base * it
        print(f"  {label}: measurement {pf / 1e9:.4f} Gflop; bound (total without it) "
              f"{bound / 1e9:.4f} against the best fixed total {fixed[best] / 1e9:.4f} "
              f"({best}): " + ("below" if bound < fixed[best] else "not below"))
    history = tree_get(ad_state, "history")
    if history:
        print("  adaptive: choices and refresh intervals per layer (step: ...):")
        last = None
        for rec in history:
            now = (rec.choices, rec.refresh)
            if now != last:
                print(f"    step {rec.step:3d}: " + ", ".join(
                    f"{c}/{r}" for c, r in zip(*now, strict=True)))
                last = now
    if ad_it is None:
        print("  adaptive did not reach the target")
        return rows
    for k, name in enumerate(("curvature flops", "total flops", "wall time")):
        beaten = [lab for lab, c in losses.items() if lab != "adaptive" and c[k] <= losses[
            "adaptive"][k]]
        print(f"  adaptive cheaper in {name} than every fixed choice that reached the "
              f"target: " + ("yes" if not beaten else f"no (not: {', '.join(beaten)})"))
    return rows


def seed_study(title, net, X, Y, targets, seeds, max_iter, seed=0):
    """Total flops to each target over ``seeds`` curvature seeds, for the competitive
    fixed choices (K-FAC at periods 1-8, EKFAC at 2 and 4: the diagonal, low rank and
    exact block are never close in the single-seed tables) and the two adaptive ones.
    A margin of a few percent in one seed's table is only a result if it survives the
    seed-to-seed spread."""
    configs = [(f"kfac r{r}", dict(candidates=("kfac",), refresh=r)) for r in (1, 2, 4, 8)]
    configs += [(f"ekfac r{r}", dict(candidates=("ekfac",), refresh=r)) for r in (2, 4)]
    configs += [("kfac adaptive-r", dict(candidates=("kfac",))),
                ("adaptive", dict(candidates=CANDIDATES, budget=1e7))]
    base = 18.0 * len(X) * net.n_params
    p0 = net.init_params(np.random.default_rng(seed + 1))
    fixed = [label for label, _ in configs if "adaptive" not in label]
    out = {}
    for target in targets:
        totals: dict[str, list[float]] = {label: [] for label, _ in configs}
        for s in range(seeds):
            obj = NetworkObjective(net, X, Y, rng=np.random.default_rng(seed + 2 + s))
            for label, kw in configs:
                obj.rng = np.random.default_rng(seed + 2 + s)
                it, _, f, _, _ = run(obj, p0, adaptive_natural_gradient(obj.stats, **kw),
                                     target, max_iter)
                totals[label].append((f + base * (it if it is not None else max_iter)) / 1e9)
        best_fixed = min(fixed, key=lambda label: np.median(totals[label]))
        per_seed_best = np.min([totals[label] for label in fixed], axis=0)
        print(f"\n== {title} {net.layer_sizes}, target {target:g}: total Gflop over {seeds} "
              "curvature seeds")
        print(f"  {'curvature':16s} {'median':>7s} {'IQR':>15s}   below the best fixed "
              "choice of the same seed")
        for label, v in totals.items():
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            wins = (f"{int(np.sum(np.array(v) < per_seed_best))}/{seeds}"
                    if "adaptive" in label else "")
            print(f"  {label:16s} {med:7.4f} {f'{q1:.4f}-{q3:.4f}':>15s}   {wins}")
        for label in ("kfac adaptive-r", "adaptive"):
            ratio = np.median(totals[best_fixed]) / np.median(totals[label])
            print(f"  {label}: median {ratio:.3f}x cheaper than the best fixed choice "
                  f"({best_fixed})" if ratio > 1 else f"  {label}: median "
                  f"{1 / ratio:.3f}x the cost of the best fixed choice ({best_fixed})")
        out[target] = totals
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one classifier, one repeat")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--long", action="store_true",
                        help="the longer targets: 0.02 (classifiers), 0.4 (autoencoder)")
    parser.add_argument("--seeds", type=int, default=0, metavar="N",
                        help="instead: total flops over N curvature seeds, both targets")
    args = parser.parse_args()
    t0 = time.perf_counter()
    X, y, source = load_data(args.seed, False)
    X = X / 16.0
    n = 600
    repeats = 1 if args.quick else args.repeats
    print(f"data: {source}, {n} training rows, 300 held out; numpy {np.__version__}")
    tr, te = slice(0, n), slice(n, n + 300)
    if args.seeds:
        for width in ([16] if args.quick else [16, 32]):
            seed_study("classifier", MLP([64, width, 10], activation="tanh",
                                         output="softmax"), X[tr], y[tr], (0.1, 0.02),
                       args.seeds, 1000, args.seed)
        if not args.quick:
            seed_study("deep autoencoder", MLP([64, 32, 16, 8, 16, 32, 64], activation="tanh",
                                               output="gaussian"), X[tr], X[tr], (0.6, 0.4),
                       args.seeds, 1000, args.seed)
        print(f"\ntotal {time.perf_counter() - t0:.1f}s")
        return
    for width in ([16] if args.quick else [16, 32]):
        compare("classifier", MLP([64, width, 10], activation="tanh", output="softmax"),
                X[tr], y[tr], X[te], y[te], 0.02 if args.long else 0.1, args.seed, 300,
                repeats)
    if not args.quick:
        ae = MLP([64, 32, 16, 8, 16, 32, 64], activation="tanh", output="gaussian")
        compare("deep autoencoder", ae, X[tr], X[tr], X[te], X[te],
                0.4 if args.long else 0.6, args.seed, 300, repeats)
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
