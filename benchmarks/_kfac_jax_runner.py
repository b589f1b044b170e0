"""kfac-jax on the same network, data and initial weights (optional ``bench`` extra).

Runs only when jax and kfac-jax are installed; float64 on the CPU; the optimizer with
adaptive learning rate, momentum and damping (kfac-jax's example configuration:
damping adapted every 5 steps by 0.95^5, inverses every 5 steps, factor EMA 0.95).
The first step (jit compilation) is excluded from the time per iteration.
"""

from __future__ import annotations

import functools
import time

import numpy as np


def available() -> bool:
    try:
        import jax  # noqa: F401
        import kfac_jax  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means "not installed"
        return False
    return True


@functools.cache
def _optimizer(layer_sizes: tuple, acts: tuple, classify: bool, l2_reg: float,
               initial_damping: float):
    """One kfac-jax optimizer per network and configuration, reused across runs (and
    seeds), so its step is compiled once."""
    import jax
    import jax.numpy as jnp
    import kfac_jax

    jax.config.update("jax_enable_x64", True)

    def forward(params, x):
        for (w, b), act in zip(params, acts, strict=True):
            pre = x @ w + b
            kfac_jax.register_dense(pre, x, w, b)
            x = jnp.tanh(pre) if act == "tanh" else (jnp.maximum(pre, 0) if act == "relu"
                                                     else pre)
        return x

    def loss_fn(params, batch):
        x, t = batch
        out = forward(params, x)
        if classify:
            kfac_jax.register_softmax_cross_entropy_loss(out, t)
            logp = jax.nn.log_softmax(out)
            loss = -jnp.mean(jnp.take_along_axis(logp, t[:, None], axis=1))
        else:
            kfac_jax.register_squared_error_loss(out, t, weight=0.5)
            loss = 0.5 * jnp.mean(jnp.sum((out - t) ** 2, axis=1))
        if l2_reg:
            loss = loss + 0.5 * l2_reg * sum(jnp.sum(w**2) + jnp.sum(b**2) for w, b in params)
        return loss

    return kfac_jax.Optimizer(
        value_and_grad_func=jax.value_and_grad(loss_fn), l2_reg=l2_reg,
        use_adaptive_learning_rate=True, use_adaptive_momentum=True,
        use_adaptive_damping=True, initial_damping=initial_damping, min_damping=1e-5,
        max_damping=1e3, damping_adaptation_interval=5, damping_adaptation_decay=0.95,
        inverse_update_period=5, curvature_ema=0.95, num_burnin_steps=0,
        use_automatic_registration=False, multi_device=False)


def run(net, params0, X, y, *, classify: bool, l2_reg: float, initial_damping: float,
        budget: int, on_step, seed: int = 0) -> dict:
    """Run ``budget`` steps; ``on_step(k, params_as_infogeo_list)`` after each step may
    return True to stop. Returns ``{"ms_per_iter": ...}``."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    opt = _optimizer(tuple(net.layer_sizes), tuple(net.activations), classify, l2_reg,
                     initial_damping)
    params = [(jnp.asarray(W[:, :-1].T), jnp.asarray(W[:, -1])) for W in params0]
    batch = (jnp.asarray(X), jnp.asarray(y))
    rng = jax.random.PRNGKey(seed)
    state = opt.init(params, rng, batch)
    times = []
    for k in range(budget):
        t0 = time.perf_counter()
        # a fresh key per step, as kfac-jax's docstring asks ("should be different for
        # each iteration"): one key for every step would reuse the same curvature draws
        step_key = jax.random.fold_in(rng, k)
        params, state, _ = opt.step(params, state, step_key, batch=batch, global_step_int=k)
        jax.block_until_ready(params)
        times.append(time.perf_counter() - t0)
        as_list = [np.concatenate([np.asarray(w).T, np.asarray(b)[:, None]], axis=1)
                   for w, b in params]
        if on_step(k + 1, as_list):
            break
    return {"ms_per_iter": 1e3 * float(np.median(times[1:])) if len(times) > 1 else np.nan}
