"""``--censor-at`` / ``--censor-side``: the censored family from the command line.

Expected values: Deemer & Votaw (1955) for the right-censored exponential,
I(λ) = (1 − e^{−λc})/λ²; the left-censored exponential by hand (atom F(c)(∂ log F)² plus
the tail E[(1/λ − x)²; x > c]); the right-censored Rayleigh by scipy quadrature of the
score, written here independently of the symbolic engine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import integrate

from infogeo.cli import main

EXP = ["--logpdf", "log(lam) - lam*x", "--params", "lam>0", "--support", "0,oo"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code = main([*argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("point", ["2", "2.0", "4/2"])
def test_right_censored_exponential_closed_form(point: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "fisher", *EXP, "--censor-at", point, "--at", "lam=1.3")
    assert payload["family"].endswith("right_censored")
    assert payload["support"] == [["0", "2"]]  # exact: a decimal point stays a rational
    assert not payload["numeric"]
    expected = (1 - np.exp(-1.3 * 2)) / 1.3**2
    assert payload["fisher_at"][0][0] == pytest.approx(expected, rel=1e-12)
    assert payload["quadrature_at"][0][0] == pytest.approx(expected, rel=1e-8)


def test_left_censored_at_a_hyperparameter(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "fisher", *EXP, "--hyperparams", "c>0", "--censor-at", "c",
                       "--censor-side", "left", "--at", "lam=0.8 c=0.5")
    F, dF = 1 - np.exp(-0.4), 0.5 * np.exp(-0.4)
    expected = dF**2 / F + np.exp(-0.4) * (1 / 0.8**2 + 0.25)
    assert payload["support"] == [["c", "oo"]]
    assert "c" in payload["fisher"][0][0]
    assert payload["fisher_at"][0][0] == pytest.approx(expected, rel=1e-10)


def test_catalogue_family_censored_matches_independent_quadrature(
        capsys: pytest.CaptureFixture[str]) -> None:
    # Rayleigh(σ) right-censored at c = 1: ∫_0^c s² f dx + S(c)(∂σ log S)²,
    # s = −2/σ + x²/σ³, S = exp(−c²/(2σ²)), ∂σ log S = c²/σ³
    sigma, c = 0.9, 1.0
    f = lambda x: x / sigma**2 * np.exp(-x**2 / (2 * sigma**2))  # noqa: E731
    body = integrate.quad(lambda x: (-2 / sigma + x**2 / sigma**3) ** 2 * f(x), 0, c,
                          epsabs=1e-13, epsrel=1e-13)[0]
    expected = body + np.exp(-c**2 / (2 * sigma**2)) * (c**2 / sigma**3) ** 2
    payload = run_json(capsys, "fisher", "rayleigh", "--censor-at", "1",
                       "--at", f"sigma={sigma}")
    assert payload["fisher_at"][0][0] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(("argv", "fragment"), [
    (["fisher", *EXP, "--censor-at", "-1"], "--censor-at must lie inside the support"),
    (["fisher", *EXP, "--censor-at", "0"], "--censor-at must lie inside the support"),
    (["fisher", "beta", "--censor-at", "3/2"], "--censor-at must lie inside the support"),
    (["fisher", *EXP, "--censor-at", "lam"], "--censor-at must not depend on the param"),
    (["fisher", *EXP, "--censor-at", "c"], "--censor-at: unknown name 'c'"),
    (["fisher", *EXP, "--hyperparams", "c", "--censor-at", "c"], "declared positive"),
    (["fisher", *EXP, "--hyperparams", "c>0 d>0", "--censor-at", "c"], "d appear neither"),
    (["fisher", "poisson", "--censor-at", "2"], "--censor-at: the family must have one "
                                                "continuous variable"),
    (["fisher", "--logpdf", "k*log(lam) - lam - loggamma(k+1)", "--params", "lam>0",
      "--var", "k", "--support", "0,oo", "--discrete", "--censor-at", "2"], "discrete"),
    (["fisher", "dirichlet", "--censor-at", "1/2"], "continuous variable"),
])
def test_bad_censoring_is_one_line_naming_the_option(argv: list[str], fragment: str,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("infogeo: error: ") and err.count("\n") == 1, err
    assert fragment in err, err


def test_unknown_side_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fisher", "exponential", "--censor-at", "1", "--censor-side", "up"]) == 2
    assert "--censor-side" in capsys.readouterr().err
