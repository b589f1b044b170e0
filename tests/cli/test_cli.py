"""The ``infogeo`` command line, in process (``main([...])``) and as a subprocess.

Expected values are the closed forms of REFERENCE.md (Amari & Nagaoka 2000), and the
numeric family :class:`infogeo.manifolds.Normal` (written by hand, independently of the
symbolic engine the CLI calls).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from infogeo.cli import main
from infogeo.manifolds import Normal
from infogeo.symbolic.parsing import parse_density, parse_params

ROOT = Path(__file__).resolve().parents[2]
NORMAL_LOGPDF = "-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2"
LOGISTIC_LOGPDF = "-(x-mu)/s - log(s) - 2*log(1 + exp(-(x-mu)/s))"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the derivation cache out of the user's home directory."""
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def as_matrix(rows: list[list[str]], names: str, point: dict[str, float]) -> np.ndarray:
    """Evaluate the printed entries (read back through the safe parser) at a point."""
    symbols = parse_params(names)
    x = sp.Symbol("x", real=True)
    subs = {s: point[s.name] for s in symbols}
    return np.array([[float(parse_density(e, symbols, x, check_params=False).subs(subs))
                      for e in row] for row in rows])


# ---------------------------------------------------------------------- commands
def test_families_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    from infogeo.symbolic import catalogue

    code, out, _ = run(capsys, "families")
    assert code == 0
    names = [line.split()[0] for line in out.strip().splitlines()]
    assert names == catalogue.names() and "normal" in names
    rows = run_json(capsys, "families")
    assert [r["name"] for r in rows] == catalogue.names()


def test_fisher_of_catalogue_normal_matches_closed_form_and_numeric_family(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "fisher", "normal")
    assert data["params"] == ["mu", "sigma"] and data["variable"] == "x"
    assert data["support"] == [["-oo", "oo"]] and data["discrete"] is False
    point = {"mu": 0.3, "sigma": 1.7}
    got = as_matrix(data["fisher"], "mu sigma>0", point)
    np.testing.assert_allclose(got, np.diag([1, 2]) / 1.7**2, rtol=1e-14)  # REFERENCE.md
    np.testing.assert_allclose(got, Normal().metric_matrix([0.3, 1.7]), rtol=1e-14)
    assert data["check_error"] < 1e-8 and not data["numeric"]


@pytest.mark.parametrize("fmt", ["text", "latex"])
def test_fisher_text_and_latex_formats(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "fisher", "normal", "--format", fmt)
    assert code == 0, err
    if fmt == "latex":
        assert out.startswith(r"I(\mu, \sigma) = ") and r"\frac{2}{\sigma^{2}}" in out
    else:
        assert "I(mu, sigma) =" in out and "strategy:" in out


def test_fisher_of_custom_density_equals_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "fisher", "--logpdf", NORMAL_LOGPDF, "--params", "mu sigma>0",
                    "--var", "x", "--support", "-oo,oo")
    point = {"mu": -1.0, "sigma": 0.6}
    np.testing.assert_allclose(as_matrix(data["fisher"], "mu sigma>0", point),
                               Normal().metric_matrix([-1.0, 0.6]), rtol=1e-14)


def test_fisher_at_a_point_evaluates_the_closed_form(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "fisher", "normal", "--at", "mu=-0.5 sigma=0.8")
    np.testing.assert_allclose(data["fisher_at"], Normal().metric_matrix([-0.5, 0.8]),
                               rtol=1e-14)
    assert data["at"] == {"mu": -0.5, "sigma": 0.8} and not data["numeric"]
    code, out, _ = run(capsys, "fisher", "normal", "--at", "mu=0, sigma=2")
    assert code == 0 and "at mu=0, sigma=2:" in out and "0.25" in out


def test_fisher_from_a_pdf_instead_of_a_log_density(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Exponential with scale θ: I = 1/θ² (REFERENCE.md, rate form 1/λ², λ = 1/θ:
    I_θ = I_λ (dλ/dθ)² = θ² · θ⁻⁴)."""
    data = run_json(capsys, "fisher", "--pdf", "exp(-x/theta)/theta", "--params", "theta>0",
                    "--support", "0,oo")
    assert as_matrix(data["fisher"], "theta>0", {"theta": 1.7})[0, 0] == pytest.approx(
        1 / 1.7**2, rel=1e-14)
    assert data["logpdf"] == "-log(theta) - x/theta"


def test_fisher_of_discrete_custom_densities(capsys: pytest.CaptureFixture[str]) -> None:
    poisson = run_json(capsys, "fisher", "--logpdf", "k*log(lam) - lam - loggamma(k+1)",
                       "--params", "lam>0", "--var", "k", "--support", "0,oo", "--discrete")
    lam = 2.5  # REFERENCE.md: 1/lambda
    assert as_matrix(poisson["fisher"], "lam>0", {"lam": lam})[0, 0] == pytest.approx(1 / lam)
    bern = run_json(capsys, "fisher", "--logpdf", "k*log(p) + (1-k)*log(1-p)",
                    "--params", "p:(0,1)", "--var", "k", "--support", "0,1", "--discrete")
    p = 0.3  # REFERENCE.md: 1/(p(1-p))
    assert as_matrix(bern["fisher"], "p:(0,1)", {"p": p})[0, 0] == pytest.approx(
        1 / (p * (1 - p)), rel=1e-13)
    assert bern["discrete"] is True and bern["support"] == [["0", "1"]]


def test_christoffel_symbols_of_the_normal_family(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "christoffel", "normal")
    sigma = 1.3
    gamma = np.stack([as_matrix(plane, "mu sigma>0", {"mu": 0.0, "sigma": sigma})
                      for plane in data["christoffel"]])
    # REFERENCE.md, chart (mu, sigma), gamma[k, i, j] = Γ^k_ij
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 1] = expected[0, 1, 0] = -1 / sigma
    expected[1, 0, 0] = 1 / (2 * sigma)
    expected[1, 1, 1] = -1 / sigma
    np.testing.assert_allclose(gamma, expected, rtol=1e-14)
    np.testing.assert_allclose(gamma, Normal().christoffels([0.0, sigma]), rtol=1e-12)
    assert {(d["k"], d["i"], d["j"]) for d in data["nonzero"]} == {
        ("mu", "mu", "sigma"), ("sigma", "mu", "mu"), ("sigma", "sigma", "sigma")}


@pytest.mark.parametrize("alpha, scalar", [("0", "-1"), ("1", "0"), ("-1", "0"),
                                           ("1/2", "-3/4")])
def test_curvature_of_the_normal_family(capsys: pytest.CaptureFixture[str], alpha: str,
                                        scalar: str) -> None:
    """REFERENCE.md: α-curvature −(1−α²)/2 (Gaussian), i.e. scalar −(1−α²)."""
    data = run_json(capsys, "curvature", "normal", "--alpha", alpha)
    assert sp.Rational(data["scalar_curvature"]) == sp.Rational(scalar)
    if alpha == "0":
        assert sp.Rational(data["gaussian_curvature"]) == sp.Rational(-1, 2)
        # the numeric family's finite-difference curvature agrees
        assert float(Normal().scalar_curvature([0.2, 0.9])) == pytest.approx(-1.0, abs=1e-5)


def test_expectation_no_strategy_closes_is_a_one_line_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Logistic (μ, s): no strategy closes within 0.05 s; the message points to --at."""
    code, out, err = run(capsys, "fisher", "--logpdf", LOGISTIC_LOGPDF, "--params", "mu s>0",
                         "--timeout", "0.05", "--no-cache")
    assert code == 1 and out == ""
    assert err.startswith("infogeo: error: no strategy derived") and "--at" in err
    assert "--timeout 0.2" in err  # four times the budget that ran out
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_numeric_fallback_with_at(capsys: pytest.CaptureFixture[str]) -> None:
    """--at gives quadrature; logistic I = diag(1/3, (π² + 3)/9)/s² (Gumbel & logistic
    tables; checked here against scipy's logistic quadrature independently)."""
    from scipy import integrate, stats

    data = run_json(capsys, "fisher", "logistic", "--timeout", "0.05", "--no-cache",
                    "--at", "mu=0.5 s=2")
    got = np.array([[float(e) for e in row] for row in data["fisher"]])
    expected = np.diag([1 / 3, (np.pi**2 + 3) / 9]) / 4
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-12)
    dist = stats.logistic(0.5, 2.0)
    def score_sq(z: float) -> float:  # d/ds log p at x = 0.5 + 2 z: (z tanh(z/2) - 1)/s
        return ((z * np.tanh(z / 2) - 1) / 2) ** 2 * dist.pdf(0.5 + 2 * z) * 2
    quad, _ = integrate.quad(score_sq, -60, 60)
    assert got[1, 1] == pytest.approx(quad, rel=1e-8)
    assert data["numeric"] is True


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("argv, fragment", [
    (["fisher", "normall"], "unknown family 'normall'; did you mean normal"),
    (["fisher"], "give a family name"),
    (["fisher", "normal", "--logpdf", "x"], "not a family name and --logpdf"),
    (["fisher", "--pdf", "x", "--logpdf", "x", "--params", "mu"], "not --logpdf and --pdf"),
    (["fisher", "--pdf", "exp(-x/t)", "--params", "t>0", "--support", "0,oo"],
     "not normalized"),
    (["fisher", "--logpdf", NORMAL_LOGPDF], "--params is required"),
    (["fisher", "--logpdf", "-(x-mu)**2/2 +", "--params", "mu"], "not a valid expression"),
    (["fisher", "--logpdf", "x^2*mu", "--params", "mu"], "use **"),
    (["fisher", "--logpdf", "-(x-mu)**2/2 - log(2*pi)/2", "--params", "mu sigma>0"],
     "does not depend on sigma"),
    (["fisher", "--logpdf", "-(x-mu)**2/2", "--params", "mu"], "not normalized"),
    (["fisher", "--logpdf", "-(x-mu)**2/2", "--params", "mu", "--support", "oo,0"],
     "low < high"),
    (["fisher", "--logpdf", "__import__('os').system('echo pwned')", "--params", "mu"],
     "whitelisted"),
    (["fisher", "--logpdf", "__import__('os')", "--params", "mu"], "dunder"),
    (["fisher", "--logpdf", "open('/etc/passwd')", "--params", "mu"],
     "function 'open' is not allowed"),
    (["fisher", "--logpdf", "x.__class__", "--params", "mu"], "attribute"),
    (["fisher", "--logpdf", "9**9**9**9*x*mu", "--params", "mu"], "too large"),
    (["fisher", "--logpdf", "x*mu", "--params", "mu", "--var", "__x__"], "dunder"),
    (["fisher", "normal", "--at", "mu=1"], "missing sigma"),
    (["fisher", "normal", "--at", "mu=1 sigma=-2"], "must lie in the parameter domain"),
    (["fisher", "normal", "--at", "mu=1 sigma=__import__('os')"], "dunder"),
    (["curvature", "normal", "--alpha", "import os"], "not a valid expression"),
])
def test_errors_are_one_line_on_stderr(capsys: pytest.CaptureFixture[str], argv: list[str],
                                       fragment: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert out == ""
    assert err.startswith("infogeo: error: ") and fragment in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "fisher", "normal", "--format", "yaml")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "fisher", "normal", "--time-limit", "-1")
    assert code == 2 and "--time-limit: must be > 0" in err
    code, _, err = run(capsys, "fisher", "normal", "--timeout", "0")
    assert code == 2 and "--timeout: must be > 0" in err
    code, _, _ = run(capsys)
    assert code == 2
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("infogeo ")
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "fisher" in out


# ---------------------------------------------------------------------- subprocess
def _subprocess(*argv: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "infogeo", *argv], capture_output=True,
                          text=True, env=env, cwd=tmp, timeout=120)


def test_python_dash_m_infogeo_json_and_hostile_input(tmp_path: Path) -> None:
    proc = _subprocess("fisher", "normal", "--format", "json", tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    np.testing.assert_allclose(as_matrix(data["fisher"], "mu sigma>0", {"mu": 0, "sigma": 2}),
                               np.diag([0.25, 0.5]))
    sentinel = tmp_path / "pwned"
    bad = _subprocess("fisher", "--logpdf", f"__import__('os').system('touch {sentinel}')",
                      "--params", "mu", tmp=tmp_path)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.startswith("infogeo: error:") and bad.stderr.count("\n") == 1
    assert not sentinel.exists()


# ---------------------------------------------------------------------- honest waiting
LOGLOGISTIC = "log(b/a) + (b-1)*log(x/a) - 2*log(1 + (x/a)**b)"


def test_readable_closed_forms_are_printed(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "fisher", "bernoulli")
    assert data["fisher"] == [["1/(p*(1 - p))"]]


def test_at_answers_by_quadrature_whatever_the_symbolic_outcome(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Log-logistic (scale a, shape b): no strategy closes; I = diag(b²/(3a²),
    (3 + π²)/(9b²)) (Shoukri, Mian & Tracy 1988) is printed by quadrature at the point,
    before the symbolic attempt, which is reported with its reasons."""
    argv = ["fisher", "--logpdf", LOGLOGISTIC, "--params", "a>0 b>0", "--at", "a=1 b=2",
            "--timeout", "0.3"]
    code, out, err = run(capsys, *argv)
    assert code == 0 and err == ""
    assert out.index("at a=1, b=2 (quadrature):") < out.index("no closed form within 0.3 s")
    assert "support: x in (0, oo): inferred" in out and "hessian_free:" in out
    data = run_json(capsys, *argv)
    expected = np.diag([4 / 3, (3 + np.pi**2) / 36])
    np.testing.assert_allclose(data["fisher_at"], expected, rtol=1e-8, atol=1e-12)
    assert data["numeric"] is True and data["strategy"] == "numeric"
    assert [a["strategy"] for a in data["attempts"]] == [
        "hessian_free", "exponential_family", "expectation", "score"]
    _, again, _ = run(capsys, *argv)  # the failure is remembered: no new attempt
    assert "remembered from an earlier attempt" in again


def test_closed_form_and_quadrature_at_a_point_agree(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    data = run_json(capsys, "fisher", "normal", "--at", "mu=0.5 sigma=2")
    np.testing.assert_allclose(data["quadrature_at"], data["fisher_at"], rtol=1e-10,
                               atol=1e-15)


def test_progress_shows_the_step_running(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fisher", "--logpdf", "log(r) - r*x", "--params", "r>0",
                         "--support", "0,oo", "--no-cache", "--progress")
    assert code == 0 and "I(r) =" in out
    assert "\rinfogeo: Fisher information: normalization check (" in err
    assert "Fisher information: trying hessian_free" in err
    assert err.endswith("\r")  # the line is erased at the end
    code, _, err = run(capsys, "fisher", "normal", "--quiet")
    assert code == 0 and err == ""


def test_missing_support_gets_a_hint_and_no_numpy_warning(tmp_path: Path) -> None:
    proc = _subprocess("fisher", "--logpdf", "log(lam) - lam*x", "--params", "lam>0",
                       tmp=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Warning" not in proc.stderr
    assert "diverges" in proc.stderr and "did you mean --support 0,oo?" in proc.stderr


def test_conditions_limit_the_points(capsys: pytest.CaptureFixture[str]) -> None:
    """Three categories k = 0, 1, 2 with probabilities (p1, p2, 1 − p1 − p2), written with
    polynomial indicators of k; REFERENCE.md categorical: I = diag(1/p1, 1/p2) + 1/p3."""
    argv = ["fisher", "--logpdf", "(1-k)*(2-k)/2*log(p1) + k*(2-k)*log(p2) "
            "+ k*(k-1)/2*log(1-p1-p2)", "--params", "p1:(0,1) p2:(0,1)", "--var", "k",
            "--support", "0,2", "--discrete", "--conditions", "p1 + p2 < 1"]
    data = run_json(capsys, *argv, "--at", "p1=0.2 p2=0.3")
    expected = np.diag([1 / 0.2, 1 / 0.3]) + 1 / 0.5
    np.testing.assert_allclose(data["fisher_at"], expected, rtol=1e-12)
    code, _, err = run(capsys, *argv, "--at", "p1=0.6 p2=0.5")
    assert code == 1 and "p1 + p2 < 1" in err and "--at must lie in the parameter domain" in err


def test_support_of_several_variables(capsys: pytest.CaptureFixture[str]) -> None:
    """Dirichlet(a, b, c) on the simplex (REFERENCE.md: I = diag(ψ′(α_i)) − ψ′(Σα)·11ᵀ)."""
    argv = ["fisher", "--logpdf", "loggamma(a+b+c) - loggamma(a) - loggamma(b) - loggamma(c)"
            " + (a-1)*log(x1) + (b-1)*log(x2) + (c-1)*log(1-x1-x2)", "--params",
            "a>0 b>0 c>0", "--var", "x1 x2"]
    code, _, err = run(capsys, *argv, "--support", "0,1")
    assert code == 1 and "separated by ';'" in err
    data = run_json(capsys, *argv, "--support", "0,1; 0,1-x1", "--at", "a=1.5 b=2 c=2.5")
    from scipy.special import polygamma
    alpha = np.array([1.5, 2.0, 2.5])
    expected = np.diag(polygamma(1, alpha)) - polygamma(1, alpha.sum())
    np.testing.assert_allclose(data["fisher_at"], expected, rtol=1e-10)
