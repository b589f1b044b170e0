"""Kunstner et al. (2019) empirical-Fisher findings and the EMA mini-batch estimator."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.estimators import (
    ema_fisher_estimate,
    ema_fisher_init,
    ema_fisher_update,
    ema_variance_factor,
    minibatch_bias_variance,
)
from infogeo.estimators.kunstner import (
    fit_logistic_newton,
    kunstner_fields_on_grid,
    kunstner_linear_regression,
    misspecified_logistic_regression,
    preconditioned_gradient_fields,
    regression_empirical_fisher,
    step_angle,
)


def rel_frobenius(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def test_linear_regression_fisher_step_is_newton_and_ef_step_is_distorted() -> None:
    model, y = kunstner_linear_regression(np.random.default_rng(0))
    assert model.design.shape == (1000, 2)
    w_hat = model.mle(y)
    np.testing.assert_allclose(w_hat, [2.0, 2.0], atol=0.2)  # the generating weights
    grid = np.stack(np.meshgrid(np.linspace(w_hat[0] - 3, w_hat[0] + 3, 9),
                                np.linspace(w_hat[1] - 3, w_hat[1] + 3, 9)), axis=-1)
    grid = grid.reshape(-1, 2)[np.any(grid.reshape(-1, 2) != w_hat, axis=-1)]
    fields = preconditioned_gradient_fields(model, y, grid)
    newton = w_hat - grid  # a quadratic loss: one Newton step reaches the minimum
    # the gradient itself is ∇L = Xᵀ(Xw − y): independent check of the field
    np.testing.assert_allclose(fields.gradient, (grid @ model.design.T - y) @ model.design,
                               rtol=1e-10)
    np.testing.assert_allclose(fields.fisher_step, newton, rtol=1e-6, atol=1e-8)
    angle = step_angle(fields.empirical_fisher_step, newton)
    ratio = (np.linalg.norm(fields.empirical_fisher_step, axis=-1)
             / np.linalg.norm(newton, axis=-1))
    # documented finding: away from the minimum, EF steps point elsewhere and are far
    # too short (the EF grows with the squared residuals)
    assert np.median(angle) > 30.0
    assert np.median(ratio) < 0.3


def test_linear_regression_ef_and_fisher_coincide_at_the_mle_asymptotically() -> None:
    errors = []
    for n in (1_000, 100_000):
        model, y = kunstner_linear_regression(np.random.default_rng(1), n)
        w_hat = model.mle(y)
        errors.append(rel_frobenius(regression_empirical_fisher(model, y, w_hat),
                                    model.metric_matrix(w_hat)))
        # near the MLE the EF step approximates Newton's
        w = w_hat + np.array([0.05, -0.05])
        fields = preconditioned_gradient_fields(model, y, w)
        assert step_angle(fields.empirical_fisher_step, w_hat - w) < 25.0
    # relative error O(N^-1/2) from the fluctuation of the squared residuals
    assert errors[0] < 0.3 and errors[1] < 0.03
    assert errors[1] < errors[0] / 4


def test_misspecified_logistic_regression_ef_differs_even_at_the_optimum() -> None:
    for n in (2_000, 100_000):
        model, y = misspecified_logistic_regression(np.random.default_rng(2), n)
        w_hat = fit_logistic_newton(model, y)
        np.testing.assert_allclose(model.score(y, w_hat), 0.0, atol=1e-8 * n)
        fisher = model.metric_matrix(w_hat)
        ef = regression_empirical_fisher(model, y, w_hat)
        # E[(y-p)²|x] - p(1-p) = (q-p)² with q ∈ {0.1, 0.9} and p ≈ 0.65: not a fluctuation
        assert rel_frobenius(ef, fisher) > 0.2
        # well-specified control on the same design: labels drawn from the fitted model
        y_model = model.sample(w_hat, 1, np.random.default_rng(3))[0]
        w_model = fit_logistic_newton(model, y_model)
        control = rel_frobenius(regression_empirical_fisher(model, y_model, w_model),
                                model.metric_matrix(w_model))
        assert control < 0.1


def test_fit_logistic_newton_reports_separable_data() -> None:
    model, _ = misspecified_logistic_regression(np.random.default_rng(4), 50)
    separable = (model.design[:, 1] > 0).astype(float)
    with pytest.raises(RuntimeError, match="separable"):
        fit_logistic_newton(model, separable, max_iter=30)


# ---------------------------------------------------------------- EMA mini-batches
def test_ema_update_and_bias_correction_by_hand() -> None:
    state = ema_fisher_init((1, 1))
    for value in (1.0, 2.0, 4.0):
        state = ema_fisher_update(state, [[value]], decay=0.5)
    # S_3 = 0.5·(0.5·(0.5·1) + 0.5·2) + 0.5·4 = 0.125 + 0.5 + 2 = 2.625... times (1-β)=0.5
    raw = 0.5 * (0.25 * 1.0 + 0.5 * 2.0 + 4.0)
    assert ema_fisher_estimate(state, 0.5, bias_correction=False)[0, 0] == pytest.approx(raw)
    assert ema_fisher_estimate(state, 0.5)[0, 0] == pytest.approx(raw / (1 - 0.5**3))
    # weights: the variance factor equals Σ w_t² of the explicit weights
    w = np.array([0.25, 0.5, 1.0]) * 0.5 / (1 - 0.5**3)
    assert ema_variance_factor(0.5, 3) == pytest.approx(np.sum(w**2))
    assert ema_variance_factor(0.9, 10_000) == pytest.approx((1 - 0.9) / (1 + 0.9), rel=1e-9)


def gaussian_terms(rng: np.random.Generator, n: int) -> np.ndarray:
    """Symmetric 2x2 terms with Gaussian entries around a fixed matrix: light tails make the
    variance of the variance estimate small, so the check below is sharp."""
    base = np.array([[2.0, 0.5], [0.5, 1.0]])
    noise = rng.normal(size=(n, 2, 2))
    return base + 0.5 * (noise + np.swapaxes(noise, 1, 2))


def test_minibatch_bias_and_variance_match_theory() -> None:
    rng = np.random.default_rng(5)
    terms = gaussian_terms(rng, 5_000)
    study = minibatch_bias_variance(terms, [4, 32], [0.0, 0.5, 0.9], n_steps=40,
                                    n_repeats=1_000, rng=rng)
    assert study.relative_bias.shape == (2, 3)
    # unbiased with bias correction: the bias is a fluctuation of a few standard errors
    assert np.all(study.relative_bias < 4 * study.bias_stderr)
    # variance ∝ 1/b · (1-β)/(1+β): 1000 repeats, 3 independent entries -> sd ≈ 3%
    ratio = study.relative_variance / study.predicted_variance
    np.testing.assert_allclose(ratio, 1.0, atol=0.15)
    # larger batches and slower decay both reduce the variance
    assert np.all(np.diff(study.relative_variance, axis=0) < 0)
    assert np.all(np.diff(study.relative_variance, axis=1) < 0)


def test_minibatch_without_bias_correction_is_biased_by_decay_power() -> None:
    rng = np.random.default_rng(6)
    terms = gaussian_terms(rng, 2_000)
    study = minibatch_bias_variance(terms, [64], [0.5, 0.9], n_steps=5, n_repeats=200,
                                    rng=rng, bias_correction=False)
    # E[S_T] = (1 - β^T) F: relative bias β^T
    np.testing.assert_allclose(study.relative_bias[0], [0.5**5, 0.9**5],
                               atol=4 * study.bias_stderr.max())


def test_minibatch_bad_input() -> None:
    rng = np.random.default_rng(7)
    with pytest.raises(ValueError, match="decay must lie in"):
        ema_fisher_update(ema_fisher_init((2, 2)), np.eye(2), decay=1.0)
    with pytest.raises(ValueError, match=r"batch_fisher must have shape \(2, 2\)"):
        ema_fisher_update(ema_fisher_init((2, 2)), np.eye(3), decay=0.5)
    with pytest.raises(ValueError, match="no batch"):
        ema_fisher_estimate(ema_fisher_init((2, 2)), 0.5)
    with pytest.raises(ValueError, match=r"terms must have shape \[N, dim, dim\]"):
        minibatch_bias_variance(np.ones((3, 2)), [1], [0.5], 2, 2, rng)
    with pytest.raises(ValueError, match="n_repeats must be >= 2"):
        minibatch_bias_variance(np.ones((3, 2, 2)), [1], [0.5], 2, 1, rng)
    with pytest.raises(ValueError, match="batch_sizes must be a positive integer"):
        minibatch_bias_variance(np.ones((3, 2, 2)), [0], [0.5], 2, 2, rng)


def test_grid_helper_for_the_gallery() -> None:
    fields, w_hat = kunstner_fields_on_grid(np.random.default_rng(0), num=5)
    assert fields.points.shape == fields.fisher_step.shape == (5, 5, 2)
    np.testing.assert_allclose(fields.points[2, 2], w_hat)
    np.testing.assert_allclose(fields.points + fields.fisher_step, np.broadcast_to(w_hat,
                               (5, 5, 2)), atol=1e-7)
